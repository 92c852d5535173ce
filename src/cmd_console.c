/* cmd_console.c — `yibao console refresh`: rebuild the console's summary tables from the core
 * tables (after a bulk load that bypassed the store, or to check the store's sums: the figures
 * must not change). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "store.h"
#include "store_console.h"

static int refresh_tx(store_conn *w, void *arg, yb_err *e) {
  (void)arg;
  int rc = store_console_rebuild(w, e);
  if (!rc) rc = store_log(w, "", "cli", "console.refresh", "", "", "rebuild the console's summary tables", e);
  return rc;
}

int cmd_console(int argc, char **argv) {
  const char *db = cmd_opt(argc, argv, "--db");
  if (argc < 1 || strcmp(argv[0], "refresh") || !db) {
    fprintf(stderr, "usage: yibao console refresh --db FILE\n");
    return 2;
  }
  if (access(db, F_OK) != 0) {
    fprintf(stderr, "yibao: %s does not exist\n", db);
    return 1;
  }
  yb_err e = {0};
  store *st = NULL;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int rc = store_open(db, &st, &e);
  if (!rc) rc = store_write(st, refresh_tx, NULL, &e);
  store_close(st);
  if (rc) {
    fprintf(stderr, "yibao: console refresh: %s%s%s\n", e.field, e.field[0] ? ": " : "", e.msg);
    return 1;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  printf("console summary tables rebuilt in %.1f s\n",
         (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
  return 0;
}
