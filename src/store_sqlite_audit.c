/* store_sqlite_audit.c — area AUDIT of the SQLite store: its tables (runs, findings, cases, case
 * events, recoveries), the loaders that read a period or one person into the engine's compact
 * records in a few sequential scans, and the year-end deductions (store_audit.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit_extract.h"
#include "audit_int.h"
#include "store_audit.h"
#include "store_sqlite.h"

static const char *const audit_migrations[] = {
    /* 1 (IF NOT EXISTS: a database whose schema_area was lost re-runs it harmlessly) */
    "CREATE TABLE IF NOT EXISTS audit_run(run_id INTEGER PRIMARY KEY, stage TEXT NOT NULL, from_date TEXT NOT NULL,"
    " to_date TEXT NOT NULL, rules TEXT NOT NULL DEFAULT '', started_at TEXT NOT NULL,"
    " lines INTEGER NOT NULL DEFAULT 0, findings INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS audit_finding(finding_id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, rule_id TEXT NOT NULL,"
    " kind TEXT NOT NULL, sev_deg INTEGER NOT NULL, level INTEGER NOT NULL, stage TEXT NOT NULL,"
    " fixmedins_code TEXT NOT NULL, psn_no TEXT NOT NULL DEFAULT '', mdtrt_id TEXT NOT NULL DEFAULT '',"
    " setl_id TEXT NOT NULL DEFAULT '', feedetl_sn TEXT NOT NULL DEFAULT '', occur_date TEXT NOT NULL DEFAULT '',"
    " vola_amt INTEGER NOT NULL, evid TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'flagged',"
    " case_id INTEGER NOT NULL DEFAULT 0);"
    "CREATE UNIQUE INDEX IF NOT EXISTS audit_finding_key ON audit_finding(rule_id, fixmedins_code, mdtrt_id, feedetl_sn, occur_date);"
    "CREATE INDEX IF NOT EXISTS audit_finding_inst ON audit_finding(fixmedins_code, state);"
    "CREATE INDEX IF NOT EXISTS audit_finding_case ON audit_finding(case_id) WHERE case_id <> 0;"
    "CREATE TABLE IF NOT EXISTS audit_case(case_id INTEGER PRIMARY KEY, fixmedins_code TEXT NOT NULL, year INTEGER NOT NULL,"
    " state TEXT NOT NULL, title TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', opened_by TEXT NOT NULL,"
    " opened_at TEXT NOT NULL, updated_at TEXT NOT NULL, n_findings INTEGER NOT NULL, amt_flagged INTEGER NOT NULL,"
    " amt_confirmed INTEGER NOT NULL DEFAULT 0, amt_recovered INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS audit_case_inst ON audit_case(fixmedins_code, year);"
    "CREATE TABLE IF NOT EXISTS audit_case_event(event_id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL REFERENCES audit_case,"
    " at TEXT NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL, note TEXT NOT NULL DEFAULT '',"
    " amount INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS audit_event_case ON audit_case_event(case_id);"
    "CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_case_event BEGIN SELECT RAISE(ABORT, 'audit_case_event is append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_case_event BEGIN SELECT RAISE(ABORT, 'audit_case_event is append-only'); END;"
    "CREATE TABLE IF NOT EXISTS audit_recovery(recovery_id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL REFERENCES audit_case,"
    " fixmedins_code TEXT NOT NULL, year INTEGER NOT NULL, amount INTEGER NOT NULL CHECK(amount > 0),"
    " at TEXT NOT NULL, who TEXT NOT NULL, note TEXT NOT NULL DEFAULT '');",
    /* 2: the audit extract (derived from settlement, visit and fee; rebuilt from them when lost):
     * the index of the segments of packed settled lines (their bytes are in the file beside the
     * database, FILE.audit), the settlements cancelled since they were packed, the dictionaries
     * of the codes the segments name by id, and how far the settlement table has been packed (its
     * rowid, and that row's setl_id as a check). */
    "CREATE TABLE audit_extract(seg_id INTEGER PRIMARY KEY, beg_min INTEGER NOT NULL, beg_max INTEGER NOT NULL,"
    " n_setl INTEGER NOT NULL, n_line INTEGER NOT NULL, n_text INTEGER NOT NULL, off INTEGER NOT NULL,"
    " len INTEGER NOT NULL);"
    "CREATE TABLE audit_extract_void(setl_id TEXT PRIMARY KEY, psn_no TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE audit_extract_dict(kind INTEGER NOT NULL, id INTEGER NOT NULL, text TEXT NOT NULL,"
    " PRIMARY KEY(kind, id)) WITHOUT ROWID;"
    "CREATE TABLE audit_extract_mark(id INTEGER PRIMARY KEY CHECK(id = 1), setl_rowid INTEGER NOT NULL,"
    " setl_id TEXT NOT NULL);"
    "INSERT INTO audit_extract_mark VALUES(1, 0, '');",
    /* 3: segments up to sorted_seg hold their settlements in (person, begin) order (compacted) */
    "ALTER TABLE audit_extract_mark ADD COLUMN sorted_seg INTEGER NOT NULL DEFAULT 0;",
};

#define FCOLS "finding_id,run_id,case_id,rule_id,kind,fixmedins_code,psn_no,mdtrt_id,setl_id,feedetl_sn,occur_date," \
              "state,evid,stage,sev_deg,level,vola_amt"
#define CCOLS "case_id,fixmedins_code,state,title,reason,opened_by,opened_at,updated_at,year,n_findings,amt_flagged," \
              "amt_confirmed,amt_recovered"

enum { Q_RUN_NEW, Q_RUN_DONE, Q_F_PUT, Q_F_GET, Q_C_GET, Q_EV_PUT, Q_LP_INST, Q_LP_VISIT,
       Q_LINES_UNSET, Q_LINES_ALL, Q_NET_UNSET, Q_NET_ALL, Q_GROUP, Q_N };
/* A visit's fee lines as the rules see them, as settlement nets them: each line with its returns
 * (negative cnt naming it in init_feedetl_sn) added in, the returns themselves and lines returned
 * in full left out. Only stays have returns (2301); an outpatient visit's lines are read as they
 * are, without the join (~60 K instructions a live audit). `w` selects the lines of fee f; returns
 * settle with their line, so the same condition selects both. */
#define LINE_SEL(cnt, sumamt)                                                                                     \
  "SELECT f.mdtrt_id,f.feedetl_sn,f.seq,f.med_list_codg,f.medins_list_codg,f.fee_ocur_time," cnt ",f.pric," sumamt \
  ",f.hosp_appr_flag,coalesce(f.setl_id,''),f.body FROM fee f"
#define LINES(w) LINE_SEL("f.cnt", "f.sumamt") " WHERE " w
#define NET_LINES(w)                                                                                            \
  LINE_SEL("f.cnt+coalesce(r.c,0)", "f.sumamt+coalesce(r.s,0)")                                                 \
  " LEFT JOIN (SELECT f.init_feedetl_sn sn, sum(f.cnt) c, sum(f.sumamt) s FROM fee f WHERE " w " AND f.cnt<0" \
  " GROUP BY 1) r ON r.sn=f.feedetl_sn WHERE " w " AND f.cnt>0 AND f.cnt+coalesce(r.c,0)<>0"
#define W_UNSET "f.mdtrt_id=?1 AND f.state=1 AND f.setl_id IS NULL"
#define W_ALL "f.mdtrt_id=?1 AND f.state=1"
/* a visit's lines are adjacent in fee's key: read them by it, not through the setl_id index */
#define W_SETL "f.mdtrt_id=?1 AND +f.setl_id=?2 AND f.state=1"
static const char *const audit_sql[Q_N] = {
    [Q_RUN_NEW] = "INSERT INTO audit_run(stage,from_date,to_date,rules,started_at) VALUES(?1,?2,?3,?4,?5)",
    [Q_RUN_DONE] = "UPDATE audit_run SET lines=?2, findings=?3 WHERE run_id=?1",
    [Q_F_PUT] = "INSERT INTO audit_finding(run_id,rule_id,kind,sev_deg,level,stage,fixmedins_code,psn_no,mdtrt_id,"
                "setl_id,feedetl_sn,occur_date,vola_amt,evid) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)"
                " ON CONFLICT DO NOTHING",
    [Q_F_GET] = "SELECT " FCOLS " FROM audit_finding WHERE finding_id=?1",
    [Q_C_GET] = "SELECT " CCOLS " FROM audit_case WHERE case_id=?1",
    [Q_EV_PUT] = "INSERT INTO audit_case_event(case_id,at,who,action,note,amount) VALUES(?1,?2,?3,?4,?5,?6)",
    /* the live (pre/during) loads run per settlement: prepared once per connection */
    [Q_LP_INST] = "SELECT i.fixmedins_code,i.hosp_lv,g.lat_e6,g.lon_e6 FROM institution i"
                  " LEFT JOIN institution_geo g USING(fixmedins_code) WHERE i.fixmedins_code=?1",
    [Q_LP_VISIT] = "SELECT mdtrt_id,psn_no,fixmedins_code,kind,begntime,endtime,diag FROM visit"
                   " WHERE psn_no=?1 AND state<>0 AND ((begntime BETWEEN ?2 AND ?3) OR mdtrt_id=?4)",
    [Q_LINES_UNSET] = LINES(W_UNSET),
    [Q_LINES_ALL] = LINES(W_ALL),
    [Q_NET_UNSET] = NET_LINES(W_UNSET),
    [Q_NET_ALL] = NET_LINES(W_ALL),
    [Q_GROUP] = "SELECT text FROM audit_extract_dict WHERE kind=3 AND id=?1",
};

const store_area store_area_audit = {STORE_AREA_AUDIT, "audit", audit_migrations, 3, audit_sql, Q_N};

/* ---- helpers ------------------------------------------------------------------------------------ */
#define bt store_sqlite_bt
#define bi store_sqlite_bi
#define ct store_sqlite_ct
#define cs store_sqlite_cs
#define ci store_sqlite_ci

static sqlite3_stmt *prep(store_conn *c, const char *sql, yb_err *e) {
  sqlite3_stmt *s = NULL;
  if (sqlite3_prepare_v2(store_sqlite_db(c), sql, -1, &s, NULL) != SQLITE_OK) {
    store_sqlite_err(c, e, "audit");
    sqlite3_finalize(s);
    return NULL;
  }
  return s;
}

/* Step s to the end calling row(s) per row; finalizes s (a cached statement is reset instead). */
static int step_rows(store_conn *c, sqlite3_stmt *s, bool cached, int (*row)(sqlite3_stmt *, void *, yb_err *),
                     void *arg, yb_err *e) {
  int rc = 0, st = SQLITE_DONE;
  while (!rc && (st = sqlite3_step(s)) == SQLITE_ROW) rc = row(s, arg, e);
  if (!rc && st != SQLITE_DONE) rc = store_sqlite_err(c, e, "audit");
  if (cached) store_sqlite_reset(s);
  else sqlite3_finalize(s);
  return rc;
}
static int each_row(store_conn *c, sqlite3_stmt *s, int (*row)(sqlite3_stmt *, void *, yb_err *), void *arg,
                    yb_err *e) {
  return step_rows(c, s, false, row, arg, e);
}
static int each_cached(store_conn *c, sqlite3_stmt *s, int (*row)(sqlite3_stmt *, void *, yb_err *), void *arg,
                       yb_err *e) {
  return step_rows(c, s, true, row, arg, e);
}
#define CACHED(id) store_sqlite_stmt(c, &store_area_audit, (id), e)

/* Date text "yyyy-MM-dd" shifted by `days` (negative back). */
static void shift_date(const char *d, int days, char *out, size_t cap) {
  int y = 0, m = 0, dd = 0;
  sscanf(d, "%4d-%2d-%2d", &y, &m, &dd);
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  while (days < 0) {
    if (--dd < 1) {
      if (--m < 1) m = 12, y--;
      dd = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100) || y % 400 == 0));
    }
    days++;
  }
  snprintf(out, cap, "%04d-%02d-%02d", y, m, dd);
}

/* A string or integer field of our own stored JSON row (jansson's output), without parsing it all. */
static const char *json_field(const char *body, const char *key, char *out, size_t cap) {
  char pat[40];
  int n = snprintf(pat, sizeof pat, "\"%s\"", key);
  out[0] = 0;
  for (const char *p = body; p && (p = strstr(p, pat)); p += n) {
    const char *q = p + n;
    while (*q == ' ') q++;
    if (*q != ':') continue;
    q++;
    while (*q == ' ') q++;
    size_t i = 0;
    if (*q == '"') {
      for (q++; *q && *q != '"' && i + 1 < cap; q++) out[i++] = *q;
    } else {
      for (; *q && *q != ',' && *q != '}' && *q != ' ' && i + 1 < cap; q++) out[i++] = *q;
      if (i == 4 && !memcmp(out, "null", 4)) i = 0;
    }
    out[i] = 0;
    return out;
  }
  return out;
}

/* ---- loading ---------------------------------------------------------------------------------- */
static int row_inst(sqlite3_stmt *s, void *d, yb_err *e) {
  return audit_data_inst(d, cs(s, 0), (int)ci(s, 1), sqlite3_column_type(s, 2) != SQLITE_NULL, ci(s, 2), ci(s, 3), e);
}
static int row_doctor(sqlite3_stmt *s, void *d, yb_err *e) {
  return audit_data_doctor(d, cs(s, 0), cs(s, 1), cs(s, 2), cs(s, 3), e);
}
typedef struct vis_arg {
  audit_data *d;
  const char *from, *only;
  bool with_only; /* false: the visit `only` is left out (the caller adds its own version) */
  bool add_inst;  /* live: a history visit's institution is added bare (no live rule reads its level) */
} vis_arg;
static int row_visit(sqlite3_stmt *s, void *arg, yb_err *e) {
  vis_arg *a = arg;
  const char *diag = cs(s, 6), *comma = strchr(diag, ',');
  char main[24];
  snprintf(main, sizeof main, "%.*s", comma ? (int)(comma - diag) : (int)strlen(diag), diag);
  bool scope = a->only ? !strcmp(a->only, cs(s, 0)) : strcmp(cs(s, 4), a->from) >= 0;
  if (a->only && scope && !a->with_only) return 0;
  if (a->add_inst && !audit_data_has_inst(a->d, cs(s, 2))) {
    int rc = audit_data_inst(a->d, cs(s, 2), 0, false, 0, 0, e);
    if (rc) return rc;
  }
  return audit_data_visit(a->d, cs(s, 0), cs(s, 1), cs(s, 2), cs(s, 3), cs(s, 4), cs(s, 5), main, scope, e);
}
/* A row of LINE_SEL as the engine's line (dr and days: room for the two texts it points at). */
typedef struct line_row {
  audit_line_in in;
  char days[16], dr[40];
} line_row;
static const audit_line_in *read_line(sqlite3_stmt *s, line_row *r) {
  const char *body = store_sqlite_col_packed(s, 11, 5);
  json_field(body, "prd_days", r->days, sizeof r->days);
  json_field(body, "bilg_dr_codg", r->dr, sizeof r->dr);
  r->in = (audit_line_in){cs(s, 0), cs(s, 1), cs(s, 3), cs(s, 4), cs(s, 5), r->dr, cs(s, 10), ci(s, 2), ci(s, 6),
                          ci(s, 7), ci(s, 8), atoi(r->days), (int)ci(s, 9)};
  return &r->in;
}
static int row_line(sqlite3_stmt *s, void *d, yb_err *e) {
  line_row r;
  yb_err tmp;
  int rc = audit_data_line(d, read_line(s, &r), &tmp);
  if (rc == YB_ENOT_FOUND) return 0; /* a line of a visit outside the period */
  if (rc && e) *e = tmp;
  return rc;
}

/* A period bound as the engine's time, years beyond its range (1932-2068) clamped to its ends. */
static int period_time(const char *d, int32_t *t) {
  int y = atoi(d);
  if (y > 0 && y < 1933) return *t = INT32_MIN + 1, 0;
  if (y > 2067) return *t = INT32_MAX - 1, 0;
  return ad_time(d, t) || *t == AD_NONE ? -1 : 0;
}
/* What the load's row callbacks share: the loader, the connection, the mapped segment file. */
typedef struct load_arg {
  ax_load *l;
  store_conn *c;
  struct seg_map *m;
} load_arg;
#define LA ((load_arg *)a)
static int row_xperson(sqlite3_stmt *s, void *a, yb_err *e) {
  return ax_load_person(LA->l, ci(s, 0), cs(s, 1), cs(s, 2), cs(s, 3), cs(s, 4), e);
}
static int row_xinst(sqlite3_stmt *s, void *a, yb_err *e) {
  return ax_load_inst(LA->l, ci(s, 0), cs(s, 1), (int)ci(s, 2), sqlite3_column_type(s, 3) != SQLITE_NULL, ci(s, 3),
                      ci(s, 4), e);
}
static int row_xdoctor(sqlite3_stmt *s, void *a, yb_err *e) { return row_doctor(s, ax_load_data(LA->l), e); }
static int row_xcheckin(sqlite3_stmt *s, void *a, yb_err *e) {
  yb_err tmp;
  int rc = ax_load_checkin(LA->l, ci(s, 0), cs(s, 1), cs(s, 2), &tmp);
  if (rc == YB_ENOT_FOUND) return 0; /* a check-in at an unknown place: nothing to match */
  if (rc && e) *e = tmp;
  return rc;
}
static int row_xdict(sqlite3_stmt *s, void *a, yb_err *e) { return ax_load_dict(LA->l, (int)ci(s, 0), ci(s, 1), cs(s, 2), e); }
static int row_xvoid(sqlite3_stmt *s, void *a, yb_err *e) { return ax_load_void(LA->l, cs(s, 0), e); }
static int row_xsize(sqlite3_stmt *s, void *a, yb_err *e) { return ax_load_reserve(LA->l, ci(s, 0), e); }
/* An own-code group's code, for evidence: the text after the institution in its dictionary entry. */
static int group_code(void *ctx, int32_t group, char *out, size_t cap) {
  store_conn *c = ctx;
  sqlite3_stmt *s = store_sqlite_stmt(c, &store_area_audit, Q_GROUP, NULL);
  if (!s) return -1;
  bi(s, 1, (int64_t)group + 1);
  int rc = -1;
  if (sqlite3_step(s) == SQLITE_ROW) {
    const char *t = cs(s, 0), *own = strchr(t, '\x1f');
    snprintf(out, cap, "%s", own ? own + 1 : t);
    rc = 0;
  }
  store_sqlite_reset(s);
  return rc;
}
static int row_xgroups(sqlite3_stmt *s, void *a, yb_err *e) { return ax_load_groups(LA->l, ci(s, 0), group_code, LA->c, e); }

/* ---- the extract's segment file: FILE.audit beside the database ------------------------------------ */
static int seg_path(store_conn *c, char *out, size_t cap, yb_err *e) {
  const char *db = sqlite3_db_filename(store_sqlite_db(c), "main");
  if (!db || !*db) return yb_fail(e, YB_ESTORE, "audit_extract", "the audit extract needs a database file");
  if ((size_t)snprintf(out, cap, "%s.audit", db) >= cap) return yb_fail(e, YB_ESTORE, "audit_extract", "path too long");
  return 0;
}

/* The file's lock: a sync holds it exclusively (syncs append one at a time, and a rebuild rewrites
 * the file), a load shared (what it mapped stays as its index says). */
static int seg_lock(int fd, int how, const char *path, yb_err *e) {
  while (flock(fd, how))
    if (errno != EINTR) return yb_fail(e, YB_ESTORE, "audit_extract", "locking %s: %s", path, strerror(errno));
  return 0;
}

typedef struct seg_map {
  const char *base; /* the file from lo on (what lies before is replaced, punched out) */
  size_t size, lo;  /* size: the file's */
  int fd;
} seg_map;

static void seg_map_close(seg_map *m) {
  if (m->base) munmap((void *)m->base, m->size - m->lo);
  if (m->fd >= 0) close(m->fd); /* and its lock */
  m->base = NULL, m->fd = -1;
}

/* The whole segment file mapped for reading (absent or empty: nothing mapped). */
static int seg_map_open(store_conn *c, seg_map *m, yb_err *e) {
  char path[4200];
  int rc = seg_path(c, path, sizeof path, e);
  if (rc) return rc;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? 0 : yb_fail(e, YB_ESTORE, "audit_extract", "%s: %s", path, strerror(errno));
  m->fd = fd;
  if ((rc = seg_lock(fd, LOCK_SH, path, e))) return rc;
  sqlite3_stmt *s = prep(c, "SELECT coalesce(min(off), 0) FROM audit_extract", e);
  if (!s) return YB_ESTORE;
  m->lo = sqlite3_step(s) == SQLITE_ROW ? (size_t)ci(s, 0) / 4096 * 4096 : 0;
  sqlite3_finalize(s);
  struct stat st;
  if (fstat(fd, &st) == 0 && (size_t)st.st_size > m->lo) {
    void *p = mmap(NULL, (size_t)st.st_size - m->lo, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, (off_t)m->lo);
    if (p == MAP_FAILED) return yb_fail(e, YB_ESTORE, "audit_extract", "%s: %s", path, strerror(errno));
    m->base = p;
    m->size = (size_t)st.st_size;
  }
  return 0;
}

static int row_seg(sqlite3_stmt *s, void *a, yb_err *e) {
  seg_map *m = LA->m;
  int64_t off = ci(s, 0), len = ci(s, 1);
  if (off < (int64_t)m->lo || len <= 0 || (uint64_t)off + (uint64_t)len > m->size)
    return yb_fail(e, YB_ESTORE, "audit_extract", "segment at %lld (%lld bytes) is outside the segment file",
                   (long long)off, (long long)len);
  return ax_load_segment(LA->l, m->base + (off - (int64_t)m->lo), (size_t)len, e);
}

int store_audit_load(store_conn *c, const char *from, const char *to, int lookback_days, audit_data *d, yb_err *e) {
  char since[12], until[24];
  shift_date(from, -lookback_days, since, sizeof since);
  snprintf(until, sizeof until, "%.10s 23:59:59", to);
  sqlite3_stmt *s;
  int rc;
  int32_t t_since, t_from, t_until;
  char from_t[24];
  snprintf(from_t, sizeof from_t, "%.10s", from);
  if (period_time(since, &t_since) || period_time(from_t, &t_from) || period_time(until, &t_until))
    return yb_fail(e, YB_EINVAL, "from", "'%s' or '%s' is not a date yyyy-MM-dd", from, to);
  seg_map m = {.fd = -1};
  if ((rc = seg_map_open(c, &m, e))) return seg_map_close(&m), rc;
  ax_load *l = ax_load_new(d, t_since, t_from, t_until);
  if (!l) return seg_map_close(&m), yb_fail(e, YB_ENOMEM, "audit", "out of memory");
  load_arg la = {l, c, &m};
  static const struct {
    const char *sql;
    int (*row)(sqlite3_stmt *, void *, yb_err *);
  } steps[] = {
      {"SELECT rowid,psn_no,gend,brdy,death_date FROM person", row_xperson},
      {"SELECT i.rowid,i.fixmedins_code,i.hosp_lv,g.lat_e6,g.lon_e6 FROM institution i"
       " LEFT JOIN institution_geo g USING(fixmedins_code)", row_xinst},
      {"SELECT dr_code,fixmedins_code,begndate,enddate FROM doctor", row_xdoctor},
      /* the own-code groups (millions in a city) are counted, their codes looked up for evidence */
      {"SELECT kind,id,text FROM audit_extract_dict WHERE kind IN (1, 2) ORDER BY kind,id", row_xdict},
      {"SELECT coalesce(max(id), 0) FROM audit_extract_dict WHERE kind = 3", row_xgroups},
      {"SELECT setl_id FROM audit_extract_void", row_xvoid},
      {"SELECT p.rowid,c.fixmedins_code,c.checkin_time FROM dialysis_checkin c JOIN person p USING(psn_no)"
       " WHERE c.checkin_time BETWEEN ?1 AND ?2", row_xcheckin},
      {"SELECT sum(n_setl) FROM audit_extract WHERE beg_max >= ?3 AND beg_min <= ?4",
       row_xsize},
      /* segments another sync appends after the file was mapped are newer than this load: left out */
      {"SELECT off, len FROM audit_extract WHERE beg_max >= ?3 AND beg_min <= ?4 AND off + len <= ?5 ORDER BY seg_id",
       row_seg},
  };
  rc = 0;
  for (size_t k = 0; !rc && k < sizeof steps / sizeof steps[0]; k++) {
    if (!(s = prep(c, steps[k].sql, e))) {
      rc = YB_ESTORE;
      break;
    }
    int np = sqlite3_bind_parameter_count(s);
    if (np >= 2) bt(s, 1, since), bt(s, 2, until);
    if (np >= 4) sqlite3_bind_int64(s, 3, t_since), sqlite3_bind_int64(s, 4, t_until);
    if (np >= 5) sqlite3_bind_int64(s, 5, (int64_t)m.size);
    rc = each_row(c, s, steps[k].row, &la, e);
  }
  ax_load_free(l);
  if (rc || !m.base) return seg_map_close(&m), rc;
  audit_data_hold(d, (void *)m.base, m.size - m.lo, m.fd); /* the lines are read where the segments lie */
  return 0;
}

/* ---- the audit extract: packing settled lines ---------------------------------------------------- */
enum { AX_SEG_LINES = 8192, AX_CHUNK_SETL = 5000 }; /* a chunk holds the write lock ~0.1 s */

typedef struct sync_arg {
  ax_writer *ax;
  const catalog *cat;
  int64_t setls, lines;
  bool more, dict_read;
  int fd;      /* the segment file */
  int64_t end; /* its committed end: segments are appended there */
} sync_arg;

typedef struct dict_arg {
  store_conn *w;
  sqlite3_stmt *s;
  yb_err *e;
} dict_arg;
static int put_dict(int kind, int64_t id, const char *text, void *arg) {
  dict_arg *a = arg;
  bi(a->s, 1, kind), bi(a->s, 2, id), bt(a->s, 3, text);
  return store_sqlite_done(a->w, a->s, a->e, "audit_extract_dict");
}

/* A segment written to the file, before its index row names it. */
typedef struct seg_meta {
  int32_t lo, hi;
  int64_t ns, nl, nt, off, len;
} seg_meta;

/* The writer's records as a segment at the file's end (a->end moves past it). */
static int write_seg(sync_arg *a, ax_writer *ax, seg_meta *m, yb_err *e) {
  const void *blob;
  size_t len;
  *m = (seg_meta){.ns = (int64_t)ax_setls(ax), .nl = (int64_t)ax_lines(ax), .nt = (int64_t)ax_text_bytes(ax), .off = a->end};
  int rc = ax_finish(ax, &blob, &len, &m->lo, &m->hi, e);
  if (rc) return rc;
  m->len = (int64_t)len;
  size_t padded = (len + 7) & ~(size_t)7; /* segments start 8-byte aligned */
  for (size_t done = 0; done < padded;) {
    static const char zero[8];
    const char *p = done < len ? (const char *)blob + done : zero;
    size_t n = done < len ? len - done : padded - done;
    ssize_t k = pwrite(a->fd, p, n, (off_t)(a->end + (int64_t)done));
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return yb_fail(e, YB_ESTORE, "audit_extract", "writing the segment file: %s", strerror(errno));
    done += (size_t)k;
  }
  a->end += (int64_t)padded;
  return 0;
}

static int index_seg(store_conn *w, const seg_meta *m, yb_err *e) {
  sqlite3_stmt *s = prep(w, "INSERT INTO audit_extract(beg_min,beg_max,n_setl,n_line,n_text,off,len)"
                            " VALUES(?1,?2,?3,?4,?5,?6,?7)", e);
  if (!s) return YB_ESTORE;
  bi(s, 1, m->lo), bi(s, 2, m->hi), bi(s, 3, m->ns), bi(s, 4, m->nl), bi(s, 5, m->nt), bi(s, 6, m->off), bi(s, 7, m->len);
  return each_row(w, s, NULL, NULL, e);
}

/* The writer's settlements so far as a segment, its new dictionary entries and its index row. */
static int flush_seg(store_conn *w, sync_arg *a, yb_err *e) {
  ax_writer *ax = a->ax;
  if (!ax_setls(ax)) return 0;
  sqlite3_stmt *d = prep(w, "INSERT INTO audit_extract_dict(kind,id,text) VALUES(?1,?2,?3)", e);
  if (!d) return YB_ESTORE;
  dict_arg da = {w, d, e};
  int rc = ax_new_dict(ax, put_dict, &da);
  sqlite3_finalize(d);
  seg_meta m;
  return rc ? rc : (rc = write_seg(a, ax, &m, e)) ? rc : index_seg(w, &m, e);
}

typedef struct xline_arg {
  ax_writer *ax;
  const char *inst;
} xline_arg;
static int row_xline(sqlite3_stmt *s, void *arg, yb_err *e) {
  xline_arg *a = arg;
  line_row r;
  return ax_add_line(a->ax, read_line(s, &r), a->inst, e);
}
static int row_wdict(sqlite3_stmt *s, void *ax, yb_err *e) { return ax_writer_dict(ax, (int)ci(s, 0), ci(s, 1), cs(s, 2), e); }

/* Open the segment file (once per sync) and find where its committed segments end: bytes after
 * that are a rolled-back chunk's and are cut off; a file shorter than its index (lost, or copied
 * without it) makes the whole extract `lost`, to be rebuilt. */
static int seg_file(store_conn *w, sync_arg *a, bool *lost, yb_err *e) {
  char path[4200];
  int rc = seg_path(w, path, sizeof path, e);
  if (rc) return rc;
  if (a->fd < 0) {
    if ((a->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
      return yb_fail(e, YB_ESTORE, "audit_extract", "%s: %s", path, strerror(errno));
    if ((rc = seg_lock(a->fd, LOCK_EX, path, e))) return rc;
  }
  sqlite3_stmt *s = prep(w, "SELECT coalesce(max((off + len + 7) / 8 * 8), 0) FROM audit_extract", e);
  if (!s) return YB_ESTORE;
  a->end = sqlite3_step(s) == SQLITE_ROW ? ci(s, 0) : 0;
  sqlite3_finalize(s);
  struct stat st;
  if (fstat(a->fd, &st)) return yb_fail(e, YB_ESTORE, "audit_extract", "%s: %s", path, strerror(errno));
  if (st.st_size < a->end) *lost = true;
  else if (st.st_size > a->end && ftruncate(a->fd, (off_t)a->end))
    return yb_fail(e, YB_ESTORE, "audit_extract", "%s: %s", path, strerror(errno));
  return 0;
}

/* The bytes before the first live segment (what a compaction replaced) given back to the file
 * system; offsets stay as they are. Best effort. */
static void punch_dead(store_conn *c, int fd) {
  sqlite3_stmt *s = prep(c, "SELECT coalesce(min(off), 0) FROM audit_extract", NULL);
  int64_t lo = s && sqlite3_step(s) == SQLITE_ROW ? ci(s, 0) / 4096 * 4096 : 0;
  sqlite3_finalize(s);
  if (lo > 0 && fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, (off_t)lo)) { /* unsupported: kept */ }
}

/* One chunk of settlements after the mark, in one transaction. */
static int sync_chunk(store_conn *w, void *arg, yb_err *e) {
  sync_arg *a = arg;
  sqlite3_stmt *s = prep(w, "SELECT m.setl_rowid, m.setl_id, coalesce(s.setl_id,'') FROM audit_extract_mark m"
                            " LEFT JOIN settlement s ON s.rowid = m.setl_rowid", e);
  if (!s || sqlite3_step(s) != SQLITE_ROW) {
    sqlite3_finalize(s);
    return s ? yb_fail(e, YB_ESTORE, "audit_extract_mark", "the mark row is missing") : YB_ESTORE;
  }
  int64_t mark = ci(s, 0);
  bool lost = mark && strcmp(cs(s, 1), cs(s, 2)); /* the settlement table's row ids changed (a VACUUM'd copy) */
  sqlite3_finalize(s);
  int rc;
  if ((rc = seg_file(w, a, &lost, e))) return rc;
  if (!lost) { /* nothing new: done, without reading the dictionaries */
    if (!(s = prep(w, "SELECT 1 FROM settlement WHERE rowid > ?1 LIMIT 1", e))) return YB_ESTORE;
    bi(s, 1, mark);
    int st = sqlite3_step(s);
    sqlite3_finalize(s);
    if (st == SQLITE_DONE) return a->more = false, 0;
    if (st != SQLITE_ROW) return store_sqlite_err(w, e, "audit extract");
  }
  if (lost) {
    if ((rc = store_sqlite_exec(w, "DELETE FROM audit_extract; DELETE FROM audit_extract_void;"
                                   " DELETE FROM audit_extract_dict;", e)))
      return rc;
    ax_writer_free(a->ax);
    if (!(a->ax = ax_writer_new(a->cat))) return yb_fail(e, YB_ENOMEM, "audit", "out of memory");
    a->dict_read = false;
    mark = 0;
    if (ftruncate(a->fd, 0)) return yb_fail(e, YB_ESTORE, "audit_extract", "emptying the segment file: %s", strerror(errno));
    if ((rc = store_sqlite_exec(w, "UPDATE audit_extract_mark SET sorted_seg = 0", e))) return rc;
    a->end = 0;
  }
  if (!a->dict_read) { /* the dictionaries so far, once per sync */
    if (!(s = prep(w, "SELECT kind,id,text FROM audit_extract_dict ORDER BY kind,id", e))) return YB_ESTORE;
    if ((rc = each_row(w, s, row_wdict, a->ax, e))) return rc;
    a->dict_read = true;
  }
  sqlite3_stmt *q = prep(w, "SELECT s.rowid, s.setl_id, s.mdtrt_id, s.refd_setl_flag, s.orig_setl_id, s.state, v.psn_no,"
                            " v.fixmedins_code, v.kind, v.begntime, v.endtime, v.diag, p.rowid, i.rowid, v.rowid"
                            " FROM settlement s JOIN visit v ON v.mdtrt_id = s.mdtrt_id JOIN person p ON p.psn_no = v.psn_no"
                            " JOIN institution i ON i.fixmedins_code = v.fixmedins_code"
                            " WHERE s.rowid > ?1 ORDER BY s.rowid LIMIT ?2", e);
  sqlite3_stmt *fl = prep(w, LINES(W_SETL), e), *fn = prep(w, NET_LINES(W_SETL), e);
  sqlite3_stmt *vd = prep(w, "INSERT OR IGNORE INTO audit_extract_void(setl_id, psn_no) VALUES(?1, ?2)", e);
  if (!q || !fl || !fn || !vd) {
    sqlite3_finalize(q), sqlite3_finalize(fl), sqlite3_finalize(fn), sqlite3_finalize(vd);
    return YB_ESTORE;
  }
  bi(q, 1, mark), bi(q, 2, AX_CHUNK_SETL);
  int64_t n = 0, last = mark;
  char last_id[40] = "";
  int st;
  rc = 0;
  while (!rc && (st = sqlite3_step(q)) == SQLITE_ROW) {
    n++;
    last = ci(q, 0);
    ct(q, 1, last_id, sizeof last_id);
    if (ci(q, 3)) { /* a reversal: the settlement it cancels no longer counts */
      bt(vd, 1, cs(q, 4)), bt(vd, 2, cs(q, 6));
      rc = store_sqlite_done(w, vd, e, "audit_extract_void");
      continue;
    }
    if (ci(q, 5) != 1) continue; /* cancelled before it was packed */
    const char *diag = cs(q, 11), *comma = strchr(diag, ',');
    char main[24];
    snprintf(main, sizeof main, "%.*s", comma ? (int)(comma - diag) : (int)strlen(diag), diag);
    ax_setl_in in = {ci(q, 12), ci(q, 13), ci(q, 14), cs(q, 1), cs(q, 2), cs(q, 7), cs(q, 8), cs(q, 9), cs(q, 10), main};
    if ((rc = ax_add_setl(a->ax, &in, e))) break;
    size_t before = ax_lines(a->ax);
    sqlite3_stmt *ls = strcmp(cs(q, 8), "ipt") ? fl : fn; /* a stay's returns netted */
    bt(ls, 1, cs(q, 2)), bt(ls, 2, cs(q, 1));
    xline_arg xa = {a->ax, cs(q, 7)};
    rc = each_cached(w, ls, row_xline, &xa, e);
    a->setls++;
    a->lines += (int64_t)(ax_lines(a->ax) - before);
    if (!rc && ax_lines(a->ax) >= AX_SEG_LINES) rc = flush_seg(w, a, e);
  }
  if (!rc && st != SQLITE_ROW && st != SQLITE_DONE) rc = store_sqlite_err(w, e, "audit extract");
  sqlite3_finalize(q), sqlite3_finalize(fl), sqlite3_finalize(fn), sqlite3_finalize(vd);
  if (!rc) rc = flush_seg(w, a, e);
  if (!rc && fdatasync(a->fd)) /* the segments are on disk before the index naming them commits */
    rc = yb_fail(e, YB_ESTORE, "audit_extract", "syncing the segment file: %s", strerror(errno));
  if (!rc && (last != mark || lost)) {
    if (!(s = prep(w, "UPDATE audit_extract_mark SET setl_rowid = ?1, setl_id = ?2 WHERE id = 1", e))) return YB_ESTORE;
    bi(s, 1, last), bt(s, 2, last_id);
    rc = each_row(w, s, NULL, NULL, e);
  }
  a->more = !rc && n == AX_CHUNK_SETL;
  return rc;
}

/* ---- compaction: the extract rewritten in (person, begin) order ----------------------------------- */
enum { AX_COMPACT_MIN = 20000 }; /* settlements out of person order before a sync compacts (and an eighth of all) */

typedef struct compact_arg {
  sync_arg *a;
  ax_writer *ax;
  seg_meta *m; /* the new segments, indexed when they are all written */
  size_t n, cap;
  int64_t old_max; /* the segments they replace: seg_id <= old_max */
} compact_arg;

static int compact_flush(void *arg, yb_err *e) {
  compact_arg *c = arg;
  if (!ax_setls(c->ax)) return 0;
  if (ad_grow((void **)&c->m, &c->cap, c->n + 1, sizeof *c->m)) return yb_fail(e, YB_ENOMEM, "audit", "out of memory");
  int rc = write_seg(c->a, c->ax, &c->m[c->n], e);
  if (!rc) c->n++;
  return rc;
}

/* One transaction: the new segments' index rows replace the old ones. */
static int compact_swap(store_conn *w, void *arg, yb_err *e) {
  compact_arg *c = arg;
  sqlite3_stmt *s = prep(w, "DELETE FROM audit_extract WHERE seg_id <= ?1", e);
  if (!s) return YB_ESTORE;
  bi(s, 1, c->old_max);
  int rc = each_row(w, s, NULL, NULL, e);
  for (size_t i = 0; !rc && i < c->n; i++) rc = index_seg(w, &c->m[i], e);
  return rc ? rc : store_sqlite_exec(w, "UPDATE audit_extract_mark SET sorted_seg = (SELECT coalesce(max(seg_id), 0) FROM audit_extract)", e);
}

typedef struct seg_list {
  int64_t *off, *len;
  size_t n, cap, cap2;
} seg_list;
static int row_seglist(sqlite3_stmt *s, void *arg, yb_err *e) {
  seg_list *l = arg;
  if (ad_grow((void **)&l->off, &l->cap, l->n + 1, sizeof *l->off) || ad_grow((void **)&l->len, &l->cap2, l->n + 1, sizeof *l->len))
    return yb_fail(e, YB_ENOMEM, "audit", "out of memory");
  l->off[l->n] = ci(s, 0), l->len[l->n] = ci(s, 1), l->n++;
  return 0;
}

/* Rewrite the extract's segments in (person, begin) order when enough settlements are out of it
 * (or `force`): written under the file's exclusive lock at its end, synced, then swapped into the
 * index in one short transaction, so that a crash leaves the old segments in force and a running
 * server's writer waits for no more than the swap. The replaced bytes are punched out. */
static int extract_compact(store *st, sync_arg *a, bool force, int64_t *moved, yb_err *e) {
  store_conn *c = store_reader(st, e);
  if (!c) return YB_ESTORE;
  sqlite3_stmt *s = prep(c, "SELECT (SELECT coalesce(sum(n_setl), 0) FROM audit_extract WHERE seg_id > m.sorted_seg),"
                            " (SELECT coalesce(sum(n_setl), 0) FROM audit_extract), (SELECT coalesce(max(seg_id), 0) FROM audit_extract)"
                            " FROM audit_extract_mark m", e);
  if (!s) return YB_ESTORE;
  int64_t unsorted = 0, total = 0, old_max = 0;
  if (sqlite3_step(s) == SQLITE_ROW) unsorted = ci(s, 0), total = ci(s, 1), old_max = ci(s, 2);
  sqlite3_finalize(s);
  if (!unsorted || (!force && (unsorted < AX_COMPACT_MIN || unsorted * 8 < total))) return 0;
  bool lost = false;
  int rc = seg_file(c, a, &lost, e);
  if (rc || lost) return rc; /* lost: the next sync rebuilds it */
  seg_list l = {0};
  if (!(s = prep(c, "SELECT off, len FROM audit_extract WHERE seg_id <= ?1 ORDER BY seg_id", e))) return YB_ESTORE;
  bi(s, 1, old_max);
  if ((rc = each_row(c, s, row_seglist, &l, e))) return free(l.off), free(l.len), rc;
  int64_t lo = l.n ? l.off[0] : 0;
  for (size_t i = 0; i < l.n; i++) lo = l.off[i] < lo ? l.off[i] : lo;
  lo = lo / 4096 * 4096;
  void *base = a->end > lo ? mmap(NULL, (size_t)(a->end - lo), PROT_READ, MAP_SHARED | MAP_POPULATE, a->fd, (off_t)lo) : NULL;
  const void **blobs = calloc(l.n + 1, sizeof *blobs);
  size_t *lens = calloc(l.n + 1, sizeof *lens);
  compact_arg ca = {a, ax_writer_new(NULL), NULL, 0, 0, old_max};
  if (base == MAP_FAILED || !blobs || !lens || !ca.ax) rc = yb_fail(e, YB_ENOMEM, "audit_extract", "mapping the segment file: %s", strerror(errno));
  for (size_t i = 0; !rc && i < l.n; i++) {
    if (l.off[i] < lo || l.off[i] + l.len[i] > a->end) rc = yb_fail(e, YB_ESTORE, "audit_extract", "a segment lies outside the file");
    else blobs[i] = (const char *)base + (l.off[i] - lo), lens[i] = (size_t)l.len[i];
  }
  int64_t end0 = a->end;
  if (!rc) rc = ax_compact(ca.ax, blobs, lens, l.n, AX_SEG_LINES, compact_flush, &ca, moved, e);
  if (base && base != MAP_FAILED) munmap(base, (size_t)(end0 - lo));
  if (!rc && fdatasync(a->fd)) rc = yb_fail(e, YB_ESTORE, "audit_extract", "syncing the segment file: %s", strerror(errno));
  if (!rc) rc = store_write(st, compact_swap, &ca, e);
  if (!rc) punch_dead(c, a->fd);
  ax_writer_free(ca.ax);
  free(ca.m), free(blobs), free(lens), free(l.off), free(l.len);
  return rc;
}

int store_audit_extract_compact(store *st, int64_t *setls, yb_err *e) {
  sync_arg a = {NULL, NULL, 0, 0, false, false, -1, 0};
  int rc = extract_compact(st, &a, true, setls, e);
  if (a.fd >= 0) close(a.fd);
  return rc;
}

int store_audit_extract_sync(store *st, const catalog *cat, int64_t *setls, int64_t *lines, yb_err *e) {
  sync_arg a = {ax_writer_new(cat), cat, 0, 0, true, false, -1, 0};
  if (!a.ax) return yb_fail(e, YB_ENOMEM, "audit", "out of memory");
  int rc = 0;
  while (!rc && a.more) rc = store_write(st, sync_chunk, &a, e);
  ax_writer_free(a.ax);
  if (!rc) rc = extract_compact(st, &a, false, NULL, e);
  if (a.fd >= 0) close(a.fd);
  if (!rc && a.setls) { /* the new segments into the database file, where a reader maps them (best effort) */
    store_conn *c = store_reader(st, NULL);
    if (c) sqlite3_wal_checkpoint_v2(store_sqlite_db(c), NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
  }
  if (setls) *setls = a.setls;
  if (lines) *lines = a.lines;
  return rc;
}

int store_audit_load_person(store_conn *c, const char *psn_no, const char *inst, const char *since,
                            const char *until, const char *mdtrt_id, bool with_current, audit_data *d, yb_err *e) {
  sqlite3_stmt *s;
  int rc;
  store_person p; /* through the writer's cache when the live check runs in a batch */
  if (!(rc = store_person_get(c, psn_no, &p, e)))
    rc = audit_data_person(d, p.psn_no, p.gend, p.brdy, p.death_date, e);
  else if (rc == YB_ENOT_FOUND)
    rc = 0, yb_err_clear(e);
  if (rc) return rc;
  if (!(s = CACHED(Q_LP_INST))) return YB_ESTORE;
  bt(s, 1, inst);
  if ((rc = each_cached(c, s, row_inst, d, e))) return rc;
  if (!(s = CACHED(Q_LP_VISIT))) return YB_ESTORE;
  bt(s, 1, psn_no), bt(s, 2, since), bt(s, 3, until), bt(s, 4, mdtrt_id);
  vis_arg va = {d, "", mdtrt_id, with_current, true};
  return each_cached(c, s, row_visit, &va, e);
}

int store_audit_load_visit_lines(store_conn *c, const char *mdtrt_id, bool unsettled_only, audit_data *d, yb_err *e) {
  int net = audit_data_visit_ipt(d, mdtrt_id) != 0; /* a stay, or not known: net its returns */
  sqlite3_stmt *s = CACHED(net ? (unsettled_only ? Q_NET_UNSET : Q_NET_ALL) : (unsettled_only ? Q_LINES_UNSET : Q_LINES_ALL));
  if (!s) return YB_ESTORE;
  bt(s, 1, mdtrt_id);
  return each_cached(c, s, row_line, d, e);
}

/* ---- labels ------------------------------------------------------------------------------------ */
typedef struct lab_arg {
  int (*fn)(const store_audit_label *, void *);
  void *arg;
} lab_arg;
static int row_label(sqlite3_stmt *s, void *arg, yb_err *e) {
  (void)e;
  lab_arg *a = arg;
  store_audit_label l = {cs(s, 0), cs(s, 1), cs(s, 2), cs(s, 3), cs(s, 4), cs(s, 5), cs(s, 6)};
  return a->fn(&l, a->arg);
}
int store_audit_labels(store_conn *c, int (*fn)(const store_audit_label *, void *), void *arg, yb_err *e) {
  sqlite3_stmt *s = prep(c, "SELECT kind,psn_no,fixmedins_code,mdtrt_id,setl_id,feedetl_sn,note FROM fraud_label", e);
  if (!s) return YB_ESTORE;
  lab_arg a = {fn, arg};
  return each_row(c, s, row_label, &a, e);
}

/* ---- runs and findings ---------------------------------------------------------------------------- */
int store_audit_run_new(store_conn *c, const char *stage, const char *from, const char *to, const char *rules,
                        const char *at, int64_t *run_id, yb_err *e) {
  sqlite3_stmt *s = store_sqlite_stmt(c, &store_area_audit, Q_RUN_NEW, e);
  if (!s) return YB_ESTORE;
  bt(s, 1, stage), bt(s, 2, from), bt(s, 3, to), bt(s, 4, rules ? rules : ""), bt(s, 5, at);
  int rc = store_sqlite_done(c, s, e, "audit_run");
  if (!rc) *run_id = sqlite3_last_insert_rowid(store_sqlite_db(c));
  return rc;
}

int store_audit_run_done(store_conn *c, int64_t run_id, int64_t lines, int64_t findings, yb_err *e) {
  sqlite3_stmt *s = store_sqlite_stmt(c, &store_area_audit, Q_RUN_DONE, e);
  if (!s) return YB_ESTORE;
  bi(s, 1, run_id), bi(s, 2, lines), bi(s, 3, findings);
  return store_sqlite_done(c, s, e, "audit_run");
}

int store_audit_finding_put(store_conn *c, const store_audit_finding *f, int *added, yb_err *e) {
  sqlite3_stmt *s = store_sqlite_stmt(c, &store_area_audit, Q_F_PUT, e);
  if (!s) return YB_ESTORE;
  bi(s, 1, f->run_id), bt(s, 2, f->rule_id), bt(s, 3, f->kind), bi(s, 4, f->sev_deg), bi(s, 5, f->level);
  bt(s, 6, f->stage), bt(s, 7, f->fixmedins_code), bt(s, 8, f->psn_no), bt(s, 9, f->mdtrt_id), bt(s, 10, f->setl_id);
  bt(s, 11, f->feedetl_sn), bt(s, 12, f->occur_date), bi(s, 13, f->vola_amt), bt(s, 14, f->evid);
  int rc = store_sqlite_done(c, s, e, "audit_finding");
  if (added) *added = !rc && sqlite3_changes(store_sqlite_db(c)) > 0;
  return rc;
}

static void read_finding(sqlite3_stmt *s, store_audit_finding *f) {
  memset(f, 0, sizeof *f);
  f->finding_id = ci(s, 0), f->run_id = ci(s, 1), f->case_id = ci(s, 2);
  ct(s, 3, f->rule_id, sizeof f->rule_id), ct(s, 4, f->kind, sizeof f->kind);
  ct(s, 5, f->fixmedins_code, sizeof f->fixmedins_code), ct(s, 6, f->psn_no, sizeof f->psn_no);
  ct(s, 7, f->mdtrt_id, sizeof f->mdtrt_id), ct(s, 8, f->setl_id, sizeof f->setl_id);
  ct(s, 9, f->feedetl_sn, sizeof f->feedetl_sn), ct(s, 10, f->occur_date, sizeof f->occur_date);
  ct(s, 11, f->state, sizeof f->state), ct(s, 12, f->evid, sizeof f->evid), ct(s, 13, f->stage, sizeof f->stage);
  f->sev_deg = (int)ci(s, 14), f->level = (int)ci(s, 15), f->vola_amt = ci(s, 16);
}

typedef struct fnd_arg {
  int (*fn)(const store_audit_finding *, void *);
  void *arg;
} fnd_arg;
static int row_finding(sqlite3_stmt *s, void *arg, yb_err *e) {
  (void)e;
  fnd_arg *a = arg;
  store_audit_finding f;
  read_finding(s, &f);
  return a->fn(&f, a->arg);
}

static bool given(const char *s) { return s && *s; }

int store_audit_finding_each(store_conn *c, const store_audit_filter *q,
                             int (*fn)(const store_audit_finding *, void *), void *arg, yb_err *e) {
  char sql[1024];
  int n = snprintf(sql, sizeof sql, "SELECT " FCOLS " FROM audit_finding WHERE 1");
  const char *texts[7] = {q->fixmedins_code, q->rule_id, q->kind, q->state, q->psn_no, q->from, q->to};
  static const char *const conds[7] = {" AND fixmedins_code=?%d", " AND rule_id=?%d", " AND kind=?%d",
                                       " AND state=?%d",          " AND psn_no=?%d",  " AND occur_date>=?%d",
                                       " AND occur_date<=?%d"};
  int k = 0;
  for (int i = 0; i < 7; i++)
    if (given(texts[i])) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
      n += snprintf(sql + n, sizeof sql - (size_t)n, conds[i], ++k);
#pragma GCC diagnostic pop
    }
  if (q->case_id) n += snprintf(sql + n, sizeof sql - (size_t)n, " AND case_id=?%d", ++k);
  snprintf(sql + n, sizeof sql - (size_t)n, " ORDER BY finding_id LIMIT %lld OFFSET %lld",
           (long long)(q->limit > 0 ? q->limit : 100), (long long)(q->offset > 0 ? q->offset : 0));
  sqlite3_stmt *s = prep(c, sql, e);
  if (!s) return YB_ESTORE;
  k = 0;
  for (int i = 0; i < 7; i++)
    if (given(texts[i])) bt(s, ++k, texts[i]);
  if (q->case_id) bi(s, ++k, q->case_id);
  fnd_arg a = {fn, arg};
  return each_row(c, s, row_finding, &a, e);
}

int store_audit_finding_get(store_conn *c, int64_t id, store_audit_finding *out, yb_err *e) {
  sqlite3_stmt *s = store_sqlite_stmt(c, &store_area_audit, Q_F_GET, e);
  if (!s) return YB_ESTORE;
  bi(s, 1, id);
  int st = sqlite3_step(s), rc = 0;
  if (st == SQLITE_ROW) read_finding(s, out);
  else if (st == SQLITE_DONE) rc = yb_fail(e, YB_ENOT_FOUND, "finding_id", "no finding %lld", (long long)id);
  else rc = store_sqlite_err(c, e, "audit_finding");
  store_sqlite_reset(s);
  return rc;
}

/* ---- cases ------------------------------------------------------------------------------------- */
static int event(store_conn *c, int64_t case_id, const char *at, const char *who, const char *action,
                 const char *note, int64_t amount, yb_err *e) {
  sqlite3_stmt *s = store_sqlite_stmt(c, &store_area_audit, Q_EV_PUT, e);
  if (!s) return YB_ESTORE;
  bi(s, 1, case_id), bt(s, 2, at), bt(s, 3, who), bt(s, 4, action), bt(s, 5, note ? note : ""), bi(s, 6, amount);
  return store_sqlite_done(c, s, e, "audit_case_event");
}

static void read_case(sqlite3_stmt *s, store_audit_case *o) {
  memset(o, 0, sizeof *o);
  o->case_id = ci(s, 0);
  ct(s, 1, o->fixmedins_code, sizeof o->fixmedins_code), ct(s, 2, o->state, sizeof o->state);
  ct(s, 3, o->title, sizeof o->title), ct(s, 4, o->reason, sizeof o->reason);
  ct(s, 5, o->opened_by, sizeof o->opened_by), ct(s, 6, o->opened_at, sizeof o->opened_at);
  ct(s, 7, o->updated_at, sizeof o->updated_at);
  o->year = (int)ci(s, 8), o->n_findings = ci(s, 9), o->amt_flagged = ci(s, 10);
  o->amt_confirmed = ci(s, 11), o->amt_recovered = ci(s, 12);
}

int store_audit_case_get(store_conn *c, int64_t case_id, store_audit_case *out, yb_err *e) {
  sqlite3_stmt *s = store_sqlite_stmt(c, &store_area_audit, Q_C_GET, e);
  if (!s) return YB_ESTORE;
  bi(s, 1, case_id);
  int st = sqlite3_step(s), rc = 0;
  if (st == SQLITE_ROW) read_case(s, out);
  else if (st == SQLITE_DONE) rc = yb_fail(e, YB_ENOT_FOUND, "case_id", "no case %lld", (long long)case_id);
  else rc = store_sqlite_err(c, e, "audit_case");
  store_sqlite_reset(s);
  return rc;
}

int store_audit_case_open(store_conn *c, const int64_t *ids, int n, const char *title, const char *who,
                          const char *at, int64_t *case_id, yb_err *e) {
  if (n < 1) return yb_fail(e, YB_EMISSING, "finding_ids", "a case needs at least one finding");
  char inst[32] = "", first[12] = "9999";
  int64_t amt = 0;
  for (int i = 0; i < n; i++) {
    store_audit_finding f;
    char fld[32];
    snprintf(fld, sizeof fld, "finding_ids[%d]", i);
    int rc = store_audit_finding_get(c, ids[i], &f, e);
    if (rc == YB_ENOT_FOUND) return yb_fail(e, rc, fld, "no finding %lld", (long long)ids[i]);
    if (rc) return rc;
    if (strcmp(f.state, "flagged"))
      return yb_fail(e, YB_ECONFLICT, fld, "finding %lld is %s, not flagged", (long long)ids[i], f.state);
    if (i && strcmp(inst, f.fixmedins_code))
      return yb_fail(e, YB_EINVAL, fld, "finding %lld is of institution %s, the case of %s", (long long)ids[i],
                     f.fixmedins_code, inst);
    snprintf(inst, sizeof inst, "%s", f.fixmedins_code);
    if (f.occur_date[0] && strcmp(f.occur_date, first) < 0) snprintf(first, sizeof first, "%s", f.occur_date);
    amt += f.vola_amt;
  }
  sqlite3_stmt *s = prep(c, "INSERT INTO audit_case(fixmedins_code,year,state,title,opened_by,opened_at,updated_at,"
                            "n_findings,amt_flagged) VALUES(?1,?2,'open',?3,?4,?5,?5,?6,?7)", e);
  if (!s) return YB_ESTORE;
  bt(s, 1, inst), bi(s, 2, atoi(first[0] == '9' ? at : first)), bt(s, 3, title && *title ? title : "case");
  bt(s, 4, who), bt(s, 5, at), bi(s, 6, n), bi(s, 7, amt);
  int st = sqlite3_step(s);
  sqlite3_finalize(s);
  if (st != SQLITE_DONE) return store_sqlite_err(c, e, "audit_case");
  *case_id = sqlite3_last_insert_rowid(store_sqlite_db(c));
  if (!(s = prep(c, "UPDATE audit_finding SET state='in_case', case_id=?2 WHERE finding_id=?1", e))) return YB_ESTORE;
  for (int i = 0; i < n; i++) {
    bi(s, 1, ids[i]), bi(s, 2, *case_id);
    if (sqlite3_step(s) != SQLITE_DONE) {
      sqlite3_finalize(s);
      return store_sqlite_err(c, e, "audit_finding");
    }
    sqlite3_reset(s);
  }
  sqlite3_finalize(s);
  char note[64];
  snprintf(note, sizeof note, "%d findings", n);
  return event(c, *case_id, at, who, "open", note, amt, e);
}

int store_audit_case_move(store_conn *c, int64_t case_id, const char *action, const char *reason, int64_t amount,
                          const char *who, const char *at, yb_err *e) {
  static const struct {
    const char *action, *to, *finding_state;
    bool needs_reason;
  } moves[] = {{"review", "review", NULL, false}, {"confirm", "confirmed", "confirmed", true},
               {"dismiss", "dismissed", "dismissed", true}};
  int m = -1;
  for (int i = 0; i < 3; i++)
    if (action && !strcmp(action, moves[i].action)) m = i;
  if (m < 0) return yb_fail(e, YB_EINVAL, "action", "must be review, confirm or dismiss");
  store_audit_case k;
  int rc = store_audit_case_get(c, case_id, &k, e);
  if (rc) return rc;
  if (strcmp(k.state, "open") && strcmp(k.state, "review"))
    return yb_fail(e, YB_ECONFLICT, "state", "case %lld is %s; only open or review cases move", (long long)case_id, k.state);
  if (m == 0 && !strcmp(k.state, "review")) return yb_fail(e, YB_ECONFLICT, "state", "case is already under review");
  if (moves[m].needs_reason && !given(reason)) return yb_fail(e, YB_EMISSING, "reason", "a %s needs a reason", action);
  if (amount < 0) amount = m == 1 ? k.amt_flagged : 0;
  if (m == 1 && amount > k.amt_flagged)
    return yb_fail(e, YB_ERANGE, "amount", "confirmed amount %lld is above the flagged %lld fen", (long long)amount,
                   (long long)k.amt_flagged);
  sqlite3_stmt *s = prep(c, "UPDATE audit_case SET state=?2, reason=coalesce(?3,reason), amt_confirmed=?4,"
                            " updated_at=?5 WHERE case_id=?1", e);
  if (!s) return YB_ESTORE;
  bi(s, 1, case_id), bt(s, 2, moves[m].to), bt(s, 3, given(reason) ? reason : NULL), bi(s, 4, m == 1 ? amount : 0);
  bt(s, 5, at);
  int st = sqlite3_step(s);
  sqlite3_finalize(s);
  if (st != SQLITE_DONE) return store_sqlite_err(c, e, "audit_case");
  if (moves[m].finding_state) {
    if (!(s = prep(c, "UPDATE audit_finding SET state=?2 WHERE case_id=?1", e))) return YB_ESTORE;
    bi(s, 1, case_id), bt(s, 2, moves[m].finding_state);
    st = sqlite3_step(s);
    sqlite3_finalize(s);
    if (st != SQLITE_DONE) return store_sqlite_err(c, e, "audit_finding");
  }
  return event(c, case_id, at, who, action, reason, m == 1 ? amount : 0, e);
}

int store_audit_case_recover(store_conn *c, int64_t case_id, int64_t amount, const char *note, const char *who,
                             const char *at, yb_err *e) {
  store_audit_case k;
  int rc = store_audit_case_get(c, case_id, &k, e);
  if (rc) return rc;
  if (strcmp(k.state, "confirmed"))
    return yb_fail(e, YB_ECONFLICT, "state", "case %lld is %s; money is recovered on confirmed cases", (long long)case_id,
                   k.state);
  if (amount <= 0) return yb_fail(e, YB_ERANGE, "amount", "must be above 0 fen");
  if (amount > k.amt_confirmed - k.amt_recovered)
    return yb_fail(e, YB_ERANGE, "amount", "%lld fen is more than the %lld still due", (long long)amount,
                   (long long)(k.amt_confirmed - k.amt_recovered));
  sqlite3_stmt *s = prep(c, "INSERT INTO audit_recovery(case_id,fixmedins_code,year,amount,at,who,note)"
                            " VALUES(?1,?2,?3,?4,?5,?6,?7)", e);
  if (!s) return YB_ESTORE;
  bi(s, 1, case_id), bt(s, 2, k.fixmedins_code), bi(s, 3, k.year), bi(s, 4, amount), bt(s, 5, at), bt(s, 6, who);
  bt(s, 7, note ? note : "");
  int st = sqlite3_step(s);
  sqlite3_finalize(s);
  if (st != SQLITE_DONE) return store_sqlite_err(c, e, "audit_recovery");
  if (!(s = prep(c, "UPDATE audit_case SET amt_recovered=amt_recovered+?2, updated_at=?3 WHERE case_id=?1", e)))
    return YB_ESTORE;
  bi(s, 1, case_id), bi(s, 2, amount), bt(s, 3, at);
  st = sqlite3_step(s);
  sqlite3_finalize(s);
  if (st != SQLITE_DONE) return store_sqlite_err(c, e, "audit_case");
  return event(c, case_id, at, who, "recover", note, amount, e);
}

typedef struct case_arg {
  int (*fn)(const store_audit_case *, void *);
  void *arg;
} case_arg;
static int row_case(sqlite3_stmt *s, void *arg, yb_err *e) {
  (void)e;
  case_arg *a = arg;
  store_audit_case k;
  read_case(s, &k);
  return a->fn(&k, a->arg);
}
int store_audit_case_each(store_conn *c, const char *inst, const char *state,
                          int (*fn)(const store_audit_case *, void *), void *arg, yb_err *e) {
  sqlite3_stmt *s = prep(c, "SELECT " CCOLS " FROM audit_case WHERE (?1 IS NULL OR fixmedins_code=?1)"
                            " AND (?2 IS NULL OR state=?2) ORDER BY case_id", e);
  if (!s) return YB_ESTORE;
  bt(s, 1, given(inst) ? inst : NULL), bt(s, 2, given(state) ? state : NULL);
  case_arg a = {fn, arg};
  return each_row(c, s, row_case, &a, e);
}

typedef struct ev_arg {
  int (*fn)(const store_audit_event *, void *);
  void *arg;
} ev_arg;
static int row_event(sqlite3_stmt *s, void *arg, yb_err *e) {
  (void)e;
  ev_arg *a = arg;
  store_audit_event v = {ci(s, 0), ci(s, 1), ci(s, 6), "", "", "", ""};
  ct(s, 2, v.at, sizeof v.at), ct(s, 3, v.who, sizeof v.who), ct(s, 4, v.action, sizeof v.action);
  ct(s, 5, v.note, sizeof v.note);
  return a->fn(&v, a->arg);
}
int store_audit_event_each(store_conn *c, int64_t case_id, int (*fn)(const store_audit_event *, void *), void *arg,
                           yb_err *e) {
  sqlite3_stmt *s = prep(c, "SELECT event_id,case_id,at,who,action,note,amount FROM audit_case_event"
                            " WHERE case_id=?1 ORDER BY event_id", e);
  if (!s) return YB_ESTORE;
  bi(s, 1, case_id);
  ev_arg a = {fn, arg};
  return each_row(c, s, row_event, &a, e);
}

/* ---- year end ---------------------------------------------------------------------------------- */
typedef struct ded_arg {
  int (*fn)(const char *, int64_t, int64_t, int64_t, void *);
  void *arg;
} ded_arg;
static int row_ded(sqlite3_stmt *s, void *arg, yb_err *e) {
  (void)e;
  ded_arg *a = arg;
  return a->fn(cs(s, 0), ci(s, 1), ci(s, 2), ci(s, 1) - ci(s, 2), a->arg);
}
int store_audit_deductions(store_conn *c, int year,
                           int (*fn)(const char *, int64_t, int64_t, int64_t, void *), void *arg, yb_err *e) {
  sqlite3_stmt *s = prep(c, "SELECT fixmedins_code, sum(amt_confirmed), sum(amt_recovered) FROM audit_case"
                            " WHERE year=?1 AND state='confirmed' GROUP BY fixmedins_code ORDER BY fixmedins_code", e);
  if (!s) return YB_ESTORE;
  bi(s, 1, year);
  ded_arg a = {fn, arg};
  return each_row(c, s, row_ded, &a, e);
}

typedef struct cnt_arg {
  int (*fn)(const char *, int, int64_t, int64_t, void *);
  void *arg;
} cnt_arg;
static int row_cnt(sqlite3_stmt *s, void *arg, yb_err *e) {
  (void)e;
  cnt_arg *a = arg;
  return a->fn(cs(s, 0), (int)ci(s, 1), ci(s, 2), ci(s, 3), a->arg);
}
int store_audit_confirmed_counts(store_conn *c, int year, int (*fn)(const char *, int, int64_t, int64_t, void *),
                                 void *arg, yb_err *e) {
  sqlite3_stmt *s = prep(c, "SELECT fixmedins_code, sev_deg, count(*), sum(vola_amt) FROM audit_finding"
                            " WHERE state='confirmed' AND substr(occur_date,1,4)=printf('%04d',?1)"
                            " GROUP BY fixmedins_code, sev_deg ORDER BY fixmedins_code, sev_deg", e);
  if (!s) return YB_ESTORE;
  bi(s, 1, year);
  cnt_arg a = {fn, arg};
  return each_row(c, s, row_cnt, &a, e);
}

typedef struct neg_arg {
  int (*fn)(const char *, const char *, const char *, int64_t, int64_t, void *);
  void *arg;
} neg_arg;
static int row_neg(sqlite3_stmt *s, void *arg, yb_err *e) {
  (void)e;
  neg_arg *a = arg;
  return a->fn(cs(s, 0), cs(s, 1), cs(s, 2), ci(s, 3), ci(s, 4), a->arg);
}
int store_audit_negative_list(store_conn *c, int year,
                              int (*fn)(const char *, const char *, const char *, int64_t, int64_t, void *), void *arg,
                              yb_err *e) {
  sqlite3_stmt *s = prep(c, "SELECT rule_id, kind, fixmedins_code, count(*), sum(vola_amt) FROM audit_finding"
                            " WHERE state='confirmed' AND substr(occur_date,1,4)=printf('%04d',?1)"
                            " GROUP BY rule_id, fixmedins_code ORDER BY count(*) DESC, rule_id, fixmedins_code", e);
  if (!s) return YB_ESTORE;
  bi(s, 1, year);
  neg_arg a = {fn, arg};
  return each_row(c, s, row_neg, &a, e);
}
