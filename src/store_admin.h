/* store_admin.h — storage of the console's users (password hashes, lock-out state) and the
 * access log of every admin API call. Backend: store_sqlite_admin.c (area ADMIN). */
#ifndef YB_STORE_ADMIN_H
#define YB_STORE_ADMIN_H

#include <stdint.h>

#include "store.h"

typedef struct store_admin_user {
  char username[40], display_name[64], role[16], fixmedins_code[32];
  char pw_hash[160];      /* Argon2id encoded string */
  int failed;             /* consecutive failed log-ins */
  char locked_until[20];  /* yyyy-MM-dd HH:mm:ss (UTC), or "" */
  int disabled;
} store_admin_user;

int store_admin_user_get(store_conn *c, const char *username, store_admin_user *out, yb_err *e);
/* Insert a new user; YB_ECONFLICT if the name is taken. */
int store_admin_user_add(store_conn *c, const store_admin_user *u, yb_err *e);
/* Replace the password hash (and clear the lock-out). */
int store_admin_user_password(store_conn *c, const char *username, const char *pw_hash, yb_err *e);
/* Record a log-in outcome: ok resets the failure count and the lock; a failure counts one, and
 * once `max_failed` are reached locks the account until `lock_until` (and resets the count). */
int store_admin_login_result(store_conn *c, const char *username, int ok, int max_failed,
                             const char *lock_until, yb_err *e);
int store_admin_user_each(store_conn *c, int (*fn)(const store_admin_user *, void *), void *arg,
                          yb_err *e);
/* One line of the access log (every admin call, reads included). */
int store_admin_access(store_conn *c, const char *username, const char *role, const char *method,
                       const char *path, int status, const char *ip, yb_err *e);

#endif
