/* cmd_sql.c — `yibao sql --db FILE QUERY [ARG...]`: one read-only query against a region's
 * database, each row printed as a JSON array on a line of its own. The database is opened
 * read-only, the ?s are bound to the ARGs as text, and SQL unpack(x) gives a packed column's
 * text (store_sqlite_pack.c): msglog.response, settlement setlinfo/setldetail/trace, fee and
 * fee_void body/result. So an operator can read a stored reply, e.g.
 *   yibao sql --db region.db "SELECT unpack(response) FROM msglog WHERE mkey=substr(?2, length(?1)+1)
 *     AND fixmedins_code=?1 AND msgid=?2" H41… H41…2026…
 * while `serve` runs (WAL readers do not block the writer; mkey leads msglog's key, docs/operations.md). */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "store_sqlite.h"

static json_t *cell(sqlite3_stmt *s, int i) {
  switch (sqlite3_column_type(s, i)) {
  case SQLITE_INTEGER: return json_integer(sqlite3_column_int64(s, i));
  case SQLITE_FLOAT: return json_real(sqlite3_column_double(s, i));
  case SQLITE_NULL: return json_null();
  case SQLITE_TEXT:
    return json_stringn((const char *)sqlite3_column_text(s, i), (size_t)sqlite3_column_bytes(s, i));
  default: { /* a BLOB: its bytes in hex, as SQLite's x'…' literal spells them */
    const unsigned char *b = sqlite3_column_blob(s, i);
    int n = sqlite3_column_bytes(s, i);
    json_t *o = json_object();
    char *hex = malloc((size_t)n * 2 + 1);
    if (!o || !hex) {
      free(hex);
      json_decref(o);
      return json_null();
    }
    for (int k = 0; k < n; k++) snprintf(hex + 2 * k, 3, "%02x", b[k]);
    hex[2 * n] = 0;
    json_object_set_new(o, "blob", json_string(hex));
    free(hex);
    return o;
  }
  }
}

int cmd_sql(int argc, char **argv) {
  const char *db_path = cmd_opt(argc, argv, "--db");
  const char *query = NULL;
  int first_arg = argc;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--db")) {
      i++;
      continue;
    }
    if (!query) {
      query = argv[i];
      first_arg = i + 1;
    }
  }
  if (!db_path || !query) {
    fprintf(stderr, "usage: yibao sql --db FILE QUERY [ARG...]\n"
                    "runs one read-only query; prints each row as a JSON array; unpack(x) reads packed texts\n");
    return 2;
  }
  sqlite3 *db = NULL;
  if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    fprintf(stderr, "yibao sql: cannot open %s: %s\n", db_path, db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return 1;
  }
  sqlite3_busy_timeout(db, 10000);
  store_sqlite_unpack_register(db);
  sqlite3_stmt *s = NULL;
  const char *tail = NULL;
  int rc = 1;
  if (sqlite3_prepare_v2(db, query, -1, &s, &tail) != SQLITE_OK || !s) {
    fprintf(stderr, "yibao sql: %s\n", s ? sqlite3_errmsg(db) : (sqlite3_errmsg(db)[0] ? sqlite3_errmsg(db) : "empty query"));
    goto done;
  }
  while (tail && (*tail == ' ' || *tail == '\n' || *tail == '\t' || *tail == ';')) tail++;
  if (tail && *tail) {
    fprintf(stderr, "yibao sql: one statement only (more follows at \"%.40s\")\n", tail);
    goto done;
  }
  int nparam = sqlite3_bind_parameter_count(s), nargs = argc - first_arg;
  if (nparam != nargs) {
    fprintf(stderr, "yibao sql: the query has %d parameter(s), %d value(s) given\n", nparam, nargs);
    goto done;
  }
  for (int i = 0; i < nargs; i++) sqlite3_bind_text(s, i + 1, argv[first_arg + i], -1, SQLITE_STATIC);
  int st, ncol = sqlite3_column_count(s);
  while ((st = sqlite3_step(s)) == SQLITE_ROW) {
    json_t *row = json_array();
    for (int i = 0; i < ncol; i++) json_array_append_new(row, cell(s, i));
    char *line = json_dumps(row, JSON_COMPACT);
    json_decref(row);
    if (!line) {
      fprintf(stderr, "yibao sql: out of memory\n");
      goto done;
    }
    puts(line);
    free(line);
  }
  if (st != SQLITE_DONE) {
    fprintf(stderr, "yibao sql: %s\n", sqlite3_errmsg(db));
    goto done;
  }
  rc = 0;
done:
  sqlite3_finalize(s);
  sqlite3_close(db);
  return rc;
}
