/* audit_synth.c — a synthetic region for the audit engine's eval and benchmark, until the real
 * generator (yibao gen) lands: clean background visits plus the 15 injected fraud kinds of
 * docs/fraud-labels.md, each labelled in fraud_label. Writes SQLite directly in one transaction.
 * usage: audit-synth --db FILE [--persons N] [--seed S] [--catalog policies/catalog-demo.json] */
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "store.h"

#pragma GCC diagnostic ignored "-Wformat-overflow"
#pragma GCC diagnostic ignored "-Wformat-truncation"

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return rng;
}
static int rn(int n) { return (int)(rnd() % (uint64_t)n); }

static sqlite3 *db;
static sqlite3_stmt *st_psn, *st_inst, *st_geo, *st_doc, *st_visit, *st_fee, *st_setl, *st_chk, *st_lab;

static void die(const char *what) {
  fprintf(stderr, "audit-synth: %s: %s\n", what, sqlite3_errmsg(db));
  exit(1);
}
static sqlite3_stmt *prep(const char *sql) {
  sqlite3_stmt *s;
  if (sqlite3_prepare_v2(db, sql, -1, &s, NULL)) die(sql);
  return s;
}
static void run(sqlite3_stmt *s, const char *what) {
  if (sqlite3_step(s) != SQLITE_DONE) die(what);
  sqlite3_reset(s);
}
static void bt(sqlite3_stmt *s, int i, const char *v) { sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT); }
static void bi(sqlite3_stmt *s, int i, int64_t v) { sqlite3_bind_int64(s, i, v); }

/* ---- catalog items the generator uses (codes of policies/catalog-demo.json) ---------------- */
typedef struct item {
  const char *code;
  int64_t price;  /* micro-yuan, within every limit */
  int drug, max_days, gend, age_min, age_max;
} item;
static const item DRUGS[] = {
    {"XJ01CAD001A001010199999", 1200000, 1, 7, 0, -1, -1},  {"XA10BAD002A001010199999", 800000, 1, 30, 0, -1, -1},
    {"XC08CAD003A001010199999", 1500000, 1, 30, 0, -1, -1}, {"XB01ACD004A001010199999", 600000, 1, 30, 0, -1, -1},
    {"XC09AAD009A001010199999", 500000, 1, 30, 0, -1, -1},  {"XC03AAD013A001010199999", 400000, 1, 30, 0, -1, -1},
    {"XC10AAD022A001010199999", 2500000, 1, 30, 0, -1, -1}, {"XC09CAD031A001010199999", 3000000, 1, 30, 0, -1, -1},
};
static const item SERV_OTP[] = {
    {"9902000400000099", 10000000, 0, 0, 0, -1, -1}, {"9904001000000099", 18000000, 0, 0, 0, -1, -1},
    {"9904001100000099", 5000000, 0, 0, 0, -1, -1},  {"9903000800000099", 100000000, 0, 0, 0, -1, -1},
    {"9905001400000099", 8000000, 0, 0, 0, -1, -1},  {"9905001700000099", 25000000, 0, 0, 0, -1, -1},
    {"C99080000100000000099", 2000000, 0, 0, 0, -1, -1},
};
#define ACUP 5 /* 普通针刺 25 yuan: the item switching injections bill its institution code as 运动疗法 */
static const item SWITCH_TO = {"9905001600000099", 40000000, 0, 0, 0, -1, -1};
static const item BED = {"9901000100000099", 30000000, 0, 0, 0, -1, -1};
static const item NURSE = {"9907002300000099", 15000000, 0, 0, 0, -1, -1};
static const item IPT_TREAT[] = {
    {"9905001400000099", 8000000, 0, 0, 0, -1, -1}, {"9904001000000099", 18000000, 0, 0, 0, -1, -1},
    {"XB05BBD005A001010199999", 3000000, 1, 0, 0, -1, -1}, {"XJ01DBD006A001010199999", 9000000, 1, 0, 0, -1, -1},
};
static const item DIALYSIS = {"9905001500000099", 380000000, 0, 0, 0, -1, -1};
static const item MALE_ONLY = {"XG04CBD027A001010199999", 4000000, 1, 30, 1, -1, -1};
static const item FEMALE_ONLY = {"XG03DAD026A001010199999", 3000000, 1, 0, 2, -1, -1};
static const item CHILD_ONLY = {"XT00XED028A001010199999", 2000000, 1, 0, 0, -1, 14};
static const item ADULT_ONLY = {"XJ01MAD034A001010199999", 3000000, 1, 0, 0, 18, -1};
static const char *const DIAGS[] = {"J06.9", "I10", "E11.9", "K35.8", "I63.9", "J44.1", "K80.2", "M54.5", "S72.0", "N39.0"};
#define NDIAG 10

/* ---- region ---------------------------------------------------------------------------------- */
#define NINST 60
typedef struct inst {
  char code[16];
  int lv, far;
} inst;
static inst insts[NINST];
static int64_t n_visit, n_line, n_label;

static void date_str(int day, int sec, char *out) { /* day 0 = 2025-01-01 */
  static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int y = 2025, m = 0, d = day;
  while (d >= md[m]) {
    d -= md[m];
    if (++m == 12) m = 0, y++;
  }
  sprintf(out, "%04d-%02d-%02d %02d:%02d:%02d", y, m + 1, d + 1, sec / 3600, sec / 60 % 60, sec % 60);
}

static void label(const char *kind, const char *psn, const char *ins, const char *mdtrt, const char *sn) {
  bt(st_lab, 1, kind), bt(st_lab, 2, psn), bt(st_lab, 3, ins), bt(st_lab, 4, mdtrt);
  char setl[40];
  snprintf(setl, sizeof setl, "S%s", mdtrt + 1);
  bt(st_lab, 5, setl), bt(st_lab, 6, sn ? sn : "");
  run(st_lab, "label");
  n_label++;
}

typedef struct visit {
  char id[24], psn[24];
  int inst, ipt, nline;
  int64_t sum;
  int begday, begsec, endday;
} visit;

static void visit_open(visit *v, const char *psn, int in, int ipt, int day, int sec, int endday, const char *diag) {
  snprintf(v->id, sizeof v->id, "M%010lld", (long long)++n_visit);
  snprintf(v->psn, sizeof v->psn, "%s", psn);
  v->inst = in, v->ipt = ipt, v->nline = 0, v->sum = 0, v->begday = day, v->begsec = sec, v->endday = endday;
  char b[24], e[24];
  date_str(day, sec, b);
  date_str(ipt ? endday : day, ipt ? 36000 : sec + 1800, e);
  bt(st_visit, 1, v->id), bt(st_visit, 2, psn), bt(st_visit, 3, insts[in].code), bt(st_visit, 4, ipt ? "ipt" : "otp");
  bt(st_visit, 5, ipt ? "21" : "11"), bt(st_visit, 6, v->id), bt(st_visit, 7, b), bt(st_visit, 8, e);
  bt(st_visit, 9, diag);
  run(st_visit, "visit");
}

/* A fee line; returns its feedetl_sn in sn (static buffer of the caller). */
static void line(visit *v, const item *it, int day, int sec, int64_t pric, int prd_days, const char *dr,
                 const char *medins, char *sn) {
  char t[24], body[512], mi[40];
  sprintf(sn, "%d", ++v->nline);
  date_str(day, sec, t);
  int64_t cnt = 10000, sumamt = pric / 10000; /* 1 unit; micro-yuan → fen */
  if (!medins) {
    snprintf(mi, sizeof mi, "H%s-%s", insts[v->inst].code + 1, it->code);
    medins = mi;
  }
  snprintf(body, sizeof body,
           "{\"feedetl_sn\": \"%s\", \"med_list_codg\": \"%s\", \"medins_list_codg\": \"%s\", \"fee_ocur_time\": \"%s\","
           " \"cnt\": 1, \"pric\": %lld.%06lld, \"prd_days\": %d, \"bilg_dr_codg\": \"%s\"}",
           sn, it->code, medins, t, (long long)(pric / 1000000), (long long)(pric % 1000000), prd_days, dr);
  char setl[40];
  snprintf(setl, sizeof setl, "S%s", v->id + 1);
  bt(st_fee, 1, v->id), bt(st_fee, 2, sn), bi(st_fee, 3, v->nline), bt(st_fee, 4, v->psn);
  bt(st_fee, 5, insts[v->inst].code), bt(st_fee, 6, it->code), bt(st_fee, 7, medins), bt(st_fee, 8, t);
  bi(st_fee, 9, cnt), bi(st_fee, 10, pric), bi(st_fee, 11, sumamt), bt(st_fee, 12, body), bt(st_fee, 13, setl);
  run(st_fee, "fee");
  v->sum += sumamt;
  n_line++;
}

static void visit_close(visit *v) {
  char setl[40], t[24];
  snprintf(setl, sizeof setl, "S%s", v->id + 1);
  date_str(v->ipt ? v->endday : v->begday, v->ipt ? 36000 : v->begsec + 1800, t);
  bt(st_setl, 1, setl), bt(st_setl, 2, v->id), bt(st_setl, 3, v->psn), bt(st_setl, 4, insts[v->inst].code);
  bt(st_setl, 5, v->ipt ? "2304" : "2207"), bt(st_setl, 6, setl), bt(st_setl, 7, v->ipt ? "21" : "11");
  bt(st_setl, 8, t), bi(st_setl, 9, v->sum);
  run(st_setl, "settlement");
}

static void doctor_of(int in, char *out) { sprintf(out, "D%s%02d", insts[in].code + 1, rn(5)); }

/* An ordinary outpatient visit: a consultation and a few drugs or services. */
static void otp_visit(visit *v, const char *psn, int in, int day, int age, int gend, int sec) {
  /* age: the highest the person can be on the day */
  char dr[24], sn[16];
  doctor_of(in, dr);
  visit_open(v, psn, in, 0, day, sec, day, DIAGS[rn(NDIAG)]);
  int n = 3 + rn(6);
  for (int i = 0; i < n; i++) {
    const item *it = rn(2) ? &DRUGS[rn(8)] : &SERV_OTP[rn(7)];
    int days = it->drug ? 1 + rn(it->max_days) : 0;
    line(v, it, day, sec + 60 * i, it->price, days, dr, NULL, sn);
  }
  if (gend == 2 && age >= 18 && rn(20) == 0) line(v, &FEMALE_ONLY, day, sec + 60 * n, FEMALE_ONLY.price, 0, dr, NULL, sn);
  if (age <= 14 && rn(5) == 0) line(v, &CHILD_ONLY, day, sec + 60 * n + 30, CHILD_ONLY.price, 3, dr, NULL, sn);
}

/* An inpatient stay of `los` days with treatment on every day but at most one. */
static void ipt_visit(visit *v, const char *psn, int in, int day, int los, const char *diag, int treat_days) {
  char dr[24], sn[16];
  doctor_of(in, dr);
  visit_open(v, psn, in, 1, day, 32400, day + los, diag);
  for (int d = 0; d < los; d++) {
    line(v, &BED, day + d, 43200, BED.price, 0, dr, NULL, sn);
    line(v, &NURSE, day + d, 43260, NURSE.price, 0, dr, NULL, sn);
    if (d < treat_days)
      for (int k = 0; k < 2 + rn(3); k++) {
        const item *it = &IPT_TREAT[rn(4)];
        line(v, it, day + d, 36000 + 600 * k, it->price, 0, dr, NULL, sn);
      }
  }
}

enum { K_SPLIT, K_FREQ, K_BED, K_FAKE, K_DEAD, K_TWO, K_OTPIPT, K_DIAL, K_DUP, K_SUPPLY, K_SWITCH, K_GEND, K_AGE, K_PRICE,
       K_DOCTOR, K_N };
static const char *const KINDS[K_N] = {"split_admission", "frequent_admission", "bed_holding", "fake_admission",
                                       "dead_person_card", "two_places_same_day", "otp_during_ipt",
                                       "dialysis_no_checkin", "duplicate_charge", "over_supply", "item_switching",
                                       "gender_limit", "age_limit", "over_price_limit", "unregistered_doctor"};

static int near_inst(void) {
  int i;
  do i = rn(NINST);
  while (insts[i].far);
  return i;
}

static void person(int64_t k, int inject) {
  char psn[24], cert[24], brdy[12], death[12] = "";
  snprintf(psn, sizeof psn, "P%09lld", (long long)k);
  snprintf(cert, sizeof cert, "41%016lld", (long long)k);
  int gend = 1 + rn(2), y = 2024 - rn(85);
  int age = 2024 - y, age_hi = 2025 - y; /* the age on any day of 2025 is one of the two */
  snprintf(brdy, sizeof brdy, "%04d-%02d-%02d", y, 1 + rn(12), 1 + rn(28));
  int dies = inject == K_DEAD || (inject < 0 && rn(50) == 0);
  int death_day = dies ? 200 + rn(150) : 10000;
  char b[24];
  if (dies) date_str(death_day, 0, b), snprintf(death, sizeof death, "%.10s", b);
  bt(st_psn, 1, psn), bt(st_psn, 2, cert), bt(st_psn, 3, gend == 1 ? "1" : "2"), bt(st_psn, 4, brdy);
  bt(st_psn, 5, death);
  run(st_psn, "person");
  visit v;
  char dr[24], sn[16];
  int home = near_inst(), last = death_day < 365 ? death_day - 1 : 364;
  bool busy[400] = {0}; /* days taken by a stay or a visit: background visits never overlap */
  /* background stays: about one person in ten, at most two a year, 60+ days apart */
  int n_ipt = inject == K_SPLIT || inject == K_FREQ || inject == K_BED || inject == K_FAKE || inject == K_OTPIPT
                  ? 0 : (rn(10) == 0) + (rn(30) == 0);
  int dial = inject == K_DIAL || rn(200) == 0;
  if (dial) n_ipt = 0;
  int prev_end = -100;
  for (int i = 0; i < n_ipt; i++) {
    int day = prev_end + 60 + rn(100), los = 3 + rn(8);
    if (day < 0) day = rn(60);
    if (day + los > last) break;
    ipt_visit(&v, psn, rn(NINST), day, los, DIAGS[rn(NDIAG)], los);
    visit_close(&v);
    for (int d = day; d <= day + los; d++) busy[d] = true;
    prev_end = day + los;
  }
  /* injected stays */
  int s0 = 10 + rn(100);
  if (inject == K_SPLIT) {
    const char *dg = DIAGS[rn(NDIAG)];
    int in = rn(NINST), los = 4 + rn(4), gap = 1 + rn(15);
    ipt_visit(&v, psn, in, s0, los, dg, los);
    visit_close(&v);
    char again[8];
    snprintf(again, sizeof again, "%.3s.%d", dg, rn(9)); /* same first three characters */
    ipt_visit(&v, psn, in, s0 + los + gap, 3 + rn(4), again, 3);
    visit_close(&v);
    label(KINDS[K_SPLIT], psn, insts[in].code, v.id, NULL);
    for (int d = s0; d <= s0 + los + gap + 8; d++) busy[d] = true;
  } else if (inject == K_FREQ) {
    int day = s0, n = 4 + rn(2), in = rn(NINST);
    for (int i = 0; i < n; i++) {
      int los = 3 + rn(3);
      ipt_visit(&v, psn, in, day, los, DIAGS[rn(NDIAG)], los);
      visit_close(&v);
      if (i >= 3) label(KINDS[K_FREQ], psn, insts[in].code, v.id, NULL);
      for (int d = day; d <= day + los; d++) busy[d] = true;
      day += los + 20 + rn(15);
    }
  } else if (inject == K_BED || inject == K_FAKE) {
    int in = rn(NINST), los = inject == K_BED ? 7 + rn(6) : 3 + rn(5);
    ipt_visit(&v, psn, in, s0, los, DIAGS[rn(NDIAG)], inject == K_BED ? 1 + rn(2) : 0);
    visit_close(&v);
    label(KINDS[inject], psn, insts[in].code, v.id, NULL);
    for (int d = s0; d <= s0 + los; d++) busy[d] = true;
  } else if (inject == K_OTPIPT) {
    int in = rn(NINST), los = 5 + rn(5), other = near_inst();
    ipt_visit(&v, psn, in, s0, los, DIAGS[rn(NDIAG)], los);
    visit_close(&v);
    for (int d = s0; d <= s0 + los; d++) busy[d] = true;
    otp_visit(&v, psn, other, s0 + 1 + rn(los - 1), age_hi, gend, 50000);
    visit_close(&v);
    label(KINDS[K_OTPIPT], psn, insts[other].code, v.id, NULL);
  }
  /* dialysis: twice a week at one institution, each session checked in */
  int dial_inst = home, skipped = 0;
  if (dial)
    for (int day = 3; day <= last; day += 3 + (day % 2)) {
      if (busy[day]) continue;
      doctor_of(dial_inst, dr);
      visit_open(&v, psn, dial_inst, 0, day, 28800, day, "N18.5");
      line(&v, &DIALYSIS, day, 29000, DIALYSIS.price, 0, dr, NULL, sn);
      line(&v, &SERV_OTP[0], day, 29100, SERV_OTP[0].price, 0, dr, NULL, sn);
      visit_close(&v);
      busy[day] = true;
      char t[24];
      date_str(day, 28700, t);
      if (inject == K_DIAL && !skipped && day > 100) {
        label(KINDS[K_DIAL], psn, insts[dial_inst].code, v.id, "1");
        skipped = 1;
        continue;
      }
      bt(st_chk, 1, psn), bt(st_chk, 2, insts[dial_inst].code), bt(st_chk, 3, t);
      run(st_chk, "checkin");
    }
  /* ordinary outpatient visits on free days */
  int n_otp = 1 + rn(8);
  for (int i = 0; i < n_otp; i++) {
    int day = rn(last + 1);
    if (busy[day]) continue;
    busy[day] = true;
    int in = rn(4) ? home : near_inst();
    otp_visit(&v, psn, in, day, age_hi, gend, 28800 + rn(30000));
    visit_close(&v);
  }
  /* line and visit injections on one more visit */
  if (inject >= K_DEAD && inject != K_OTPIPT && inject != K_DIAL) {
    int day = inject == K_DEAD ? death_day + 1 + rn(10) : rn(last + 1);
    while (busy[day] && inject != K_DEAD) day = (day + 1) % (last + 1);
    if (inject == K_DEAD) {
      otp_visit(&v, psn, home, day, age_hi, gend, 36000);
      visit_close(&v);
      label(KINDS[K_DEAD], psn, insts[home].code, v.id, NULL);
      return;
    }
    busy[day] = true;
    int in = inject == K_SWITCH ? 0 : home; /* institution 0 bills acupuncture a lot */
    if (inject == K_TWO) {
      otp_visit(&v, psn, home, day, age_hi, gend, 30000);
      visit_close(&v);
      int far = 0;
      while (!insts[far].far) far++;
      far += rn(3);
      otp_visit(&v, psn, far, day, age_hi, gend, 54000);
      visit_close(&v);
      label(KINDS[K_TWO], psn, insts[far].code, v.id, NULL);
      return;
    }
    otp_visit(&v, psn, in, day, age_hi, gend, 32000);
    doctor_of(in, dr);
    const item *it = NULL;
    char medins[40] = "";
    int64_t pric = 0;
    int days = 0;
    switch (inject) {
    case K_DUP: { /* the consultation charged twice at the same moment */
      char t1[16];
      line(&v, &SERV_OTP[1], day, 40000, SERV_OTP[1].price, 0, dr, NULL, t1);
      it = &SERV_OTP[1], pric = it->price;
      line(&v, it, day, 40000, pric, 0, dr, NULL, sn);
      break;
    }
    case K_SUPPLY: it = &DRUGS[0], pric = it->price, days = it->max_days + 3 + rn(20); break;
    case K_SWITCH:
      it = &SWITCH_TO, pric = SWITCH_TO.price;
      snprintf(medins, sizeof medins, "H%s-%s", insts[in].code + 1, SERV_OTP[ACUP].code);
      break;
    case K_GEND: it = gend == 1 ? &FEMALE_ONLY : &MALE_ONLY, pric = it->price, days = it->max_days ? 10 : 0; break;
    case K_AGE: it = age > 14 ? &CHILD_ONLY : &ADULT_ONLY, pric = it->price, days = 3; break;
    case K_PRICE: it = &SERV_OTP[3], pric = 150 * 1000000 + rn(100) * 1000000; break; /* limit 120 */
    case K_DOCTOR:
      it = &SERV_OTP[4], pric = it->price;
      if (rn(2)) sprintf(dr, "DX%06d", rn(999999)); /* registered nowhere */
      else sprintf(dr, "D%s%02d", insts[(home + 1) % NINST].code + 1, rn(5)); /* at another institution */
      break;
    }
    if (inject != K_DUP) line(&v, it, day, 40000, pric, days, dr, medins[0] ? medins : NULL, sn);
    visit_close(&v);
    label(KINDS[inject], psn, insts[in].code, v.id, sn);
  }
}

static int put_catalog(store_conn *w, void *body, yb_err *e) { return store_catalog_put(w, "demo", body, e); }

int main(int argc, char **argv) {
  const char *path = cmd_opt(argc, argv, "--db"), *cat = cmd_opt(argc, argv, "--catalog");
  const char *np = cmd_opt(argc, argv, "--persons"), *seed = cmd_opt(argc, argv, "--seed");
  const char *rate = cmd_opt(argc, argv, "--inject-per-mille");
  if (!path) {
    fprintf(stderr, "usage: audit-synth --db FILE [--persons N] [--seed S] [--catalog FILE] [--inject-per-mille K]\n");
    return 2;
  }
  int64_t persons = np ? atoll(np) : 20000;
  int per_mille = rate ? atoi(rate) : 30;
  if (seed) rng ^= (uint64_t)atoll(seed) * 0x9E3779B97F4A7C15ull;
  remove(path);
  store *s;
  yb_err e;
  if (store_open(path, &s, &e)) {
    fprintf(stderr, "audit-synth: %s: %s\n", e.field, e.msg);
    return 1;
  }
  FILE *f = fopen(cat ? cat : "policies/catalog-demo.json", "rb");
  if (!f) return fprintf(stderr, "audit-synth: no catalog\n"), 1;
  static char body[1 << 20];
  size_t bn = fread(body, 1, sizeof body - 1, f);
  fclose(f);
  body[bn] = 0;
  if (store_write(s, put_catalog, body, &e)) return fprintf(stderr, "audit-synth: %s\n", e.msg), 1;
  store_close(s);
  if (sqlite3_open(path, &db)) die("open");
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; BEGIN", NULL, NULL, NULL);
  st_psn = prep("INSERT INTO person(psn_no,psn_cert_type,certno,psn_name,gend,brdy,insuplc_admdvs,death_date)"
                " VALUES(?1,'01',?2,'synthetic',?3,?4,'410100',?5)");
  st_inst = prep("INSERT INTO institution(fixmedins_code,fixmedins_name,hosp_lv,hosp_lv_code,medins_type,admdvs,secret)"
                 " VALUES(?1,?1,?2,'05','1','410100','x')");
  st_geo = prep("INSERT INTO institution_geo(fixmedins_code,town,lat_e6,lon_e6) VALUES(?1,'',?2,?3)");
  st_doc = prep("INSERT INTO doctor(dr_code,fixmedins_code,dr_name,begndate) VALUES(?1,?2,'doctor','2020-01-01')");
  st_visit = prep("INSERT INTO visit(mdtrt_id,psn_no,fixmedins_code,kind,insutype,med_type,ipt_otp_no,begntime,endtime,"
                  "dise_codg,diag,state) VALUES(?1,?2,?3,?4,'390',?5,?6,?7,?8,'',?9,2)");
  st_fee = prep("INSERT INTO fee(mdtrt_id,feedetl_sn,seq,psn_no,fixmedins_code,med_list_codg,medins_list_codg,"
                "fee_ocur_time,cnt,pric,sumamt,body,result,setl_id) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,'{}',?13)");
  st_setl = prep("INSERT INTO settlement(setl_id,mdtrt_id,psn_no,fixmedins_code,infno,msgid,insutype,med_type,clr_type,"
                 "year,setl_time,medfee_sumamt,fund_pay_sumamt,acct_pay,acct_mulaid_pay,psn_cash_pay,setlinfo,setldetail,"
                 "trace,accum_delta) VALUES(?1,?2,?3,?4,?5,?6,'390',?7,'11',2025,?8,?9,0,0,0,?9,'{}','[]','[]','{}')");
  st_chk = prep("INSERT INTO dialysis_checkin(psn_no,fixmedins_code,checkin_time) VALUES(?1,?2,?3)");
  st_lab = prep("INSERT INTO fraud_label(kind,psn_no,fixmedins_code,mdtrt_id,setl_id,feedetl_sn) VALUES(?1,?2,?3,?4,?5,?6)");
  for (int i = 0; i < NINST; i++) {
    snprintf(insts[i].code, sizeof insts[i].code, "H41010%04d", i);
    insts[i].lv = i < 6 ? 3 : i < 20 ? 2 : 1;
    insts[i].far = i >= NINST - 4; /* the last four lie in another city, 100+ km away */
    bt(st_inst, 1, insts[i].code), bi(st_inst, 2, insts[i].lv);
    run(st_inst, "institution");
    /* near ones within about 12 km of (34.75 N, 113.62 E) */
    int64_t lat = 34750000 + (insts[i].far ? 1000000 : rn(200000) - 100000);
    int64_t lon = 113620000 + (insts[i].far ? 600000 : rn(200000) - 100000);
    bt(st_geo, 1, insts[i].code), bi(st_geo, 2, lat), bi(st_geo, 3, lon);
    run(st_geo, "geo");
    for (int d = 0; d < 5; d++) {
      char dr[24];
      sprintf(dr, "D%s%02d", insts[i].code + 1, d);
      bt(st_doc, 1, dr), bt(st_doc, 2, insts[i].code);
      run(st_doc, "doctor");
    }
  }
  /* institution 0 bills acupuncture under its own code on many visits first (the switching mode) */
  for (int64_t k = 1; k <= persons; k++) {
    int inject = -1;
    if (k > 50 && rn(1000) < per_mille) inject = rn(K_N);
    person(k, inject);
  }
  sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
  printf("persons: %lld\nvisits: %lld\nlines: %lld\nlabels: %lld\n", (long long)persons, (long long)n_visit,
         (long long)n_line, (long long)n_label);
  sqlite3_stmt *all[] = {st_psn, st_inst, st_geo, st_doc, st_visit, st_fee, st_setl, st_chk, st_lab};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) sqlite3_finalize(all[i]);
  sqlite3_close(db);
  return 0;
}
