/* store_sqlite_admin.c — store_admin.h on SQLite: table admin_user (one row per console user,
 * Argon2id hash, lock-out state) and admin_access (append-only log of every admin API call). */
#include <stdio.h>
#include <string.h>

#include "store_admin.h"
#include "store_sqlite.h"

static const char *const admin_migrations[] = {
    "CREATE TABLE admin_user(username TEXT PRIMARY KEY, display_name TEXT NOT NULL DEFAULT '',"
    " role TEXT NOT NULL CHECK(role IN ('admin','supervisor','clerk','inst')),"
    " fixmedins_code TEXT NOT NULL DEFAULT '', pw_hash TEXT NOT NULL, failed INTEGER NOT NULL DEFAULT 0,"
    " locked_until TEXT NOT NULL DEFAULT '', disabled INTEGER NOT NULL DEFAULT 0,"
    " created_at TEXT NOT NULL, CHECK((role = 'inst') = (fixmedins_code <> '')));"
    "CREATE TABLE admin_access(id INTEGER PRIMARY KEY, at TEXT NOT NULL, username TEXT NOT NULL,"
    " role TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL, status INTEGER NOT NULL,"
    " ip TEXT NOT NULL DEFAULT '');"
    "CREATE TRIGGER admin_access_no_update BEFORE UPDATE ON admin_access BEGIN SELECT RAISE(ABORT, 'admin_access is append-only'); END;"
    "CREATE TRIGGER admin_access_no_delete BEFORE DELETE ON admin_access BEGIN SELECT RAISE(ABORT, 'admin_access is append-only'); END;",
};

#define USER_COLS "username,display_name,role,fixmedins_code,pw_hash,failed,locked_until,disabled"
#define NOW "strftime('%Y-%m-%d %H:%M:%S','now')"
enum { Q_GET, Q_ADD, Q_PASSWORD, Q_OK, Q_FAIL, Q_EACH, Q_ACCESS, Q_N };
static const char *const admin_sql[Q_N] = {
    [Q_GET] = "SELECT " USER_COLS " FROM admin_user WHERE username=?1",
    [Q_ADD] = "INSERT INTO admin_user(" USER_COLS ",created_at) VALUES(?1,?2,?3,?4,?5,0,'',0," NOW ")",
    [Q_PASSWORD] = "UPDATE admin_user SET pw_hash=?2, failed=0, locked_until='' WHERE username=?1",
    [Q_OK] = "UPDATE admin_user SET failed=0, locked_until='' WHERE username=?1 AND (failed<>0 OR locked_until<>'')",
    [Q_FAIL] = "UPDATE admin_user SET failed=CASE WHEN failed+1>=?2 THEN 0 ELSE failed+1 END,"
               " locked_until=CASE WHEN failed+1>=?2 THEN ?3 ELSE locked_until END WHERE username=?1",
    [Q_EACH] = "SELECT " USER_COLS " FROM admin_user ORDER BY role, username",
    [Q_ACCESS] = "INSERT INTO admin_access(at,username,role,method,path,status,ip) VALUES("
                 "strftime('%Y-%m-%d %H:%M:%f','now'),?1,?2,?3,?4,?5,?6)",
};

const store_area store_area_admin = {STORE_AREA_ADMIN, "admin", admin_migrations,
                                     (int)(sizeof admin_migrations / sizeof admin_migrations[0]),
                                     admin_sql, Q_N};

static void row_user(sqlite3_stmt *s, store_admin_user *u) {
  store_sqlite_ct(s, 0, u->username, sizeof u->username);
  store_sqlite_ct(s, 1, u->display_name, sizeof u->display_name);
  store_sqlite_ct(s, 2, u->role, sizeof u->role);
  store_sqlite_ct(s, 3, u->fixmedins_code, sizeof u->fixmedins_code);
  store_sqlite_ct(s, 4, u->pw_hash, sizeof u->pw_hash);
  u->failed = (int)store_sqlite_ci(s, 5);
  store_sqlite_ct(s, 6, u->locked_until, sizeof u->locked_until);
  u->disabled = (int)store_sqlite_ci(s, 7);
}

int store_admin_user_get(store_conn *c, const char *username, store_admin_user *out, yb_err *e) {
  sqlite3_stmt *s = store_sqlite_stmt(c, &store_area_admin, Q_GET, e);
  if (!s) return YB_ESTORE;
  store_sqlite_bt(s, 1, username);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) row_user(s, out);
  store_sqlite_reset(s);
  if (rc == SQLITE_ROW) return 0;
  if (rc == SQLITE_DONE) return yb_fail(e, YB_ENOT_FOUND, "username", "no such user: %s", username);
  return store_sqlite_err(c, e, "admin_user");
}

int store_admin_user_add(store_conn *c, const store_admin_user *u, yb_err *e) {
  sqlite3_stmt *s = store_sqlite_stmt(c, &store_area_admin, Q_ADD, e);
  if (!s) return YB_ESTORE;
  store_sqlite_bt(s, 1, u->username);
  store_sqlite_bt(s, 2, u->display_name);
  store_sqlite_bt(s, 3, u->role);
  store_sqlite_bt(s, 4, u->fixmedins_code);
  store_sqlite_bt(s, 5, u->pw_hash);
  int rc = store_sqlite_done(c, s, e, "admin_user");
  if (rc == YB_ECONFLICT) return yb_fail(e, YB_ECONFLICT, "username", "user %s exists already", u->username);
  return rc;
}

static int changed_one(store_conn *c, int rc, const char *username, yb_err *e) {
  if (rc) return rc;
  if (sqlite3_changes(store_sqlite_db(c)) == 0)
    return yb_fail(e, YB_ENOT_FOUND, "username", "no such user: %s", username);
  return 0;
}

int store_admin_user_password(store_conn *c, const char *username, const char *pw_hash, yb_err *e) {
  sqlite3_stmt *s = store_sqlite_stmt(c, &store_area_admin, Q_PASSWORD, e);
  if (!s) return YB_ESTORE;
  store_sqlite_bt(s, 1, username);
  store_sqlite_bt(s, 2, pw_hash);
  return changed_one(c, store_sqlite_done(c, s, e, "admin_user"), username, e);
}

int store_admin_login_result(store_conn *c, const char *username, int ok, int max_failed,
                             const char *lock_until, yb_err *e) {
  sqlite3_stmt *s = store_sqlite_stmt(c, &store_area_admin, ok ? Q_OK : Q_FAIL, e);
  if (!s) return YB_ESTORE;
  store_sqlite_bt(s, 1, username);
  if (!ok) {
    store_sqlite_bi(s, 2, max_failed);
    store_sqlite_bt(s, 3, lock_until);
  }
  return store_sqlite_done(c, s, e, "admin_user");
}

int store_admin_user_each(store_conn *c, int (*fn)(const store_admin_user *, void *), void *arg,
                          yb_err *e) {
  sqlite3_stmt *s = store_sqlite_stmt(c, &store_area_admin, Q_EACH, e);
  if (!s) return YB_ESTORE;
  int rc, stop = 0;
  while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    store_admin_user u;
    row_user(s, &u);
    stop = fn(&u, arg);
  }
  store_sqlite_reset(s);
  if (!stop && rc != SQLITE_DONE) return store_sqlite_err(c, e, "admin_user");
  return stop;
}

int store_admin_access(store_conn *c, const char *username, const char *role, const char *method,
                       const char *path, int status, const char *ip, yb_err *e) {
  sqlite3_stmt *s = store_sqlite_stmt(c, &store_area_admin, Q_ACCESS, e);
  if (!s) return YB_ESTORE;
  store_sqlite_bt(s, 1, username);
  store_sqlite_bt(s, 2, role);
  store_sqlite_bt(s, 3, method);
  store_sqlite_bt(s, 4, path);
  store_sqlite_bi(s, 5, status);
  store_sqlite_bt(s, 6, ip);
  return store_sqlite_done(c, s, e, "admin_access");
}
