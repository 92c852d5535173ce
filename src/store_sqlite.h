/* store_sqlite.h — what the SQLite backend's area files share (not for domain modules, which
 * use store.h and the area headers store_<area>.h). An area (audit, DIP, enrollment, …) owns
 * its tables, its migrations and its statements in its own file store_sqlite_<area>.c; this
 * file gives it the connection, a per-connection statement cache and the bind/column helpers.
 * Each area's schema version is kept in table schema_area, beside the core's user_version. */
#ifndef YB_STORE_SQLITE_H
#define YB_STORE_SQLITE_H

#include <sqlite3.h>
#include <stdint.h>

#include "store.h"

/* One slot per area; store_areas[] in store_sqlite.c lists the areas built in. */
enum {
  STORE_AREA_ADMIN,
  STORE_AREA_ENROLL,
  STORE_AREA_AUDIT,
  STORE_AREA_DIP,
  STORE_AREA_GEN,
  STORE_AREA_CONSOLE,
  STORE_AREA_MAX
};

typedef struct store_area {
  int id;                          /* STORE_AREA_* */
  const char *name;                /* key in schema_area */
  const char *const *migrations;   /* migrations[i] brings the area from version i to i+1 */
  int n_migrations;
  const char *const *sql;          /* statements, prepared once per connection on first use */
  int n_sql;
} store_area;

/* The areas built into this binary, by id (NULL where absent); migrated in id order. */
extern const store_area *const store_areas[STORE_AREA_MAX];

/* SQLite's allocator for small blocks (store_sqlite_mem.c): before SQLite's first use. */
void store_sqlite_mem_install(void);

/* The connection's handle, for what prepared statements cannot say (bulk loads, pragmas). */
sqlite3 *store_sqlite_db(store_conn *c);
/* Statement `id` of area `a` on connection c (borrowed; reset after use with
 * store_sqlite_reset or store_sqlite_done). NULL with e filled on error. */
sqlite3_stmt *store_sqlite_stmt(store_conn *c, const store_area *a, int id, yb_err *e);
/* Step a statement that returns no rows and reset it; a constraint failure is YB_ECONFLICT. */
int store_sqlite_done(store_conn *c, sqlite3_stmt *s, yb_err *e, const char *what);
void store_sqlite_reset(sqlite3_stmt *s);
/* YB_ESTORE with SQLite's message. */
int store_sqlite_err(store_conn *c, yb_err *e, const char *what);
/* Run SQL text with no parameters (several statements allowed). */
int store_sqlite_exec(store_conn *c, const char *sql, yb_err *e);

/* Bind text (NULL binds NULL) and int64; read a column as text into a buffer, as a borrowed
 * string ("" for NULL), as int64, or as a malloc'd copy. */
void store_sqlite_bt(sqlite3_stmt *s, int i, const char *v);
void store_sqlite_bi(sqlite3_stmt *s, int i, int64_t v);
void store_sqlite_ct(sqlite3_stmt *s, int col, char *out, size_t cap);
const char *store_sqlite_cs(sqlite3_stmt *s, int col);
int64_t store_sqlite_ci(sqlite3_stmt *s, int col);
char *store_sqlite_cdup(sqlite3_stmt *s, int col);

/* Packed texts (store_sqlite_pack.c): large JSON texts stored as LZ4 blocks against a fixed
 * dictionary, as BLOBs; TEXT values read as they are. Bind a text packed (NULL binds NULL as
 * text does); read a column's text borrowed, valid until the thread's next read of the same
 * slot (0–7; "" for NULL or a damaged value), or as a malloc'd copy (NULL on a damaged value
 * or no memory). store_pack_dict gives dictionary 1's bytes (for its test). */
void store_sqlite_bind_packed(sqlite3_stmt *s, int i, const char *text);
const char *store_sqlite_col_packed(sqlite3_stmt *s, int col, int slot);
char *store_sqlite_dup_packed(sqlite3_stmt *s, int col);
size_t store_pack_dict(const char **bytes);
/* SQL function unpack(x) on db: a packed value's text, any other value as it is (every store
 * connection has it; `yibao sql` and tests add it to their own handles). 0, or -1. */
int store_sqlite_unpack_register(sqlite3 *db);

/* The console's summaries kept in C (store_sqlite_console.c) instead of triggers: the core's
 * writes of settlements and of fee.setl_id add their deltas to the connection's pending sums,
 * which every commit flushes (the writer's batch before its COMMIT; a write outside a batch at
 * once). A job's SAVEPOINT rollback drops its own deltas, a failed batch all of them. */
typedef struct store_console_sums store_console_sums;
store_console_sums **store_sqlite_console_sums(store_conn *c);
/* A settlement row was inserted: console_month and (its visit known) console_dise. */
int store_console_on_setl(store_conn *c, const store_setl *s, yb_err *e);
/* Step a SELECT of med_list_codg, cnt>0, sumamt and substr(fee_ocur_time,1,4) of the lines an
 * UPDATE of fee.setl_id is about to change: they go to console_item, sign +1 (settled by
 * setl_id) or -1 (setl_id's lines unsettled), in the year of settlement setl_id, or the line's
 * own year while that settlement is not written. *n gets the lines. */
int store_console_on_fees(store_conn *c, sqlite3_stmt *s, const char *setl_id, int sign, int64_t *n,
                          yb_err *e);
/* The same from lines already read (store_fee rows: med_list_codg, cnt, sumamt, fee_ocur_time). */
int store_console_on_lines(store_conn *c, const store_fee *f, int n, const char *setl_id, int sign, yb_err *e);
/* A fee line inserted already settled (setl_id not NULL), as console_fee_insert did. */
int store_console_on_fee_insert(store_conn *c, const char *setl_id, const char *med_list_codg,
                                const char *fee_ocur_time, int64_t cnt, int64_t sumamt, yb_err *e);
int store_console_flush(store_conn *c, yb_err *e); /* upsert each touched key once, then empty */
void store_console_mark(store_conn *c);            /* a job's SAVEPOINT … */
void store_console_undo(store_conn *c);            /* … and its ROLLBACK TO: its deltas go */
void store_console_reset(store_conn *c);           /* drop every pending delta (a failed batch) */
/* While held (the generator's bulk chunks, which add their own sums: gen_console.c) the hooks
 * add nothing. A batch's start ends a hold. */
void store_console_hold(store_conn *c, int on);
void store_console_free(store_conn *c);

#endif
