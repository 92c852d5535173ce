/* store_sqlite_wal.c — a VFS over the default one for the writer's connection: the WAL frames a
 * transaction appends (SQLite writes each frame as two writes, its header and its page) are held
 * in memory and written in 64 KiB pieces before the commit is published to other connections
 * (the wal-index header, behind xShmBarrier), before the transaction's locks are released (so a
 * rolled-back transaction's frames never outlive its write lock), and before anything reads,
 * syncs, sizes or truncates the WAL. What others see and what the syncer's fdatasync covers is
 * unchanged. The frames held belong to the transaction running on this thread (thread-local). */
#include "store_sqlite_wal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define WAL_BUF_MAX (4 << 20) /* written out past this, mid-transaction */

typedef struct wal_file wal_file;
struct wal_file {
  sqlite3_file base;       /* first: what SQLite holds */
  sqlite3_file *real;      /* the default VFS's file, allocated after this struct */
  int is_wal;
  char *buf;               /* appends not yet written, for the file offset `at` */
  size_t n, cap;
  sqlite3_int64 at;
  int commit_next;         /* the last write was a commit frame's header: its page ends the commit */
};

static sqlite3_vfs wal_vfs, *real_vfs;
static sqlite3_io_methods wal_methods;
static _Thread_local wal_file *held; /* the WAL whose frames this thread's transaction holds */

/* The unix VFS writes at most 128 KiB less one byte per call (it masks the length to 17
 * bits), so the held bytes go out in 64 KiB writes. */
#define WAL_WRITE_MAX (64 << 10)

static int flush(wal_file *f) {
  int rc = SQLITE_OK;
  for (size_t done = 0; done < f->n && rc == SQLITE_OK; done += WAL_WRITE_MAX) {
    size_t k = f->n - done < WAL_WRITE_MAX ? f->n - done : WAL_WRITE_MAX;
    rc = f->real->pMethods->xWrite(f->real, f->buf + done, (int)k, f->at + (sqlite3_int64)done);
  }
  f->n = 0;
  if (held == f) held = NULL;
  return rc;
}

static int flush_held(void) { return held ? flush(held) : SQLITE_OK; }

static int x_close(sqlite3_file *p) {
  wal_file *f = (wal_file *)p;
  int rc = flush(f);
  int rc2 = f->real->pMethods->xClose(f->real);
  free(f->buf);
  return rc ? rc : rc2;
}

static int x_read(sqlite3_file *p, void *out, int amt, sqlite3_int64 off) {
  wal_file *f = (wal_file *)p;
  int rc = flush(f);
  return rc ? rc : f->real->pMethods->xRead(f->real, out, amt, off);
}

static int x_write(sqlite3_file *p, const void *data, int amt, sqlite3_int64 off) {
  wal_file *f = (wal_file *)p;
  if (!f->is_wal) return f->real->pMethods->xWrite(f->real, data, amt, off);
  if (held && held != f) { /* another connection's transaction on this thread: out first */
    int rc = flush(held);
    if (rc) return rc;
  }
  if (f->n && off != f->at + (sqlite3_int64)f->n) { /* not an append to what is held */
    int rc = flush(f);
    if (rc) return rc;
  }
  if (f->n + (size_t)amt > f->cap) {
    size_t cap = f->cap ? f->cap : 256 << 10;
    while (cap < f->n + (size_t)amt) cap *= 2;
    char *b = cap <= WAL_BUF_MAX ? realloc(f->buf, cap) : NULL;
    if (!b) { /* too much for one write, or no memory: write it through */
      int rc = flush(f);
      return rc ? rc : f->real->pMethods->xWrite(f->real, data, amt, off);
    }
    f->buf = b;
    f->cap = cap;
  }
  if (!f->n) f->at = off;
  memcpy(f->buf + f->n, data, (size_t)amt);
  f->n += (size_t)amt;
  held = f;
  /* A frame header (24 bytes) whose "database size after commit" is not zero starts the commit
   * frame: once its page is held, everything goes out here, so a failed write fails the commit
   * before SQLite publishes it. */
  const unsigned char *d = data;
  if (f->commit_next) {
    f->commit_next = 0;
    return flush(f);
  }
  if (amt == 24 && off >= 32 && (d[4] | d[5] | d[6] | d[7])) f->commit_next = 1;
  return SQLITE_OK;
}

static int x_truncate(sqlite3_file *p, sqlite3_int64 size) {
  wal_file *f = (wal_file *)p;
  int rc = flush(f);
  return rc ? rc : f->real->pMethods->xTruncate(f->real, size);
}
static int x_sync(sqlite3_file *p, int flags) {
  wal_file *f = (wal_file *)p;
  int rc = flush(f);
  return rc ? rc : f->real->pMethods->xSync(f->real, flags);
}
static int x_size(sqlite3_file *p, sqlite3_int64 *size) {
  wal_file *f = (wal_file *)p;
  int rc = flush(f);
  return rc ? rc : f->real->pMethods->xFileSize(f->real, size);
}
static int x_lock(sqlite3_file *p, int l) { return ((wal_file *)p)->real->pMethods->xLock(((wal_file *)p)->real, l); }
static int x_unlock(sqlite3_file *p, int l) {
  return ((wal_file *)p)->real->pMethods->xUnlock(((wal_file *)p)->real, l);
}
static int x_reserved(sqlite3_file *p, int *out) {
  return ((wal_file *)p)->real->pMethods->xCheckReservedLock(((wal_file *)p)->real, out);
}
static int x_fcntl(sqlite3_file *p, int op, void *arg) {
  wal_file *f = (wal_file *)p;
  int rc = flush(f);
  return rc ? rc : f->real->pMethods->xFileControl(f->real, op, arg);
}
static int x_sector(sqlite3_file *p) { return ((wal_file *)p)->real->pMethods->xSectorSize(((wal_file *)p)->real); }
static int x_devchar(sqlite3_file *p) {
  return ((wal_file *)p)->real->pMethods->xDeviceCharacteristics(((wal_file *)p)->real);
}
static int x_shmmap(sqlite3_file *p, int pg, int sz, int extend, void volatile **out) {
  return ((wal_file *)p)->real->pMethods->xShmMap(((wal_file *)p)->real, pg, sz, extend, out);
}
/* Before a lock is released (the write lock at the end of a transaction, committed or rolled
 * back): the held frames go out while it is still held. */
static int x_shmlock(sqlite3_file *p, int off, int n, int flags) {
  if (flags & SQLITE_SHM_UNLOCK) {
    int rc = flush_held();
    if (rc) return rc;
  }
  return ((wal_file *)p)->real->pMethods->xShmLock(((wal_file *)p)->real, off, n, flags);
}
/* SQLite calls this on the database file between the two copies of the wal-index header it
 * writes to publish a commit: nothing should be held by then (the commit frame wrote it out);
 * this is the guard. */
static void x_shmbarrier(sqlite3_file *p) {
  flush_held();
  ((wal_file *)p)->real->pMethods->xShmBarrier(((wal_file *)p)->real);
}
static int x_shmunmap(sqlite3_file *p, int del) {
  return ((wal_file *)p)->real->pMethods->xShmUnmap(((wal_file *)p)->real, del);
}

static int x_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *p, int flags, int *out_flags) {
  (void)vfs;
  wal_file *f = (wal_file *)p;
  memset(f, 0, sizeof *f);
  f->real = (sqlite3_file *)(f + 1);
  int rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK) return rc;
  /* version 2 methods: no xFetch (no mmap on this connection) */
  f->base.pMethods = &wal_methods;
  f->is_wal = (flags & SQLITE_OPEN_WAL) != 0;
  return SQLITE_OK;
}

static int x_delete(sqlite3_vfs *v, const char *n, int sync) { (void)v; return real_vfs->xDelete(real_vfs, n, sync); }
static int x_access(sqlite3_vfs *v, const char *n, int fl, int *out) {
  (void)v;
  return real_vfs->xAccess(real_vfs, n, fl, out);
}
static int x_fullpath(sqlite3_vfs *v, const char *n, int cap, char *out) {
  (void)v;
  return real_vfs->xFullPathname(real_vfs, n, cap, out);
}
static int x_random(sqlite3_vfs *v, int n, char *out) { (void)v; return real_vfs->xRandomness(real_vfs, n, out); }
static int x_sleep(sqlite3_vfs *v, int us) { (void)v; return real_vfs->xSleep(real_vfs, us); }
static int x_time(sqlite3_vfs *v, double *out) { (void)v; return real_vfs->xCurrentTime(real_vfs, out); }
static int x_lasterr(sqlite3_vfs *v, int n, char *out) { (void)v; return real_vfs->xGetLastError(real_vfs, n, out); }
static int x_time64(sqlite3_vfs *v, sqlite3_int64 *out) {
  (void)v;
  return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int registered = SQLITE_ERROR;

static void reg(void) {
  real_vfs = sqlite3_vfs_find(NULL);
  if (!real_vfs || real_vfs->iVersion < 2) return;
  wal_methods = (sqlite3_io_methods){2,       x_close,    x_read,    x_write,    x_truncate,   x_sync,
                                     x_size,  x_lock,     x_unlock,  x_reserved, x_fcntl,      x_sector,
                                     x_devchar, x_shmmap, x_shmlock, x_shmbarrier, x_shmunmap, NULL, NULL};
  wal_vfs = (sqlite3_vfs){2, (int)sizeof(wal_file) + real_vfs->szOsFile, real_vfs->mxPathname, NULL,
                          STORE_WAL_VFS, NULL, x_open, x_delete, x_access, x_fullpath, NULL, NULL, NULL,
                          NULL, x_random, x_sleep, x_time, x_lasterr, x_time64, NULL, NULL, NULL};
  registered = sqlite3_vfs_register(&wal_vfs, 0);
}

const char *store_sqlite_wal_vfs(void) {
  pthread_once(&once, reg);
  return registered == SQLITE_OK ? STORE_WAL_VFS : NULL;
}
