/* testdb.h — a scratch database for a unit test: a per-process path under /tmp, and its removal
 * with the WAL and shared-memory files SQLite leaves beside it. */
#ifndef YB_TESTDB_H
#define YB_TESTDB_H

#include <stdio.h>
#include <unistd.h>

/* "/tmp/yibao-test-NAME-PID.db" into out, any old copy removed. */
static inline void testdb_path(char *out, size_t cap, const char *name) {
  snprintf(out, cap, "/tmp/yibao-test-%s-%d.db", name, (int)getpid());
  unlink(out);
}

static inline void testdb_remove(const char *path) {
  char p[256];
  unlink(path);
  snprintf(p, sizeof p, "%s-wal", path);
  unlink(p);
  snprintf(p, sizeof p, "%s-shm", path);
  unlink(p);
}

#endif
