/* store_sqlite_wal.h — the writer connection's VFS: a commit's WAL frames written with one
 * pwrite instead of two per frame (store_sqlite_wal.c). Only storage code includes this. */
#ifndef YB_STORE_SQLITE_WAL_H
#define YB_STORE_SQLITE_WAL_H

#include <sqlite3.h>

#define STORE_WAL_VFS "yibao-wal"

/* Register the VFS once; its name for sqlite3_open_v2, or NULL (then use the default). */
const char *store_sqlite_wal_vfs(void);

#endif
