/* test_sqlite_mem.c — SQLite's small-block allocator (store_sqlite_mem.c): sizes, contents
 * kept across realloc, blocks freed by another thread, and SQLite working on top of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_sqlite.h"

static int setup(void **state) {
  (void)state;
  store_sqlite_mem_install(); /* before SQLite's first use, as store_open does */
  return sqlite3_initialize() == SQLITE_OK ? 0 : -1;
}

#ifndef __SANITIZE_ADDRESS__
static void test_sizes(void **state) {
  (void)state;
  static const int ask[] = {1, 15, 16, 17, 100, 256, 257, 300, 1000, 4096, 4097, 100000};
  static const int got[] = {16, 16, 16, 32, 112, 256, 320, 320, 1024, 4096, 4112, 100000};
  for (size_t i = 0; i < sizeof ask / sizeof *ask; i++) {
    unsigned char *p = sqlite3_malloc(ask[i]);
    assert_non_null(p);
    assert_int_equal(sqlite3_msize(p), got[i]);
    assert_int_equal((uintptr_t)p % 16, 0); /* malloc's alignment */
    memset(p, 0xab, (size_t)ask[i]);       /* the whole block is usable */
    sqlite3_free(p);
  }
}
#endif

/* A freed block comes back for the next request of its class; realloc keeps the contents. */
static void test_reuse_and_realloc(void **state) {
  (void)state;
  char *a = sqlite3_malloc(40);
  assert_non_null(a);
  sqlite3_free(a);
  char *b = sqlite3_malloc(44);
#ifndef __SANITIZE_ADDRESS__
  assert_ptr_equal(a, b); /* same class, same thread: the block just freed */
#endif
  for (int i = 0; i < 44; i++) b[i] = (char)i;
  char *c = sqlite3_realloc(b, 46); /* same class: in place */
#ifndef __SANITIZE_ADDRESS__
  assert_ptr_equal(b, c);
#endif
  char *d = sqlite3_realloc(c, 9000); /* to a large block */
  assert_non_null(d);
  for (int i = 0; i < 44; i++) assert_int_equal(d[i], (char)i);
  char *f = sqlite3_realloc(d, 20); /* and back down */
  assert_non_null(f);
  for (int i = 0; i < 20; i++) assert_int_equal(f[i], (char)i);
  sqlite3_free(f);
  sqlite3_free(NULL);
}

static void *alloc_many(void *arg) {
  void **out = arg;
  for (int i = 0; i < 2000; i++) {
    out[i] = sqlite3_malloc(16 + i % 600);
    if (out[i]) memset(out[i], i & 0xff, (size_t)(16 + i % 600));
  }
  return NULL; /* the thread ends: its lists go back to malloc */
}

/* Blocks allocated in a thread that has ended are freed here, into this thread's lists. */
static void test_cross_thread(void **state) {
  (void)state;
  void **blocks = calloc(2000, sizeof *blocks);
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, alloc_many, blocks), 0);
  pthread_join(t, NULL);
  for (int i = 0; i < 2000; i++) {
    assert_non_null(blocks[i]);
    assert_int_equal(((unsigned char *)blocks[i])[15], i & 0xff);
    sqlite3_free(blocks[i]);
  }
  free(blocks);
}

/* SQLite itself on the allocator: a table, an index, text of every size class. */
static void test_sqlite_on_it(void **state) {
  (void)state;
  sqlite3 *db;
  assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT); CREATE INDEX tv ON t(v);"
                                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<3000)"
                                    " INSERT INTO t SELECT i, printf('%.*c', i % 5000, 'x') FROM n;",
                               NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_stmt *s;
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*), sum(length(v)) FROM t", -1, &s, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(s), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int64(s, 0), 3000);
  int64_t want = 0;
  for (int i = 1; i <= 3000; i++) want += i % 5000;
  assert_int_equal(sqlite3_column_int64(s, 1), want);
  sqlite3_finalize(s);
  sqlite3_close(db);
}

int main(void) {
  const struct CMUnitTest tests[] = {
#ifndef __SANITIZE_ADDRESS__
      cmocka_unit_test(test_sizes),
#endif
      cmocka_unit_test(test_reuse_and_realloc),
      cmocka_unit_test(test_cross_thread),
      cmocka_unit_test(test_sqlite_on_it),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
