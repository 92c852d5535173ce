/* store_sqlite.c — store.h on SQLite: WAL, synchronous=FULL, foreign keys on, prepared
 * statements only (one cached set per connection), schema migrations at open, and a writer
 * thread that commits queued jobs in batches (group commit). */
#include "store.h"
#include "store_sqlite.h"
#include "store_sqlite_wal.h"
#include "store_sqlite_cache.h"

#include <pthread.h>
#include <sched.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

/* ---- schema ------------------------------------------------------------------------------ */
/* msglog.mkey in SQL, as msg_key() computes it: the msgid after a leading fixmedins_code */
#define MSG_KEY_SQL                                                                               \
  "CASE WHEN substr(msgid,1,length(fixmedins_code))=fixmedins_code"                               \
  " THEN substr(msgid,length(fixmedins_code)+1) ELSE msgid END"
static const char *const store_migrations[] = {
    /* 1: initial schema */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE seq(name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "CREATE TABLE person(psn_no TEXT PRIMARY KEY, psn_cert_type TEXT NOT NULL, certno TEXT NOT NULL,"
    " psn_name TEXT NOT NULL, gend TEXT NOT NULL, naty TEXT NOT NULL DEFAULT '', brdy TEXT NOT NULL,"
    " card_no TEXT NOT NULL DEFAULT '', card_sn TEXT NOT NULL DEFAULT '', ecert TEXT NOT NULL DEFAULT '',"
    " insuplc_admdvs TEXT NOT NULL, emp_name TEXT NOT NULL DEFAULT '', cvlserv_flag TEXT NOT NULL DEFAULT '0',"
    " family_psn_no TEXT REFERENCES person(psn_no), death_date TEXT NOT NULL DEFAULT '',"
    " acct_balc INTEGER NOT NULL DEFAULT 0 CHECK(acct_balc >= 0));"
    "CREATE UNIQUE INDEX person_cert ON person(psn_cert_type, certno);"
    "CREATE INDEX person_card ON person(card_no) WHERE card_no <> '';"
    "CREATE INDEX person_ecert ON person(ecert) WHERE ecert <> '';"
    "CREATE TABLE enrollment(psn_no TEXT NOT NULL REFERENCES person, year INTEGER NOT NULL,"
    " insutype TEXT NOT NULL, psn_type TEXT NOT NULL, psn_insu_stas TEXT NOT NULL DEFAULT '1',"
    " psn_insu_date TEXT NOT NULL DEFAULT '', paus_insu_date TEXT NOT NULL DEFAULT '',"
    " wait_until TEXT NOT NULL DEFAULT '', wait_reason TEXT NOT NULL DEFAULT '',"
    " ci_cap_raise INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(psn_no, year, insutype)) WITHOUT ROWID;"
    "CREATE TABLE person_idet(psn_no TEXT NOT NULL REFERENCES person, psn_idet_type TEXT NOT NULL,"
    " psn_type_lv TEXT NOT NULL DEFAULT '', begntime TEXT NOT NULL, endtime TEXT NOT NULL DEFAULT '',"
    " memo TEXT NOT NULL DEFAULT '', PRIMARY KEY(psn_no, psn_idet_type, begntime)) WITHOUT ROWID;"
    "CREATE TABLE person_dise(psn_no TEXT NOT NULL REFERENCES person, dise_codg TEXT NOT NULL,"
    " dise_name TEXT NOT NULL, kind TEXT NOT NULL, begndate TEXT NOT NULL, enddate TEXT NOT NULL DEFAULT '',"
    " PRIMARY KEY(psn_no, dise_codg)) WITHOUT ROWID;"
    "CREATE TABLE person_filing(psn_no TEXT NOT NULL REFERENCES person, filing_type TEXT NOT NULL,"
    " admvs TEXT NOT NULL, begndate TEXT NOT NULL, enddate TEXT NOT NULL DEFAULT '',"
    " PRIMARY KEY(psn_no, admvs, begndate)) WITHOUT ROWID;"
    "CREATE TABLE institution(fixmedins_code TEXT PRIMARY KEY, fixmedins_name TEXT NOT NULL,"
    " hosp_lv INTEGER NOT NULL CHECK(hosp_lv BETWEEN 0 AND 3), hosp_lv_code TEXT NOT NULL,"
    " medins_type TEXT NOT NULL, admdvs TEXT NOT NULL, secret TEXT NOT NULL,"
    " sign_scheme TEXT NOT NULL DEFAULT 'hmac' CHECK(sign_scheme IN ('hmac','tif','api')),"
    " access_key TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE catalog(version TEXT PRIMARY KEY, loaded_at TEXT NOT NULL, body TEXT NOT NULL);"
    "CREATE TABLE policy(region TEXT NOT NULL, year INTEGER NOT NULL, version TEXT NOT NULL,"
    " loaded_at TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY(region, year, version));"
    "CREATE TABLE visit(mdtrt_id TEXT PRIMARY KEY, psn_no TEXT NOT NULL REFERENCES person,"
    " fixmedins_code TEXT NOT NULL REFERENCES institution, kind TEXT NOT NULL CHECK(kind IN ('otp','ipt')),"
    " insutype TEXT NOT NULL, med_type TEXT NOT NULL, ipt_otp_no TEXT NOT NULL, begntime TEXT NOT NULL,"
    " endtime TEXT NOT NULL DEFAULT '', dise_codg TEXT NOT NULL DEFAULT '', dise_name TEXT NOT NULL DEFAULT '',"
    " diag TEXT NOT NULL DEFAULT '', state INTEGER NOT NULL, info TEXT NOT NULL DEFAULT '{}');"
    "CREATE INDEX visit_psn ON visit(psn_no, begntime);"
    "CREATE INDEX visit_otp ON visit(fixmedins_code, ipt_otp_no);"
    "CREATE TABLE fee(mdtrt_id TEXT NOT NULL REFERENCES visit, feedetl_sn TEXT NOT NULL,"
    " seq INTEGER NOT NULL, init_feedetl_sn TEXT NOT NULL DEFAULT '', psn_no TEXT NOT NULL,"
    " fixmedins_code TEXT NOT NULL, chrg_bchno TEXT NOT NULL DEFAULT '', med_type TEXT NOT NULL DEFAULT '',"
    " med_list_codg TEXT NOT NULL, medins_list_codg TEXT NOT NULL DEFAULT '', fee_ocur_time TEXT NOT NULL,"
    " dise_codg TEXT NOT NULL DEFAULT '', cnt INTEGER NOT NULL, pric INTEGER NOT NULL, sumamt INTEGER NOT NULL,"
    " hosp_appr_flag INTEGER NOT NULL DEFAULT 0, state INTEGER NOT NULL DEFAULT 1, setl_id TEXT,"
    " body TEXT NOT NULL, result TEXT NOT NULL, PRIMARY KEY(mdtrt_id, feedetl_sn)) WITHOUT ROWID;"
    "CREATE INDEX fee_setl ON fee(setl_id) WHERE setl_id IS NOT NULL;"
    "CREATE INDEX fee_psn ON fee(psn_no, fee_ocur_time);"
    "CREATE TABLE settlement(setl_id TEXT PRIMARY KEY, mdtrt_id TEXT NOT NULL REFERENCES visit,"
    " psn_no TEXT NOT NULL REFERENCES person, fixmedins_code TEXT NOT NULL, infno TEXT NOT NULL,"
    " msgid TEXT NOT NULL, insutype TEXT NOT NULL, med_type TEXT NOT NULL, clr_type TEXT NOT NULL,"
    " year INTEGER NOT NULL, setl_time TEXT NOT NULL, chrg_bchno TEXT NOT NULL DEFAULT '',"
    " orig_setl_id TEXT NOT NULL DEFAULT '', family_psn_no TEXT NOT NULL DEFAULT '',"
    " refd_setl_flag INTEGER NOT NULL DEFAULT 0, state INTEGER NOT NULL DEFAULT 1,"
    " medfee_sumamt INTEGER NOT NULL, fund_pay_sumamt INTEGER NOT NULL, acct_pay INTEGER NOT NULL,"
    " acct_mulaid_pay INTEGER NOT NULL, psn_cash_pay INTEGER NOT NULL, setlinfo TEXT NOT NULL,"
    " setldetail TEXT NOT NULL, trace TEXT NOT NULL, accum_delta TEXT NOT NULL);"
    "CREATE INDEX setl_psn ON settlement(psn_no, year);"
    "CREATE INDEX setl_inst ON settlement(fixmedins_code, setl_time);"
    "CREATE INDEX setl_visit ON settlement(mdtrt_id);"
    "CREATE TABLE setl_detail(setl_id TEXT NOT NULL REFERENCES settlement, psn_no TEXT NOT NULL,"
    " seq INTEGER NOT NULL, fund_pay_type TEXT NOT NULL, fund_pay_type_name TEXT NOT NULL,"
    " inscp_scp_amt INTEGER NOT NULL, crt_payb_lmt_amt INTEGER NOT NULL, fund_payamt INTEGER NOT NULL,"
    " PRIMARY KEY(setl_id, seq)) WITHOUT ROWID;"
    "CREATE TABLE accum(psn_no TEXT NOT NULL REFERENCES person, year INTEGER NOT NULL, bucket TEXT NOT NULL,"
    " period INTEGER NOT NULL, value INTEGER NOT NULL, PRIMARY KEY(psn_no, year, bucket, period)) WITHOUT ROWID;"
    "CREATE TABLE msglog(fixmedins_code TEXT NOT NULL, msgid TEXT NOT NULL, infno TEXT NOT NULL,"
    " req_hash TEXT NOT NULL, psn_no TEXT NOT NULL DEFAULT '', response TEXT NOT NULL, created_at TEXT NOT NULL,"
    " PRIMARY KEY(fixmedins_code, msgid)) WITHOUT ROWID;"
    "CREATE TABLE signin(sign_no TEXT PRIMARY KEY, fixmedins_code TEXT NOT NULL REFERENCES institution,"
    " opter_no TEXT NOT NULL, mac TEXT NOT NULL, ip TEXT NOT NULL, sign_time TEXT NOT NULL,"
    " signout_time TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX signin_opter ON signin(fixmedins_code, opter_no);"
    "CREATE TABLE write_log(id INTEGER PRIMARY KEY, at TEXT NOT NULL, fixmedins_code TEXT NOT NULL,"
    " opter TEXT NOT NULL, infno TEXT NOT NULL, msgid TEXT NOT NULL, psn_no TEXT NOT NULL, what TEXT NOT NULL);"
    "CREATE TRIGGER write_log_no_update BEFORE UPDATE ON write_log BEGIN SELECT RAISE(ABORT, 'write_log is append-only'); END;"
    "CREATE TRIGGER write_log_no_delete BEFORE DELETE ON write_log BEGIN SELECT RAISE(ABORT, 'write_log is append-only'); END;",
    /* 2: index only what queries need: two person-keyed indexes no query used cost a scattered
     * page write per settlement (5205 reaches fee lines through the person's visits) */
    "DROP INDEX setl_psn; DROP INDEX fee_psn;",
    /* 3: areas keep their own schema versions; the records that several areas share: doctors
     * registered to institutions, dialysis check-ins, and the generator's ground-truth labels
     * of injected fraud (empty in a real region) */
    "CREATE TABLE schema_area(name TEXT PRIMARY KEY, version INTEGER NOT NULL);"
    "CREATE TABLE doctor(dr_code TEXT PRIMARY KEY, fixmedins_code TEXT NOT NULL REFERENCES institution,"
    " dr_name TEXT NOT NULL, dept TEXT NOT NULL DEFAULT '', begndate TEXT NOT NULL,"
    " enddate TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX doctor_inst ON doctor(fixmedins_code);"
    "CREATE TABLE institution_geo(fixmedins_code TEXT PRIMARY KEY REFERENCES institution,"
    " town TEXT NOT NULL DEFAULT '', lat_e6 INTEGER NOT NULL, lon_e6 INTEGER NOT NULL);"
    "CREATE TABLE dialysis_checkin(psn_no TEXT NOT NULL REFERENCES person, fixmedins_code TEXT NOT NULL,"
    " checkin_time TEXT NOT NULL, PRIMARY KEY(psn_no, checkin_time, fixmedins_code)) WITHOUT ROWID;"
    "CREATE TABLE fraud_label(label_id INTEGER PRIMARY KEY, kind TEXT NOT NULL, psn_no TEXT NOT NULL,"
    " fixmedins_code TEXT NOT NULL, mdtrt_id TEXT NOT NULL DEFAULT '', setl_id TEXT NOT NULL DEFAULT '',"
    " feedetl_sn TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX fraud_label_kind ON fraud_label(kind);",
    /* 4: msglog as a rowid table, same columns and key. As WITHOUT ROWID (an index b-tree) a row
     * over ~1 000 bytes spilled to a 4 KiB overflow page of its own: every 2204 and 2207 reply. A
     * table leaf holds rows up to ~4 000 bytes inline, and the key lives in a small index. */
    "CREATE TEMP TABLE msglog_v3 AS SELECT * FROM msglog;"
    "DROP TABLE msglog;"
    "CREATE TABLE msglog(fixmedins_code TEXT NOT NULL, msgid TEXT NOT NULL, infno TEXT NOT NULL,"
    " req_hash TEXT NOT NULL, psn_no TEXT NOT NULL DEFAULT '', response TEXT NOT NULL, created_at TEXT NOT NULL,"
    " PRIMARY KEY(fixmedins_code, msgid));"
    "INSERT INTO msglog SELECT fixmedins_code,msgid,infno,req_hash,psn_no,response,created_at FROM temp.msglog_v3;"
    "DROP TABLE temp.msglog_v3;",
    /* 5: a cancelled line whose feedetl_sn is uploaded again (2205 and 2302 remove lines, so the
     * HIS may send the same serial) moves here, as it was uploaded and answered, with when */
    "CREATE TABLE fee_void(mdtrt_id TEXT NOT NULL REFERENCES visit, seq INTEGER NOT NULL,"
    " feedetl_sn TEXT NOT NULL, psn_no TEXT NOT NULL, fixmedins_code TEXT NOT NULL, body TEXT NOT NULL,"
    " result TEXT NOT NULL, replaced_at TEXT NOT NULL, PRIMARY KEY(mdtrt_id, seq)) WITHOUT ROWID;",
    /* 6: the file exchange (9101 uploads, 3202's result files, 9102 downloads) */
    "CREATE TABLE hsi_file(file_qury_no TEXT PRIMARY KEY, fixmedins_code TEXT NOT NULL, filename TEXT NOT NULL,"
    " kind TEXT NOT NULL CHECK(kind IN ('upload','result')), body BLOB NOT NULL, created_at TEXT NOT NULL,"
    " dld_endtime TEXT NOT NULL);",
    /* 7: msglog keyed by time. Its rows and its key index were two b-trees with one insertion
     * point a terminal each (fixmedins_code, then a msgid that grows): 15-22 of a commit's ~70 pages.
     * Now the rows are the key's b-tree, led by `mkey`, the msgid without the leading
     * fixmedins_code the national format puts there (institution code + yyyyMMddHHmmss + serial),
     * so every terminal's writes go to one right edge. (mkey, fixmedins_code, msgid) is unique
     * exactly when (fixmedins_code, msgid) is: mkey is a function of the two. The key's columns
     * come first: with them declared after others, SQLite 3.40's integrity_check reports NOT NULL
     * columns of every row as NULL (the rows read right; tried). */
    "ALTER TABLE msglog RENAME TO msglog_v6;" /* copied once, not through a temporary table */
    "CREATE TABLE msglog(mkey TEXT NOT NULL, fixmedins_code TEXT NOT NULL, msgid TEXT NOT NULL,"
    " infno TEXT NOT NULL, req_hash TEXT NOT NULL, psn_no TEXT NOT NULL DEFAULT '', response TEXT NOT NULL,"
    " created_at TEXT NOT NULL, PRIMARY KEY(mkey, fixmedins_code, msgid)) WITHOUT ROWID;"
    "INSERT INTO msglog SELECT " MSG_KEY_SQL ", fixmedins_code,msgid,infno,req_hash,psn_no,response,created_at"
    " FROM msglog_v6;"
    "DROP TABLE msglog_v6;",
};

/* The areas built in (see store_sqlite.h); a new area adds its line here. */
extern const store_area store_area_admin;
extern const store_area store_area_console;
extern const store_area store_area_audit;
extern const store_area store_area_dip;
extern const store_area store_area_enroll;
extern const store_area store_area_gen;
const store_area *const store_areas[STORE_AREA_MAX] = {
    [STORE_AREA_ADMIN] = &store_area_admin,
    [STORE_AREA_ENROLL] = &store_area_enroll,
    [STORE_AREA_AUDIT] = &store_area_audit,
    [STORE_AREA_CONSOLE] = &store_area_console,
    [STORE_AREA_DIP] = &store_area_dip,
    [STORE_AREA_GEN] = &store_area_gen,
};
#define STORE_NMIGRATIONS ((int)(sizeof store_migrations / sizeof store_migrations[0]))
_Static_assert(STORE_NMIGRATIONS == STORE_SCHEMA_VERSION, "one migration per schema version");

#define NOW_SQL "strftime('%Y-%m-%d %H:%M:%f','now')"
#define PERSON_COLS                                                                             \
  "psn_no,psn_cert_type,certno,psn_name,gend,naty,brdy,card_no,card_sn,ecert,insuplc_admdvs," \
  "emp_name,cvlserv_flag,coalesce(family_psn_no,''),death_date,acct_balc"
#define VISIT_COLS                                                                             \
  "mdtrt_id,psn_no,fixmedins_code,kind,insutype,med_type,ipt_otp_no,begntime,endtime,dise_codg," \
  "dise_name,diag,state"
#define FEE_COLS_ROW                                                                           \
  "mdtrt_id,feedetl_sn,init_feedetl_sn,psn_no,fixmedins_code,chrg_bchno,med_type,med_list_codg," \
  "medins_list_codg,fee_ocur_time,dise_codg,coalesce(setl_id,''),cnt,pric,sumamt,hosp_appr_flag,state"
#define FEE_COLS FEE_COLS_ROW ",body,result"
/* for store_fee_each: STORE_FEE_NO_TEXT (?3 & 8) gives body and result as '', so neither is copied
 * into the ORDER BY's sorter (a 4 000-line stay's texts are ~4 MB) */
#define FEE_COLS_LEAN FEE_COLS_ROW ",CASE WHEN ?3&8 THEN '' ELSE body END,CASE WHEN ?3&8 THEN '' ELSE result END"
#define SETL_COLS                                                                              \
  "setl_id,mdtrt_id,psn_no,fixmedins_code,infno,msgid,insutype,med_type,clr_type,setl_time,"    \
  "chrg_bchno,orig_setl_id,family_psn_no,year,refd_setl_flag,state,medfee_sumamt,"             \
  "fund_pay_sumamt,acct_pay,acct_mulaid_pay,psn_cash_pay,setlinfo,setldetail,trace,accum_delta"

/* Every statement yibao runs, prepared once per connection. */
#define STORE_SQL(X)                                                                            \
  X(BEGIN, "BEGIN IMMEDIATE")                                                                   \
  X(DATA_VERSION, "PRAGMA data_version")                                                        \
  X(BEGIN_READ, "BEGIN")                                                                        \
  X(COMMIT, "COMMIT")                                                                           \
  X(ROLLBACK, "ROLLBACK")                                                                       \
  X(SAVEPOINT, "SAVEPOINT job")                                                                 \
  X(ROLLBACK_TO, "ROLLBACK TO job")                                                             \
  X(RELEASE, "RELEASE job")                                                                     \
  X(PERSON_GET, "SELECT " PERSON_COLS " FROM person WHERE psn_no=?1")                           \
  X(PERSON_BY_CERT, "SELECT " PERSON_COLS " FROM person WHERE certno=?1 ORDER BY psn_cert_type LIMIT 1") \
  X(PERSON_BY_CARD, "SELECT " PERSON_COLS " FROM person WHERE card_no=?1 AND card_no<>''")      \
  X(PERSON_BY_ECERT, "SELECT " PERSON_COLS " FROM person WHERE ecert=?1 AND ecert<>''")         \
  X(PERSON_PUT, "INSERT OR REPLACE INTO person(" PERSON_COLS_INS ") VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,nullif(?14,''),?15,?16)") \
  X(ACCT_ADD, "UPDATE person SET acct_balc=acct_balc+?2 WHERE psn_no=?1 AND acct_balc+?2>=0")   \
  X(ENROLL_PUT, "INSERT OR REPLACE INTO enrollment VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)")     \
  X(ENROLL_GET, "SELECT * FROM enrollment WHERE psn_no=?1 AND year=?2 AND insutype=?3")         \
  X(ENROLL_YEAR, "SELECT * FROM enrollment WHERE psn_no=?1 AND year=(CASE WHEN ?2>0 THEN ?2 ELSE (SELECT max(year) FROM enrollment WHERE psn_no=?1) END) ORDER BY insutype") \
  X(IDET_PUT, "INSERT OR REPLACE INTO person_idet VALUES(?1,?2,?3,?4,?5,?6)")                   \
  X(IDET_EACH, "SELECT * FROM person_idet WHERE psn_no=?1 ORDER BY begntime")                   \
  X(DISE_PUT, "INSERT OR REPLACE INTO person_dise VALUES(?1,?2,?3,?4,?5,?6)")                   \
  X(DISE_EACH, "SELECT * FROM person_dise WHERE psn_no=?1 ORDER BY dise_codg")                  \
  X(FILING_PUT, "INSERT OR REPLACE INTO person_filing VALUES(?1,?2,?3,?4,?5)")                  \
  X(FILING_EACH, "SELECT * FROM person_filing WHERE psn_no=?1 ORDER BY begndate")               \
  X(INST_PUT, "INSERT OR REPLACE INTO institution VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)")          \
  X(INST_GET, "SELECT * FROM institution WHERE fixmedins_code=?1")                              \
  X(INST_EACH, "SELECT * FROM institution ORDER BY fixmedins_code")                             \
  X(POLICY_PUT, "INSERT OR REPLACE INTO policy VALUES(?1,?2,?3," NOW_SQL ",?4)")                \
  X(POLICY_EACH, "SELECT region,year,version,body FROM policy ORDER BY region,year,loaded_at")  \
  X(CATALOG_PUT, "INSERT OR REPLACE INTO catalog VALUES(?1," NOW_SQL ",?2)")                    \
  X(CATALOG_LATEST, "SELECT body FROM catalog ORDER BY loaded_at DESC, version DESC LIMIT 1")   \
  X(META_SET, "INSERT OR REPLACE INTO meta VALUES(?1,?2)")                                      \
  X(META_GET, "SELECT value FROM meta WHERE key=?1")                                            \
  X(SEQ_GET, "SELECT value FROM seq WHERE name=?1")                                           \
  X(SEQ_SET, "INSERT INTO seq VALUES(?1,?2) ON CONFLICT(name) DO UPDATE SET value=excluded.value") \
  X(SEQ_NEXT, "INSERT INTO seq VALUES(?1,1) ON CONFLICT(name) DO UPDATE SET value=value+1 RETURNING value") \
  X(VISIT_PUT, "INSERT INTO visit VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)") \
  X(VISIT_UPDATE, "UPDATE visit SET med_type=?2,endtime=?3,dise_codg=?4,dise_name=?5,diag=?6,state=?10,info=coalesce(?11,info) WHERE mdtrt_id=?1") \
  X(VISIT_AMEND, "UPDATE visit SET med_type=?2,endtime=?3,dise_codg=?4,dise_name=?5,diag=?6,insutype=?7,ipt_otp_no=?8,begntime=?9,state=?10,info=coalesce(?11,info) WHERE mdtrt_id=?1") \
  X(VISIT_GET, "SELECT " VISIT_COLS ",info FROM visit WHERE mdtrt_id=?1")                       \
  X(VISIT_OTP, "SELECT " VISIT_COLS ",'' FROM visit WHERE fixmedins_code=?1 AND ipt_otp_no=?2 AND state<>0") \
  X(VISIT_EACH, "SELECT " VISIT_COLS ",info FROM visit WHERE psn_no=?1 AND begntime BETWEEN ?2 AND ?3 ORDER BY begntime") \
  X(FEE_PUT, "INSERT INTO fee VALUES(?1,?2,?19,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,NULL,?17,?18)") \
  X(FEE_MAXSEQ, "SELECT coalesce(max(seq),0) FROM fee WHERE mdtrt_id=?1")                      \
  X(FEE_BATCH, "SELECT count(*),count(setl_id),coalesce(min(dise_codg),''),coalesce(max(dise_codg),'') FROM fee WHERE mdtrt_id=?1 AND chrg_bchno=?2 AND state=1") \
  X(FEE_GET, "SELECT " FEE_COLS " FROM fee WHERE mdtrt_id=?1 AND feedetl_sn=?2")                \
  X(FEE_EACH, "SELECT " FEE_COLS_LEAN " FROM fee WHERE mdtrt_id=?1 AND (?2 IS NULL OR chrg_bchno=?2) AND (?3&1=0 OR state=1) AND (?3&2=0 OR setl_id IS NULL) AND (?3&4=0 OR cnt<0) ORDER BY seq") \
  X(FEE_EACH_SETL, "SELECT " FEE_COLS " FROM fee WHERE setl_id=?1 ORDER BY mdtrt_id, seq")      \
  X(FEE_EACH_PSN, "SELECT " FEE_COLS " FROM fee WHERE mdtrt_id IN (SELECT mdtrt_id FROM visit WHERE psn_no=?1) AND state=1 AND (?2='' OR med_type=?2) AND fee_ocur_time BETWEEN ?3 AND ?4 ORDER BY fee_ocur_time") \
  X(FEE_CANCEL, "UPDATE fee SET state=0 WHERE mdtrt_id=?1 AND feedetl_sn=?2 AND state=1 AND setl_id IS NULL") \
  X(FEE_VOID_COPY, "INSERT INTO fee_void SELECT mdtrt_id,seq,feedetl_sn,psn_no,fixmedins_code,body,result,?3"    \
                   " FROM fee WHERE mdtrt_id=?1 AND feedetl_sn=?2 AND state=0")                       \
  X(FILE_PUT, "INSERT INTO hsi_file VALUES(?1,?2,?3,?4,?5,?6,?7)")                              \
  X(FILE_GET, "SELECT fixmedins_code,filename,kind,body,created_at,dld_endtime FROM hsi_file WHERE file_qury_no=?1") \
  X(FEE_VOID_DEL, "DELETE FROM fee WHERE mdtrt_id=?1 AND feedetl_sn=?2 AND state=0")            \
  X(FEE_SETTLE, "UPDATE fee SET setl_id=?3 WHERE " FEE_SETTLE_WHERE)                          \
  X(FEE_SETTLE_ALL, "UPDATE fee SET setl_id=?3 WHERE " FEE_SETTLE_ALL_WHERE)                  \
  X(FEE_UNSETTLE, "UPDATE fee SET setl_id=NULL WHERE setl_id=?1")                               \
  X(FEE_SETTLE_SUMS, "SELECT " FEE_CONSOLE " FROM fee WHERE " FEE_SETTLE_WHERE)                 \
  X(FEE_SETTLE_ALL_SUMS, "SELECT " FEE_CONSOLE " FROM fee WHERE " FEE_SETTLE_ALL_WHERE)         \
  X(FEE_UNSETTLE_SUMS, "SELECT " FEE_CONSOLE " FROM fee WHERE setl_id=?1")                      \
  X(SETL_PUT, "INSERT INTO settlement(" SETL_COLS ") VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25)") \
  X(SETL_GET, "SELECT " SETL_COLS " FROM settlement WHERE setl_id=?1")                          \
  X(SETL_CANCEL, "UPDATE settlement SET state=0 WHERE setl_id=?1 AND state=1 AND refd_setl_flag=0") \
  X(SETL_DETAIL_PUT, "INSERT INTO setl_detail VALUES(?1,?2,?3,?4,?5,?6,?7,?8)")                 \
  X(SETL_COUNT_VISIT, "SELECT count(*) FROM settlement WHERE mdtrt_id=?1 AND state=1 AND refd_setl_flag=0") \
  X(SETL_TOTALS, "SELECT coalesce(sum(medfee_sumamt),0),coalesce(sum(fund_pay_sumamt),0),coalesce(sum(acct_pay+acct_mulaid_pay),0),coalesce(sum(psn_cash_pay),0),count(*) FROM settlement WHERE fixmedins_code=?1 AND (?2='' OR insutype=?2) AND (?3='' OR clr_type=?3) AND setl_time BETWEEN ?4 AND ?5 AND (?6<0 OR refd_setl_flag=?6)") \
  X(SETL_EACH_INST, "SELECT " SETL_COLS " FROM settlement WHERE fixmedins_code=?1 AND setl_time BETWEEN ?2 AND ?3 ORDER BY setl_time, setl_id") \
  X(ACCUM_EACH, "SELECT bucket,period,value FROM accum WHERE psn_no=?1 AND year=?2 ORDER BY bucket,period") \
  X(ACCUM_SET, "INSERT INTO accum VALUES(?1,?2,?3,?4,?5) ON CONFLICT DO UPDATE SET value=excluded.value") \
  X(MSG_GET, "SELECT infno,req_hash,psn_no,response FROM msglog WHERE mkey=?3 AND fixmedins_code=?1"  \
             " AND msgid=?2")                                                                   \
  X(MSG_PUT, "INSERT INTO msglog VALUES(?8,?1,?2,?3,?4,?5,?6,?7)")                             \
  X(SIGNIN_PUT, "INSERT INTO signin VALUES(?1,?2,?3,?4,?5,?6,'')")                              \
  X(SIGNIN_FIND, "SELECT sign_no FROM signin WHERE fixmedins_code=?1 AND opter_no=?2 AND signout_time='' AND substr(sign_time,1,10)=?3 ORDER BY sign_time DESC LIMIT 1") \
  X(SIGNIN_OUT, "UPDATE signin SET signout_time=?3 WHERE fixmedins_code=?1 AND opter_no=?2 AND signout_time=''") \
  X(SIGNIN_ACTIVE, "SELECT sign_no,fixmedins_code,opter_no FROM signin WHERE signout_time=''")   \
  X(LOG_PUT, "INSERT INTO write_log(at,fixmedins_code,opter,infno,msgid,psn_no,what) VALUES(?7,?1,?2,?3,?4,?5,?6)")

/* The lines an UPDATE of setl_id changes, read first for the console's item sums
 * (store_console_on_fees). A RETURNING clause would be a trigger of its own to SQLite. */
#define FEE_CONSOLE "med_list_codg, cnt>0, sumamt, substr(fee_ocur_time,1,4)"
#define FEE_SETTLE_WHERE "mdtrt_id=?1 AND feedetl_sn=?2 AND state=1 AND setl_id IS NULL"
#define FEE_SETTLE_ALL_WHERE "mdtrt_id=?1 AND (?2 IS NULL OR chrg_bchno=?2) AND state=1 AND setl_id IS NULL"
#define PERSON_COLS_INS                                                                         \
  "psn_no,psn_cert_type,certno,psn_name,gend,naty,brdy,card_no,card_sn,ecert,insuplc_admdvs," \
  "emp_name,cvlserv_flag,family_psn_no,death_date,acct_balc"

enum {
#define ST_ENUM(name, sql) ST_##name,
  STORE_SQL(ST_ENUM)
#undef ST_ENUM
      ST_COUNT
};
static const char *const store_sql[] = {
#define ST_TEXT(name, sql) sql,
    STORE_SQL(ST_TEXT)
#undef ST_TEXT
};

/* The writer's sequences during a batch: read once, counted in memory, written back once before
 * the COMMIT (a sequence's row was updated by every id before). A job's SAVEPOINT rollback
 * restores them; a failed batch forgets them (the next batch reads the rows again). */
#define SEQ_CACHE 8
typedef struct seq_slot {
  char name[32];
  int64_t value, saved; /* saved: at the job's SAVEPOINT */
} seq_slot;

struct store_conn {
  sqlite3 *db;
  sqlite3_stmt *st[ST_COUNT];
  int in_batch, n_seq, n_seq_saved;
  seq_slot seq[SEQ_CACHE];
  store_console_sums *sums; /* the console's pending deltas (store_sqlite_console.c) */
  sqlite3_stmt **area_st[STORE_AREA_MAX]; /* each area's statements, allocated on first use */
  store_conn *next_reader;
  store_cache *cache;      /* the writer's: rows its jobs read again (store_sqlite_cache.h) */
  int64_t data_version;    /* PRAGMA data_version at the last batch: another connection wrote */
};

/* A batch of at least CUT jobs commits between two jobs as soon as the syncer is idle; the jobs
 * after the cut go back to the queue's front and begin the next batch. Otherwise one batch took
 * in every write that arrived while it ran, so all of them then waited for one fdatasync and came
 * back together, and the writer and the disk took turns: over 1 s of bench-settle (a throwaway
 * trace of batch and sync times) the writer ran 56-61 % of the time and the syncer 32 %, both
 * at once only 11-12 %. With the cut, the next batch runs while the last one syncs (both at once
 * ~30 %, the writer 79-90 %). Smaller cuts cost more than they give: every commit writes each page
 * it touched, so 1-4 jobs a commit (tried in sessions 17 and 23) wrote more bytes and CPU a write.
 * With one HTTP worker, 32 settled more than 24 in 10 of 12 alternated pairs (~4 %); 16, 28, 36
 * and 40 no better. */
#ifndef STORE_BATCH_CUT
#define STORE_BATCH_CUT 32
#endif
struct store {
  char *path;
  store_conn *w;
  pthread_mutex_t mu;
  pthread_cond_t cv, ckpt_cv;
  store_job *head, *tail;
  int stop, running;
  pthread_t thread, ckpt_thread;
  store_conn *ckpt;         /* the checkpointer's connection */
  uint64_t ckpt_seen;       /* batches at the last checkpoint */
  _Atomic int wal_frames;   /* frames in the WAL after the writer's last commit (its wal hook) */
  _Atomic int ckpt_done;    /* of those, copied into the database by the checkpointer's last pass */
  _Atomic uint64_t resets;  /* WAL restarts the writer brought about */
  _Atomic uint64_t redos;   /* batches rolled back and run again for a bare job that failed */
  pthread_key_t rkey;
  store_conn *readers;
  uint64_t batches, jobs;
  /* YB_STORE_TIMING: the writer's time running jobs (of which waiting for more), committing and
   * idle; the syncer's in fdatasync; a job's mean wait in the queue, in its batch, and from its
   * COMMIT until durable (summed over lat_jobs jobs) */
  uint64_t run_ns, linger_ns, commit_ns, idle_ns, syncs, sync_ns;
  uint64_t lat_queue_ns, lat_batch_ns, lat_sync_ns, lat_jobs;
  uint64_t unkeyed_run;             /* writer thread only */
  _Atomic uint64_t unkeyed_done;
  /* syncer: batches committed but not yet on disk; sync_busy while it holds any (in its fdatasync
   * or answering them), read by the writer without the lock to decide where a batch ends */
  int wal_fd, sync_stop;
  _Atomic int sync_busy;
  int batch_cut;            /* STORE_BATCH_CUT, or store_batch_cut's */
  pthread_t sync_thread;
  pthread_cond_t sync_cv;
  store_job *sync_head, *sync_tail;
};

static int dberr(store_conn *c, yb_err *e, const char *what) {
  return yb_fail(e, YB_ESTORE, "", "%s: %s", what, c && c->db ? sqlite3_errmsg(c->db) : "no db");
}

static sqlite3_stmt *stmt(store_conn *c, int id, yb_err *e) {
  if (!c->st[id]) {
    if (sqlite3_prepare_v3(c->db, store_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &c->st[id], NULL) !=
        SQLITE_OK) {
      dberr(c, e, "prepare");
      return NULL;
    }
  }
  return c->st[id];
}

sqlite3 *store_sqlite_db(store_conn *c) { return c->db; }
store_console_sums **store_sqlite_console_sums(store_conn *c) { return &c->sums; }
int store_sqlite_err(store_conn *c, yb_err *e, const char *what) { return dberr(c, e, what); }

sqlite3_stmt *store_sqlite_stmt(store_conn *c, const store_area *a, int id, yb_err *e) {
  if (!c->area_st[a->id]) {
    c->area_st[a->id] = calloc((size_t)a->n_sql, sizeof(sqlite3_stmt *));
    if (!c->area_st[a->id]) {
      yb_fail(e, YB_ENOMEM, "", "out of memory");
      return NULL;
    }
  }
  sqlite3_stmt **slot = &c->area_st[a->id][id];
  if (!*slot &&
      sqlite3_prepare_v3(c->db, a->sql[id], -1, SQLITE_PREPARE_PERSISTENT, slot, NULL) != SQLITE_OK) {
    dberr(c, e, a->name);
    return NULL;
  }
  return *slot;
}

/* Bind helpers: text (NULL binds NULL), int64. */
static void bt(sqlite3_stmt *s, int i, const char *v) {
  if (v)
    sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(s, i);
}
static void bi(sqlite3_stmt *s, int i, int64_t v) { sqlite3_bind_int64(s, i, v); }

static void ct(sqlite3_stmt *s, int col, char *out, size_t cap) {
  const unsigned char *t = sqlite3_column_text(s, col); /* copied, cut to cap like snprintf */
  size_t n = t ? (size_t)sqlite3_column_bytes(s, col) : 0;
  if (n >= cap) n = cap - 1;
  if (n) memcpy(out, t, n);
  out[n] = 0;
}
static const char *cs(sqlite3_stmt *s, int col) {
  const unsigned char *t = sqlite3_column_text(s, col);
  return t ? (const char *)t : "";
}
static int64_t ci(sqlite3_stmt *s, int col) { return sqlite3_column_int64(s, col); }
static char *cdup(sqlite3_stmt *s, int col) { return strdup(cs(s, col)); }

/* Step a statement that returns no rows; reset it. */
static int run_done(store_conn *c, sqlite3_stmt *s, yb_err *e, const char *what) {
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  if (rc == SQLITE_DONE || rc == SQLITE_ROW) return 0;
  if ((rc & 0xff) == SQLITE_CONSTRAINT)
    return yb_fail(e, YB_ECONFLICT, "", "%s: %s", what, sqlite3_errmsg(c->db));
  return dberr(c, e, what);
}

static void finish(sqlite3_stmt *s) {
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
}

static int exec_plain(store_conn *c, const char *sql, yb_err *e) {
  char *msg = NULL;
  if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    yb_fail(e, YB_ESTORE, "", "%s", msg ? msg : "exec failed");
    sqlite3_free(msg);
    return YB_ESTORE;
  }
  return 0;
}

/* The helpers above, for the area files. */
int store_sqlite_done(store_conn *c, sqlite3_stmt *s, yb_err *e, const char *what) {
  return run_done(c, s, e, what);
}
void store_sqlite_reset(sqlite3_stmt *s) { finish(s); }
int store_sqlite_exec(store_conn *c, const char *sql, yb_err *e) { return exec_plain(c, sql, e); }
void store_sqlite_bt(sqlite3_stmt *s, int i, const char *v) { bt(s, i, v); }
void store_sqlite_bi(sqlite3_stmt *s, int i, int64_t v) { bi(s, i, v); }
void store_sqlite_ct(sqlite3_stmt *s, int col, char *out, size_t cap) { ct(s, col, out, cap); }
const char *store_sqlite_cs(sqlite3_stmt *s, int col) { return cs(s, col); }
int64_t store_sqlite_ci(sqlite3_stmt *s, int col) { return ci(s, col); }
char *store_sqlite_cdup(sqlite3_stmt *s, int col) { return cdup(s, col); }

/* reader 1: a read connection; 2: the writer's (its WAL frames go out in one write per commit,
 * store_sqlite_wal.c); 0: the checkpointer's. */
static int conn_open(const char *path, int reader, store_conn **out, yb_err *e) {
  store_conn *c = calloc(1, sizeof *c);
  if (!c) return yb_fail(e, YB_ENOMEM, "", "out of memory");
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const char *no_vfs = getenv("YB_WAL_WRITES"); /* YB_WAL_WRITES=sqlite: SQLite's own writes */
  const char *vfs = reader == 2 && !(no_vfs && !strcmp(no_vfs, "sqlite")) ? store_sqlite_wal_vfs() : NULL;
  int writer = reader == 2;
  if (reader == 2) reader = 0;
  if (sqlite3_open_v2(path, &c->db, flags, vfs) != SQLITE_OK) {
    int rc = yb_fail(e, YB_ESTORE, "db", "cannot open %s: %s", path, sqlite3_errmsg(c->db));
    sqlite3_close(c->db);
    free(c);
    return rc;
  }
  sqlite3_busy_timeout(c->db, 10000);
  store_sqlite_unpack_register(c->db);
  /* secure_delete=FAST: Debian builds SQLite with SQLITE_SECURE_DELETE on, which also writes
   * zeros over every page put on the freelist; FAST zeroes deleted content only where that
   * costs no extra I/O, inside the b-tree pages a write touches anyway (sqlite.org/pragma.html
   * #pragma_secure_delete). bench-settle: writer -3 % instructions a flow. */
  int rc = exec_plain(c,
                      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                      "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16000; PRAGMA secure_delete=FAST;",
                      e);
  if (rc == 0 && reader) rc = exec_plain(c, "PRAGMA query_only=1;", e);
  if (rc == 0 && writer && !(c->cache = store_cache_new(c->db)))
    rc = yb_fail(e, YB_ENOMEM, "", "out of memory");
  if (rc) {
    sqlite3_close(c->db);
    free(c);
    return rc;
  }
  *out = c;
  return 0;
}

static void conn_close(store_conn *c) {
  if (!c) return;
  for (int i = 0; i < ST_COUNT; i++) sqlite3_finalize(c->st[i]);
  for (int a = 0; a < STORE_AREA_MAX; a++) {
    if (!c->area_st[a]) continue;
    for (int i = 0; i < store_areas[a]->n_sql; i++) sqlite3_finalize(c->area_st[a][i]);
    free(c->area_st[a]);
  }
  store_console_free(c);
  store_cache_free(c->cache);
  sqlite3_close(c->db);
  free(c);
}

int store_schema_version(store_conn *c) {
  sqlite3_stmt *s;
  int v = -1;
  if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK) return -1;
  if (sqlite3_step(s) == SQLITE_ROW) v = sqlite3_column_int(s, 0);
  sqlite3_finalize(s);
  return v;
}

static int migrate(store_conn *c, yb_err *e) {
  int v = store_schema_version(c);
  if (v < 0) return dberr(c, e, "user_version");
  if (v > STORE_SCHEMA_VERSION)
    return yb_fail(e, YB_ESTORE, "db", "schema version %d is newer than this yibao (%d)", v,
                   STORE_SCHEMA_VERSION);
  for (; v < STORE_SCHEMA_VERSION; v++) {
    char set[64];
    snprintf(set, sizeof set, "PRAGMA user_version=%d;", v + 1);
    int rc = exec_plain(c, "BEGIN IMMEDIATE", e);
    if (!rc) rc = exec_plain(c, store_migrations[v], e);
    if (!rc) rc = exec_plain(c, set, e);
    if (!rc) rc = exec_plain(c, "COMMIT", e);
    if (rc) {
      exec_plain(c, "ROLLBACK", NULL);
      return rc;
    }
  }
  return 0;
}

/* Bring each built-in area to its latest version, one transaction per migration. */
static int migrate_areas(store_conn *c, yb_err *e) {
  for (int id = 0; id < STORE_AREA_MAX; id++) {
    const store_area *a = store_areas[id];
    if (!a) continue;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(c->db, "SELECT version FROM schema_area WHERE name=?1", -1, &q, NULL))
      return dberr(c, e, "schema_area");
    bt(q, 1, a->name);
    int v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : 0;
    sqlite3_finalize(q);
    if (v > a->n_migrations)
      return yb_fail(e, YB_ESTORE, "db", "area %s: schema version %d is newer than this yibao (%d)",
                     a->name, v, a->n_migrations);
    for (; v < a->n_migrations; v++) {
      char set[160];
      snprintf(set, sizeof set,
               "INSERT INTO schema_area VALUES('%s',%d) ON CONFLICT DO UPDATE SET version=excluded.version;",
               a->name, v + 1);
      int rc = exec_plain(c, "BEGIN IMMEDIATE", e);
      if (!rc) rc = exec_plain(c, a->migrations[v], e);
      if (!rc) rc = exec_plain(c, set, e);
      if (!rc) rc = exec_plain(c, "COMMIT", e);
      if (rc) {
        exec_plain(c, "ROLLBACK", NULL);
        return rc;
      }
    }
  }
  return 0;
}

int store_open(const char *path, store **out, yb_err *e) {
  /* no global memory statistics: every sqlite3_malloc would take a mutex for them (fails
   * harmlessly once SQLite is initialized) */
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  store_sqlite_mem_install(); /* small blocks from per-thread lists (store_sqlite_mem.c) */
  store *s = calloc(1, sizeof *s);
  if (!s) return yb_fail(e, YB_ENOMEM, "", "out of memory");
  s->path = strdup(path);
  pthread_mutex_init(&s->mu, NULL);
  pthread_cond_init(&s->cv, NULL);
  pthread_cond_init(&s->ckpt_cv, NULL);
  pthread_cond_init(&s->sync_cv, NULL);
  s->wal_fd = -1;
  s->batch_cut = STORE_BATCH_CUT;
  pthread_key_create(&s->rkey, NULL);
  int rc = conn_open(path, 2, &s->w, e);
  if (!rc) rc = migrate(s->w, e);
  if (!rc) rc = migrate_areas(s->w, e);
  if (rc) {
    store_close(s);
    return rc;
  }
  *out = s;
  return 0;
}

void store_close(store *s) {
  if (!s) return;
  store_writer_stop(s);
  for (store_conn *r = s->readers, *n; r; r = n) {
    n = r->next_reader;
    conn_close(r);
  }
  conn_close(s->ckpt);
  conn_close(s->w);
  pthread_key_delete(s->rkey);
  pthread_mutex_destroy(&s->mu);
  pthread_cond_destroy(&s->cv);
  pthread_cond_destroy(&s->ckpt_cv);
  pthread_cond_destroy(&s->sync_cv);
  free(s->path);
  free(s);
}

store_conn *store_reader(store *s, yb_err *e) {
  store_conn *c = pthread_getspecific(s->rkey);
  if (c) return c;
  if (conn_open(s->path, 1, &c, e) != 0) return NULL;
  pthread_mutex_lock(&s->mu);
  c->next_reader = s->readers;
  s->readers = c;
  pthread_mutex_unlock(&s->mu);
  pthread_setspecific(s->rkey, c);
  return c;
}

int store_read_begin(store_conn *c, yb_err *e) {
  sqlite3_stmt *s = stmt(c, ST_BEGIN_READ, e);
  if (!s) return YB_ESTORE;
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  return rc == SQLITE_DONE ? 0 : dberr(c, e, "begin");
}

void store_read_end(store_conn *c) {
  sqlite3_stmt *s = stmt(c, ST_COMMIT, NULL);
  if (s) {
    sqlite3_step(s);
    sqlite3_reset(s);
  }
}

/* ---- group commit ------------------------------------------------------------------------ */
static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Wait on cv (mu held) for at most ns (< 1 s): pthread_cond_timedwait's deadline is realtime. */
static void wait_ns(pthread_cond_t *cv, pthread_mutex_t *mu, long ns) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += ns / 1000000000L; /* any length: a tv_nsec of a second or more is EINVAL, no wait */
  ts.tv_nsec += ns % 1000000000L;
  if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
  pthread_cond_timedwait(cv, mu, &ts);
}

static int step_ctl(store_conn *c, int id) {
  sqlite3_stmt *s = stmt(c, id, NULL);
  if (!s) return -1;
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  return rc == SQLITE_DONE ? 0 : -1;
}

/* The batch's sequences back into their rows (before COMMIT). */
static int seq_flush(store_conn *w) {
  sqlite3_stmt *s = stmt(w, ST_SEQ_SET, NULL);
  if (!s) return -1;
  for (int i = 0; i < w->n_seq; i++) {
    bt(s, 1, w->seq[i].name);
    bi(s, 2, w->seq[i].value);
    int rc = sqlite3_step(s);
    finish(s);
    if (rc != SQLITE_DONE) return -1;
  }
  return 0;
}

static void seq_savepoint(store_conn *w) {
  for (int i = 0; i < w->n_seq; i++) w->seq[i].saved = w->seq[i].value;
  w->n_seq_saved = w->n_seq;
}

static void seq_rollback(store_conn *w) {
  w->n_seq = w->n_seq_saved;
  for (int i = 0; i < w->n_seq; i++) w->seq[i].value = w->seq[i].saved;
}

/* At a batch's BEGIN: another connection's commit since the last batch makes the writer's cache
 * forget everything (its own commits do not change PRAGMA data_version). */
static void cache_check(store_conn *w) {
  sqlite3_stmt *s = stmt(w, ST_DATA_VERSION, NULL);
  int64_t v = s && sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
  if (s) sqlite3_reset(s);
  if (v < 0 || v != w->data_version) store_cache_clear(w->cache);
  w->data_version = v;
}

static void finish_jobs(store *s, store_job *j, int commit_rc) {
  for (store_job *next; j; j = next) {
    next = j->next;
    if (!j->keyed) atomic_fetch_add(&s->unkeyed_done, 1); /* before done, which may free j */
    j->done(j, commit_rc);
  }
}

uint64_t store_unkeyed_run(store *s) { return s->unkeyed_run; }
void store_batch_cut(store *s, int jobs) { s->batch_cut = jobs > 0 ? jobs : 0; }
uint64_t store_unkeyed_done(store *s) { return atomic_load(&s->unkeyed_done); }

#ifndef STORE_BATCH_NS
#define STORE_BATCH_NS 2000000u /* a batch takes in queued jobs for at most this long … */
#endif
#define STORE_BATCH_JOBS 256   /* … and this many */
/* A batch of MIN to JOBS-1 jobs, finding the queue empty, waits up to LINGER_US for more before
 * its COMMIT: with a few dozen connections the next writes are being parsed on the HTTP
 * threads right then, and a commit's pages (shared leaves, interior pages, sequences) and its
 * fdatasync then serve more writes (bench-settle: ~18-25 -> ~28-32 writes a batch, WAL bytes
 * per flow -8 %). Smaller batches do not wait: a lone client's writes would each pay it. */
#ifndef STORE_BATCH_LINGER_US
#define STORE_BATCH_LINGER_US 300
#endif
#ifndef STORE_BATCH_LINGER_JOBS
#define STORE_BATCH_LINGER_JOBS 32
#endif
#ifndef STORE_BATCH_LINGER_MIN
#define STORE_BATCH_LINGER_MIN 8 /* only under load: a batch this big says more writes are coming */
#endif

/* One job of the batch. A job that may run again (store_job.rerun) and comes while every job
 * before it in the batch may too runs bare: no SAVEPOINT, whose price is a copy of every page
 * the job writes that an earlier job of the batch already wrote (~6 % of the writer's
 * instructions in bench-settle). If it fails having changed nothing (most refusals check
 * before they write) nothing is undone; if it fails after a change it returns 1, and the caller
 * rolls the batch back and runs again the jobs before it (redo). Otherwise as before: its
 * SAVEPOINT, rolled back if it fails. -1: storage error, the batch cannot commit. */
static int run_job(store_conn *w, store_job *j, int bare) {
  store_cache_job_begins(w->cache);
  if (bare) {
    sqlite3_int64 changes = sqlite3_total_changes64(w->db);
    seq_savepoint(w);
    store_console_mark(w);
    j->rc = j->run(w, j);
    if (sqlite3_get_autocommit(w->db)) return -1; /* an I/O or memory error ended the transaction */
    if (j->rc == 0) return 0;
    seq_rollback(w), store_console_undo(w); /* the cache: unchanged, or the redo's ROLLBACK */
    return sqlite3_total_changes64(w->db) != changes ? 1 : 0;
  }
  if (step_ctl(w, ST_SAVEPOINT) != 0) return -1;
  seq_savepoint(w);
  store_console_mark(w);
  j->rc = j->run(w, j);
  if (j->rc != 0) seq_rollback(w), store_console_undo(w), store_cache_clear(w->cache); /* rolled back */
  if (j->rc != 0 && step_ctl(w, ST_ROLLBACK_TO) != 0) return -1;
  return step_ctl(w, ST_RELEASE) != 0 ? -1 : 0;
}

/* Jobs cut off the end of a batch (rest, after last) go back to the queue's front, in order. */
static void requeue_front(store *s, store_job *last, store_job *rest) {
  last->next = NULL;
  store_job *end = rest;
  while (end->next) end = end->next;
  pthread_mutex_lock(&s->mu);
  end->next = s->head;
  s->head = rest;
  if (!s->tail) s->tail = end;
  pthread_mutex_unlock(&s->mu);
}

/* A bare job failed after it wrote: the whole transaction is rolled back and begun again, and
 * the jobs before it that succeeded run again, each in its SAVEPOINT (all may run again, or the
 * batch would not have been bare). The ones that failed stay failed: they would meet the same
 * state. The sequences the batch took are dropped with it (its cache starts empty), and so are its
 * pending console sums. */
static int redo(store *s, store_conn *w, store_job *batch, store_job *failed) {
  s->redos++;
  if (step_ctl(w, ST_ROLLBACK) != 0 || step_ctl(w, ST_BEGIN) != 0) return -1;
  w->n_seq = 0;
  store_console_reset(w); /* the console's sums too: the jobs run again add theirs */
  for (store_job *j = batch; j != failed; j = j->next)
    if (j->rc == 0 && run_job(w, j, 0) != 0) return -1;
  return 0;
}

/* Run a batch in one transaction and COMMIT. With the syncer running the commit does not wait
 * for the disk: the batch is handed to the syncer, which answers it after fdatasync of the WAL
 * (so the writer already runs the next batch). */
static void run_batch(store *s, store_job *batch) {
  store_conn *w = s->w;
  int commit_rc = 0, bare = 1;
  uint64_t n = 0, t0 = now_ns();
  if (step_ctl(w, ST_BEGIN) != 0) commit_rc = YB_ESTORE;
  cache_check(w);
  w->in_batch = 1, w->n_seq = 0;
  store_console_reset(w);
  store_job *last = NULL, *j = batch, *rest = NULL;
  for (;;) {
    for (; j && !commit_rc; last = j, j = j->next, n++) {
      if (s->batch_cut && n >= (uint64_t)s->batch_cut && s->wal_fd >= 0 && !atomic_load(&s->sync_busy)) {
        rest = j; /* the disk is free: commit what ran, the rest is the next batch */
        break;
      }
      if (!j->keyed) s->unkeyed_run++;
      j->t_run = now_ns();
      bare = bare && j->rerun;
      int r = run_job(w, j, bare);
      if (r == 1) {
        bare = 0; /* the rest of this batch in SAVEPOINTs: one redo per batch at most */
        r = redo(s, w, batch, j);
      }
      if (r != 0) commit_rc = YB_ESTORE;
    }
    /* Jobs queued while this batch ran join it, up to a bound on its time and size: a commit
     * writes every page the batch touched once, so one commit for more jobs writes fewer pages
     * per job (the shared leaves, interior pages, sequences, accumulators). */
    if (rest || commit_rc || !s->running || !last || n >= STORE_BATCH_JOBS) break;
    if (now_ns() - t0 >= STORE_BATCH_NS) break;
    pthread_mutex_lock(&s->mu);
    if (STORE_BATCH_LINGER_US > 0 && !s->head && n >= STORE_BATCH_LINGER_MIN &&
        n < STORE_BATCH_LINGER_JOBS && !s->stop) {
      uint64_t l0 = now_ns();
      wait_ns(&s->cv, &s->mu, STORE_BATCH_LINGER_US * 1000L); /* store_submit signals cv */
      s->linger_ns += now_ns() - l0;
    }
    store_job *more = s->head;
    s->head = s->tail = NULL;
    pthread_mutex_unlock(&s->mu);
    if (!more) break;
    last->next = j = more;
  }
  w->in_batch = 0;
  if (rest) requeue_front(s, last, rest);
  if (!commit_rc && seq_flush(w) != 0) commit_rc = YB_ESTORE;
  if (!commit_rc && store_console_flush(w, NULL) != 0) commit_rc = YB_ESTORE;
  store_console_reset(w);
  w->n_seq = 0;
  uint64_t t1 = now_ns();
  if (!commit_rc && step_ctl(w, ST_COMMIT) != 0) commit_rc = YB_ESTORE;
  uint64_t t2 = now_ns();
  if (commit_rc) {
    store_cache_clear(w->cache);
    fprintf(stderr, "store: batch failed: %s\n", sqlite3_errmsg(w->db));
    if (!sqlite3_get_autocommit(w->db)) step_ctl(w, ST_ROLLBACK);
  }
  pthread_mutex_lock(&s->mu);
  s->commit_ns += t2 - t1;
  s->run_ns += t1 - t0;
  s->batches++;
  s->jobs += n;
  for (store_job *q = batch; q; q = q->next) q->t_commit = t2;
  if (s->wal_fd >= 0 && !commit_rc) {
    while (last && last->next) last = last->next;
    if (s->sync_tail)
      s->sync_tail->next = batch;
    else
      s->sync_head = batch;
    s->sync_tail = last;
    atomic_store(&s->sync_busy, 1);
    pthread_cond_signal(&s->sync_cv);
    pthread_mutex_unlock(&s->mu);
    return;
  }
  pthread_mutex_unlock(&s->mu);
  finish_jobs(s, batch, commit_rc);
}

/* The syncer: make committed batches durable with one fdatasync of the WAL, then answer. */
static void *syncer_main(void *arg) {
  store *s = arg;
  pthread_setname_np(pthread_self(), "yb-syncer"); /* names for perf and /proc */
  struct sched_param sp = {0}; /* not SCHED_BATCH (cmd_serve): a finished fdatasync runs at once */
  pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp);
  pthread_mutex_lock(&s->mu);
  for (;;) {
    while (!s->sync_head && !s->sync_stop) pthread_cond_wait(&s->sync_cv, &s->mu);
    if (!s->sync_head) break;
    store_job *jobs = s->sync_head;
    s->sync_head = s->sync_tail = NULL;
    pthread_mutex_unlock(&s->mu);
    uint64_t t0 = now_ns();
    int rc = fdatasync(s->wal_fd) == 0 ? 0 : YB_ESTORE;
    uint64_t t1 = now_ns(), queue = 0, batch = 0, sync = 0, n = 0;
    if (rc) perror("store: fdatasync of the WAL");
    for (store_job *q = jobs; q; q = q->next, n++) /* before finish_jobs, which may free them */
      queue += q->t_run - q->t_submit, batch += q->t_commit - q->t_run, sync += t1 - q->t_commit;
    finish_jobs(s, jobs, rc);
    pthread_mutex_lock(&s->mu);
    if (!s->sync_head) atomic_store(&s->sync_busy, 0);
    s->syncs++;
    s->sync_ns += t1 - t0;
    s->lat_queue_ns += queue, s->lat_batch_ns += batch, s->lat_sync_ns += sync, s->lat_jobs += n;
  }
  pthread_mutex_unlock(&s->mu);
  return NULL;
}

/* The WAL restarts from its start (overwriting frames instead of appending) only when a write
 * transaction begins with every frame already copied into the database. Under steady load the
 * checkpointer never gets there on its own: a batch commits while each pass runs. So once the WAL
 * holds STORE_WAL_RESET_FRAMES and the checkpointer is within STORE_WAL_CATCHUP frames of its
 * end, the writer copies that remainder itself between two batches; its next transaction then
 * restarts the WAL. Without this the WAL grew by ~100 MB/s under bench-settle and never shrank:
 * every frame a fresh block for ext4 to allocate (an fdatasync then also commits the journal)
 * and every page lookup a search through ever more wal-index tables. */
#ifndef STORE_WAL_RESET_FRAMES
/* 256 MiB of 4 KiB pages. Each restart holds the writer for the catch-up's copy and syncs (the
 * WAL before, the database after, the new header): 2-14 ms, while every client waits. At 16 MiB
 * that happened ~6 times a second under bench-settle (185-253 ms of every 8 s); at 256 MiB it is
 * once every few seconds, and three alternated pairs gave +1.5 / +4.6 / +4.2 % settlements and a
 * p99 2-3 ms lower. Lookups do not pay for the size: a read searches only the frames the
 * checkpointer (every second) has not copied yet. */
#define STORE_WAL_RESET_FRAMES 65536
#endif
#ifndef STORE_WAL_CATCHUP
#define STORE_WAL_CATCHUP 512
#endif

static int wal_hook(void *arg, sqlite3 *db, const char *name, int frames) {
  (void)db, (void)name;
  store *s = arg;
  atomic_store(&s->wal_frames, frames);
  if (frames >= STORE_WAL_RESET_FRAMES) pthread_cond_signal(&s->ckpt_cv); /* no lock needed */
  return SQLITE_OK;
}

static void wal_catch_up(store *s) {
  int frames = atomic_load(&s->wal_frames);
  if (frames < STORE_WAL_RESET_FRAMES || frames - atomic_load(&s->ckpt_done) > STORE_WAL_CATCHUP) return;
  int log = 0, done = 0;
  if (sqlite3_wal_checkpoint_v2(s->w->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done) == SQLITE_OK &&
      log == done) {
    atomic_store(&s->wal_frames, 0);
    s->resets++;
  }
}

static void *writer_main(void *arg) {
  store *s = arg;
  pthread_setname_np(pthread_self(), "yb-writer");
  pthread_mutex_lock(&s->mu);
  for (;;) {
    if (!s->head && !s->stop) {
      uint64_t i0 = now_ns();
      while (!s->head && !s->stop) pthread_cond_wait(&s->cv, &s->mu);
      s->idle_ns += now_ns() - i0;
    }
    if (!s->head) break;
    store_job *batch = s->head;
    s->head = s->tail = NULL;
    pthread_mutex_unlock(&s->mu);
    wal_catch_up(s);
    run_batch(s, batch);
    pthread_mutex_lock(&s->mu);
  }
  pthread_mutex_unlock(&s->mu);
  return NULL;
}

#ifndef STORE_CKPT_MS
/* Between checkpoints when the WAL is below its restart size (past it, wal_hook wakes the
 * checkpointer at once): a page written by many batches is copied once. 200 ms had the
 * checkpointer copy pages over and over that the next batches wrote again, and its I/O showed in
 * the p99: 6 alternated bench-settle pairs at 1 000 ms, p99 17.3 / 15.1 / 17.0 / 14.4 / 12.7 /
 * 15.6 ms against 17.8 / 20.3 / 23.0 / 17.0 / 13.5 / 14.2, the rate no lower. */
#define STORE_CKPT_MS 1000
#endif

/* WAL checkpoints run here, not in the writer: the writer's connection has auto-checkpoint off,
 * and this thread copies committed frames into the database file (PASSIVE: it never blocks the
 * writer) whenever batches were committed since its last pass. */
static void *ckpt_main(void *arg) {
  store *s = arg;
  pthread_setname_np(pthread_self(), "yb-ckpt");
  pthread_mutex_lock(&s->mu);
  int behind = 0;
  while (!s->stop) {
    if (!behind) /* else straight on: the WAL is past its restart size and not yet copied */
      wait_ns(&s->ckpt_cv, &s->mu, STORE_CKPT_MS * 1000000L);
    if (s->stop || (s->batches == s->ckpt_seen && !behind)) continue;
    s->ckpt_seen = s->batches;
    pthread_mutex_unlock(&s->mu);
    int log = 0, done = 0;
    sqlite3_wal_checkpoint_v2(s->ckpt->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    if (log > 0 && log == done) /* everything copied: let the next writer restart the WAL */
      sqlite3_wal_checkpoint_v2(s->ckpt->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    atomic_store(&s->ckpt_done, done);
    behind = log >= STORE_WAL_RESET_FRAMES && log - done > STORE_WAL_CATCHUP;
    if (behind) sched_yield();
    pthread_mutex_lock(&s->mu);
  }
  pthread_mutex_unlock(&s->mu);
  return NULL;
}

int store_writer_start(store *s, yb_err *e) {
  if (s->running) return 0;
  s->stop = s->sync_stop = 0;
  int rc = s->ckpt ? 0 : conn_open(s->path, 0, &s->ckpt, e);
  /* the writer commits without waiting for the disk; the syncer's fdatasync of the WAL makes
   * each batch durable before it is answered (same guarantee as synchronous=FULL) */
  if (!rc) rc = exec_plain(s->w, "PRAGMA wal_autocheckpoint=0; PRAGMA synchronous=NORMAL;"
                                 "BEGIN; SELECT count(*) FROM meta; COMMIT;", e);
  if (rc) return rc;
  atomic_store(&s->wal_frames, 0);
  atomic_store(&s->ckpt_done, 0);
  sqlite3_wal_hook(s->w->db, wal_hook, s); /* after wal_autocheckpoint=0, which clears the hook */
  char wal[4096];
  snprintf(wal, sizeof wal, "%s-wal", s->path);
  s->wal_fd = open(wal, O_RDWR | O_CLOEXEC);
  if (s->wal_fd < 0) return yb_fail(e, YB_ESTORE, "db", "cannot open %s", wal);
  if (pthread_create(&s->thread, NULL, writer_main, s) != 0) {
    close(s->wal_fd);
    s->wal_fd = -1;
    return yb_fail(e, YB_ESTORE, "", "cannot start the writer thread");
  }
  s->running = 1;
  if (pthread_create(&s->sync_thread, NULL, syncer_main, s) != 0 ||
      pthread_create(&s->ckpt_thread, NULL, ckpt_main, s) != 0) {
    s->running = 0;
    abort(); /* cannot run half a writer: threads are not optional */
  }
  return 0;
}

void store_writer_stop(store *s) {
  if (!s->running) return;
  pthread_mutex_lock(&s->mu);
  s->stop = 1;
  pthread_cond_broadcast(&s->cv);
  pthread_cond_broadcast(&s->ckpt_cv);
  pthread_mutex_unlock(&s->mu);
  pthread_join(s->thread, NULL); /* runs what is queued */
  pthread_mutex_lock(&s->mu);
  s->sync_stop = 1;
  pthread_cond_broadcast(&s->sync_cv);
  pthread_mutex_unlock(&s->mu);
  pthread_join(s->sync_thread, NULL); /* answers what is committed */
  pthread_join(s->ckpt_thread, NULL);
  close(s->wal_fd);
  s->wal_fd = -1;
  s->running = 0;
  exec_plain(s->w, "PRAGMA synchronous=FULL; PRAGMA wal_autocheckpoint=1000;"
                   "PRAGMA wal_checkpoint(TRUNCATE);", NULL);
}

int store_submit(store *s, store_job *job) {
  job->t_submit = now_ns();
  job->next = NULL;
  job->rc = 0;
  pthread_mutex_lock(&s->mu);
  if (s->stop) { /* stopping: the writer may be gone before it would reach this job */
    pthread_mutex_unlock(&s->mu);
    return -1;
  }
  if (s->tail)
    s->tail->next = job;
  else
    s->head = job;
  s->tail = job;
  pthread_cond_signal(&s->cv);
  pthread_mutex_unlock(&s->mu);
  return 0;
}

uint64_t store_redos(store *s) { return atomic_load(&s->redos); }

void store_stats(store *s, uint64_t *batches, uint64_t *jobs) {
  pthread_mutex_lock(&s->mu);
  if (getenv("YB_STORE_TIMING")) {
    double ms = 1e6, per = s->lat_jobs ? (double)s->lat_jobs : 1;
    fprintf(stderr, "store: %llu batches; the writer ran jobs %.1f ms (waiting for more %.1f ms), committed %.1f ms,"
            " idled %.1f ms; %llu fdatasyncs %.1f ms; %llu WAL restarts; %llu redos\n",
            (unsigned long long)s->batches, (double)s->run_ns / ms, (double)s->linger_ns / ms,
            (double)s->commit_ns / ms, (double)s->idle_ns / ms, (unsigned long long)s->syncs,
            (double)s->sync_ns / ms, (unsigned long long)s->resets, (unsigned long long)atomic_load(&s->redos));
    fprintf(stderr, "store: a job waited %.0f us queued, %.0f us in its batch, %.0f us from COMMIT to durable\n",
            (double)s->lat_queue_ns / per / 1e3, (double)s->lat_batch_ns / per / 1e3, (double)s->lat_sync_ns / per / 1e3);
    uint64_t hits = 0, misses = 0, clears = 0;
    if (s->w->cache) store_cache_stats(s->w->cache, &hits, &misses, &clears);
    fprintf(stderr, "store: the writer's cache: %llu hits, %llu misses, %llu clears\n", (unsigned long long)hits,
            (unsigned long long)misses, (unsigned long long)clears);
  }
  *batches = s->batches;
  *jobs = s->jobs;
  pthread_mutex_unlock(&s->mu);
}

void store_health_get(store *s, store_health *out) {
  memset(out, 0, sizeof *out);
  pthread_mutex_lock(&s->mu);
  out->running = s->running;
  for (store_job *j = s->head; j; j = j->next) out->queued++;
  for (store_job *j = s->sync_head; j; j = j->next) out->unsynced++;
  out->jobs = s->jobs, out->batches = s->batches, out->syncs = s->syncs;
  out->run_ns = s->run_ns, out->commit_ns = s->commit_ns, out->idle_ns = s->idle_ns, out->sync_ns = s->sync_ns;
  out->wait_queue_ns = s->lat_queue_ns, out->wait_batch_ns = s->lat_batch_ns;
  out->wait_sync_ns = s->lat_sync_ns, out->wait_jobs = s->lat_jobs;
  pthread_mutex_unlock(&s->mu);
  out->redos = atomic_load(&s->redos);
  out->wal_restarts = atomic_load(&s->resets);
  out->wal_frames = atomic_load(&s->wal_frames);
}

typedef struct sync_job {
  store_job job;
  int (*fn)(store_conn *, void *, yb_err *);
  void *arg;
  yb_err *e;
  int commit_rc, finished;
  pthread_mutex_t mu;
  pthread_cond_t cv;
} sync_job;

static int sync_run(store_conn *w, store_job *job) {
  sync_job *j = (sync_job *)job;
  return j->fn(w, j->arg, j->e);
}

static void sync_done(store_job *job, int commit_rc) {
  sync_job *j = (sync_job *)job;
  pthread_mutex_lock(&j->mu);
  j->commit_rc = commit_rc;
  j->finished = 1;
  pthread_cond_signal(&j->cv);
  pthread_mutex_unlock(&j->mu);
}

int store_write(store *s, int (*fn)(store_conn *w, void *arg, yb_err *e), void *arg, yb_err *e) {
  if (!s->running) {
    sync_job j = {.fn = fn, .arg = arg, .e = e};
    j.job.run = sync_run;
    j.job.done = sync_done;
    pthread_mutex_init(&j.mu, NULL);
    pthread_cond_init(&j.cv, NULL);
    run_batch(s, &j.job);
    pthread_mutex_destroy(&j.mu);
    pthread_cond_destroy(&j.cv);
    if (j.commit_rc) return yb_fail(e, YB_ESTORE, "", "commit failed: %s", sqlite3_errmsg(s->w->db));
    return j.job.rc;
  }
  sync_job j = {.fn = fn, .arg = arg, .e = e};
  j.job.run = sync_run;
  j.job.done = sync_done;
  pthread_mutex_init(&j.mu, NULL);
  pthread_cond_init(&j.cv, NULL);
  if (store_submit(s, &j.job)) {
    pthread_mutex_destroy(&j.mu);
    pthread_cond_destroy(&j.cv);
    return yb_fail(e, YB_ESTORE, "", "the server is stopping: nothing was written");
  }
  pthread_mutex_lock(&j.mu);
  while (!j.finished) pthread_cond_wait(&j.cv, &j.mu);
  pthread_mutex_unlock(&j.mu);
  pthread_mutex_destroy(&j.mu);
  pthread_cond_destroy(&j.cv);
  if (j.commit_rc) return yb_fail(e, YB_ESTORE, "", "commit failed");
  return j.job.rc;
}

/* ---- records ----------------------------------------------------------------------------- */
#define PREP(var, id)                             \
  sqlite3_stmt *var = stmt(c, ST_##id, e);        \
  if (!var) return YB_ESTORE

/* Step a one-row query: 0 with the row current, YB_ENOT_FOUND (reset), or YB_ESTORE. */
static int row1(store_conn *c, sqlite3_stmt *s, yb_err *e, const char *what) {
  int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) return 0;
  finish(s);
  if (rc == SQLITE_DONE) return yb_fail(e, YB_ENOT_FOUND, "", "%s not found", what);
  return dberr(c, e, what);
}

static void read_person(sqlite3_stmt *s, store_person *p) {
  memset(p, 0, sizeof *p);
  ct(s, 0, p->psn_no, sizeof p->psn_no);
  ct(s, 1, p->psn_cert_type, sizeof p->psn_cert_type);
  ct(s, 2, p->certno, sizeof p->certno);
  ct(s, 3, p->psn_name, sizeof p->psn_name);
  ct(s, 4, p->gend, sizeof p->gend);
  ct(s, 5, p->naty, sizeof p->naty);
  ct(s, 6, p->brdy, sizeof p->brdy);
  ct(s, 7, p->card_no, sizeof p->card_no);
  ct(s, 8, p->card_sn, sizeof p->card_sn);
  ct(s, 9, p->ecert, sizeof p->ecert);
  ct(s, 10, p->insuplc_admdvs, sizeof p->insuplc_admdvs);
  ct(s, 11, p->emp_name, sizeof p->emp_name);
  ct(s, 12, p->cvlserv_flag, sizeof p->cvlserv_flag);
  ct(s, 13, p->family_psn_no, sizeof p->family_psn_no);
  ct(s, 14, p->death_date, sizeof p->death_date);
  p->acct_balc = ci(s, 15);
}

/* Inside the writer's batches its jobs read persons and visits through its cache. */
static int cached(const store_conn *c) { return c->cache && c->in_batch; }

int store_person_get(store_conn *c, const char *psn_no, store_person *out, yb_err *e) {
  if (cached(c) && store_cache_person(c->cache, psn_no, out)) return 0;
  PREP(s, PERSON_GET);
  bt(s, 1, psn_no);
  int rc = row1(c, s, e, "person");
  if (rc) return rc;
  read_person(s, out);
  finish(s);
  if (cached(c)) store_cache_put_person(c->cache, out);
  return 0;
}

int store_person_find(store_conn *c, const char *cert_type, const char *cert_no, store_person *out,
                      yb_err *e) {
  int id = !strcmp(cert_type, "01") ? ST_PERSON_BY_ECERT
           : !strcmp(cert_type, "03") ? ST_PERSON_BY_CARD
                                      : ST_PERSON_BY_CERT;
  sqlite3_stmt *s = stmt(c, id, e);
  if (!s) return YB_ESTORE;
  bt(s, 1, cert_no);
  int rc = row1(c, s, e, "person");
  if (rc) return rc;
  read_person(s, out);
  finish(s);
  return 0;
}

int store_person_put(store_conn *c, const store_person *p, yb_err *e) {
  PREP(s, PERSON_PUT);
  const char *t[] = {p->psn_no, p->psn_cert_type, p->certno, p->psn_name, p->gend,
                     p->naty, p->brdy, p->card_no, p->card_sn, p->ecert, p->insuplc_admdvs,
                     p->emp_name, p->cvlserv_flag, p->family_psn_no, p->death_date};
  for (int i = 0; i < 15; i++) bt(s, i + 1, t[i]);
  bi(s, 16, p->acct_balc);
  return run_done(c, s, e, "person");
}

int store_acct_add(store_conn *c, const char *psn_no, int64_t delta, yb_err *e) {
  PREP(s, ACCT_ADD);
  bt(s, 1, psn_no);
  bi(s, 2, delta);
  int rc = run_done(c, s, e, "account");
  if (rc) return rc;
  if (sqlite3_changes(c->db) != 1)
    return yb_fail(e, YB_ECONFLICT, "acct_balc", "account of %s cannot pay %lld fen", psn_no,
                   (long long)-delta);
  return 0;
}

static void read_enroll(sqlite3_stmt *s, store_enroll *r) {
  memset(r, 0, sizeof *r);
  ct(s, 0, r->psn_no, sizeof r->psn_no);
  r->year = sqlite3_column_int(s, 1);
  ct(s, 2, r->insutype, sizeof r->insutype);
  ct(s, 3, r->psn_type, sizeof r->psn_type);
  ct(s, 4, r->psn_insu_stas, sizeof r->psn_insu_stas);
  ct(s, 5, r->psn_insu_date, sizeof r->psn_insu_date);
  ct(s, 6, r->paus_insu_date, sizeof r->paus_insu_date);
  ct(s, 7, r->wait_until, sizeof r->wait_until);
  ct(s, 8, r->wait_reason, sizeof r->wait_reason);
  r->ci_cap_raise = ci(s, 9);
}

int store_enroll_put(store_conn *c, const store_enroll *r, yb_err *e) {
  PREP(s, ENROLL_PUT);
  bt(s, 1, r->psn_no);
  bi(s, 2, r->year);
  bt(s, 3, r->insutype);
  bt(s, 4, r->psn_type);
  bt(s, 5, r->psn_insu_stas);
  bt(s, 6, r->psn_insu_date);
  bt(s, 7, r->paus_insu_date);
  bt(s, 8, r->wait_until);
  bt(s, 9, r->wait_reason);
  bi(s, 10, r->ci_cap_raise);
  return run_done(c, s, e, "enrollment");
}

int store_enroll_get(store_conn *c, const char *psn_no, int year, const char *insutype,
                     store_enroll *out, yb_err *e) {
  if (cached(c) && store_cache_enroll(c->cache, psn_no, year, insutype, out)) return 0;
  PREP(s, ENROLL_GET);
  bt(s, 1, psn_no);
  bi(s, 2, year);
  bt(s, 3, insutype);
  int rc = row1(c, s, e, "enrollment");
  if (rc) return rc;
  read_enroll(s, out);
  finish(s);
  if (cached(c)) store_cache_put_enroll(c->cache, out);
  return 0;
}

/* Iterate rows of a prepared query into fn; fn returning non-zero stops with that code. */
#define EACH(s, rec, reader, fn, arg, what)                 \
  do {                                                      \
    int rc_;                                                \
    while ((rc_ = sqlite3_step(s)) == SQLITE_ROW) {         \
      reader(s, &rec);                                      \
      int r_ = fn(&rec, arg);                               \
      if (r_) {                                             \
        finish(s);                                          \
        return r_;                                          \
      }                                                     \
    }                                                       \
    finish(s);                                              \
    if (rc_ != SQLITE_DONE) return dberr(c, e, what);       \
    return 0;                                               \
  } while (0)

int store_enroll_each(store_conn *c, const char *psn_no, int year,
                      int (*fn)(const store_enroll *, void *), void *arg, yb_err *e) {
  PREP(s, ENROLL_YEAR);
  bt(s, 1, psn_no);
  bi(s, 2, year);
  store_enroll r;
  EACH(s, r, read_enroll, fn, arg, "enrollment");
}

/* A person's list through the writer's cache: its rows read once into the cache, then handed to
 * fn from a copy (fn may read more through the cache). Returns -2 when the list is not cached
 * (more than STORE_CACHE_ROWS rows, or out of memory): the caller reads it from the database. */
static int list_cached(store_conn *c, int id, const char *psn_no, store_cache_kind which,
                       void (*reader)(sqlite3_stmt *, void *), size_t size, void *copy, int *n,
                       const char *what, yb_err *e) {
  const void *rows = store_cache_list(c->cache, which, psn_no, n);
  if (!rows) {
    char *fill = store_cache_list_fill(c->cache, which, psn_no);
    if (!fill) return -2;
    sqlite3_stmt *s = stmt(c, id, e);
    if (!s) return YB_ESTORE;
    bt(s, 1, psn_no);
    int k = 0, rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && k < STORE_CACHE_ROWS) reader(s, fill + (size_t)k++ * size);
    finish(s);
    if (rc == SQLITE_ROW) return -2;
    if (rc != SQLITE_DONE) return dberr(c, e, what);
    store_cache_list_set(c->cache, which, psn_no, k);
    *n = k;
    rows = fill;
  }
  memcpy(copy, rows, (size_t)*n * size);
  return 0;
}

/* The body of store_X_each: through the cache inside batches, else (or when not cached) row by
 * row from the statement. */
#define EACH_PSN(type, ID, which, reader, what)                                                 \
  do {                                                                                          \
    if (cached(c)) {                                                                            \
      type rows_[STORE_CACHE_ROWS];                                                             \
      int n_ = 0;                                                                               \
      int rc_ = list_cached(c, ST_##ID, psn_no, which, reader##_v, sizeof(type), rows_, &n_, what, e); \
      if (rc_ != -2) {                                                                          \
        for (int i_ = 0; i_ < n_ && !rc_; i_++) rc_ = fn(&rows_[i_], arg);                      \
        return rc_;                                                                             \
      }                                                                                         \
    }                                                                                           \
    PREP(s, ID);                                                                                \
    bt(s, 1, psn_no);                                                                           \
    type r;                                                                                     \
    EACH(s, r, reader, fn, arg, what);                                                          \
  } while (0)

static void read_idet(sqlite3_stmt *s, store_idet *r) {
  memset(r, 0, sizeof *r);
  ct(s, 0, r->psn_no, sizeof r->psn_no);
  ct(s, 1, r->psn_idet_type, sizeof r->psn_idet_type);
  ct(s, 2, r->psn_type_lv, sizeof r->psn_type_lv);
  ct(s, 3, r->begntime, sizeof r->begntime);
  ct(s, 4, r->endtime, sizeof r->endtime);
  ct(s, 5, r->memo, sizeof r->memo);
}
int store_idet_put(store_conn *c, const store_idet *r, yb_err *e) {
  PREP(s, IDET_PUT);
  const char *t[] = {r->psn_no, r->psn_idet_type, r->psn_type_lv, r->begntime, r->endtime, r->memo};
  for (int i = 0; i < 6; i++) bt(s, i + 1, t[i]);
  return run_done(c, s, e, "person_idet");
}
static void read_idet_v(sqlite3_stmt *s, void *r) { read_idet(s, r); }
int store_idet_each(store_conn *c, const char *psn_no, int (*fn)(const store_idet *, void *),
                    void *arg, yb_err *e) {
  EACH_PSN(store_idet, IDET_EACH, STORE_CACHE_IDET, read_idet, "person_idet");
}

static void read_dise(sqlite3_stmt *s, store_dise *r) {
  memset(r, 0, sizeof *r);
  ct(s, 0, r->psn_no, sizeof r->psn_no);
  ct(s, 1, r->dise_codg, sizeof r->dise_codg);
  ct(s, 2, r->dise_name, sizeof r->dise_name);
  ct(s, 3, r->kind, sizeof r->kind);
  ct(s, 4, r->begndate, sizeof r->begndate);
  ct(s, 5, r->enddate, sizeof r->enddate);
}
int store_dise_put(store_conn *c, const store_dise *r, yb_err *e) {
  PREP(s, DISE_PUT);
  const char *t[] = {r->psn_no, r->dise_codg, r->dise_name, r->kind, r->begndate, r->enddate};
  for (int i = 0; i < 6; i++) bt(s, i + 1, t[i]);
  return run_done(c, s, e, "person_dise");
}
static void read_dise_v(sqlite3_stmt *s, void *r) { read_dise(s, r); }
int store_dise_each(store_conn *c, const char *psn_no, int (*fn)(const store_dise *, void *),
                    void *arg, yb_err *e) {
  EACH_PSN(store_dise, DISE_EACH, STORE_CACHE_DISE, read_dise, "person_dise");
}

static void read_filing(sqlite3_stmt *s, store_filing *r) {
  memset(r, 0, sizeof *r);
  ct(s, 0, r->psn_no, sizeof r->psn_no);
  ct(s, 1, r->filing_type, sizeof r->filing_type);
  ct(s, 2, r->admvs, sizeof r->admvs);
  ct(s, 3, r->begndate, sizeof r->begndate);
  ct(s, 4, r->enddate, sizeof r->enddate);
}
int store_filing_put(store_conn *c, const store_filing *r, yb_err *e) {
  PREP(s, FILING_PUT);
  const char *t[] = {r->psn_no, r->filing_type, r->admvs, r->begndate, r->enddate};
  for (int i = 0; i < 5; i++) bt(s, i + 1, t[i]);
  return run_done(c, s, e, "person_filing");
}
static void read_filing_v(sqlite3_stmt *s, void *r) { read_filing(s, r); }
int store_filing_each(store_conn *c, const char *psn_no, int (*fn)(const store_filing *, void *),
                      void *arg, yb_err *e) {
  EACH_PSN(store_filing, FILING_EACH, STORE_CACHE_FILING, read_filing, "person_filing");
}

static void read_inst(sqlite3_stmt *s, store_inst *r) {
  memset(r, 0, sizeof *r);
  ct(s, 0, r->fixmedins_code, sizeof r->fixmedins_code);
  ct(s, 1, r->fixmedins_name, sizeof r->fixmedins_name);
  r->hosp_lv = sqlite3_column_int(s, 2);
  ct(s, 3, r->hosp_lv_code, sizeof r->hosp_lv_code);
  ct(s, 4, r->medins_type, sizeof r->medins_type);
  ct(s, 5, r->admdvs, sizeof r->admdvs);
  ct(s, 6, r->secret, sizeof r->secret);
  ct(s, 7, r->sign_scheme, sizeof r->sign_scheme);
  ct(s, 8, r->access_key, sizeof r->access_key);
}
int store_inst_put(store_conn *c, const store_inst *r, yb_err *e) {
  PREP(s, INST_PUT);
  bt(s, 1, r->fixmedins_code);
  bt(s, 2, r->fixmedins_name);
  bi(s, 3, r->hosp_lv);
  bt(s, 4, r->hosp_lv_code);
  bt(s, 5, r->medins_type);
  bt(s, 6, r->admdvs);
  bt(s, 7, r->secret);
  bt(s, 8, r->sign_scheme[0] ? r->sign_scheme : "hmac");
  bt(s, 9, r->access_key);
  return run_done(c, s, e, "institution");
}
int store_inst_get(store_conn *c, const char *code, store_inst *out, yb_err *e) {
  PREP(s, INST_GET);
  bt(s, 1, code);
  int rc = row1(c, s, e, "institution");
  if (rc) return rc;
  read_inst(s, out);
  finish(s);
  return 0;
}
int store_inst_each(store_conn *c, int (*fn)(const store_inst *, void *), void *arg, yb_err *e) {
  PREP(s, INST_EACH);
  store_inst r;
  EACH(s, r, read_inst, fn, arg, "institution");
}

int store_policy_put(store_conn *c, const char *region, int year, const char *version,
                     const char *body, yb_err *e) {
  PREP(s, POLICY_PUT);
  bt(s, 1, region);
  bi(s, 2, year);
  bt(s, 3, version);
  bt(s, 4, body);
  return run_done(c, s, e, "policy");
}
int store_policy_each(store_conn *c,
                      int (*fn)(const char *region, int year, const char *version,
                                const char *body, void *), void *arg, yb_err *e) {
  PREP(s, POLICY_EACH);
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    int r = fn(cs(s, 0), sqlite3_column_int(s, 1), cs(s, 2), cs(s, 3), arg);
    if (r) {
      finish(s);
      return r;
    }
  }
  finish(s);
  return rc == SQLITE_DONE ? 0 : dberr(c, e, "policy");
}
int store_catalog_put(store_conn *c, const char *version, const char *body, yb_err *e) {
  PREP(s, CATALOG_PUT);
  bt(s, 1, version);
  bt(s, 2, body);
  return run_done(c, s, e, "catalog");
}
int store_file_put(store_conn *c, const store_file *f, yb_err *e) {
  PREP(s, FILE_PUT);
  const char *t[] = {f->file_qury_no, f->fixmedins_code, f->filename, f->kind};
  for (int i = 0; i < 4; i++) bt(s, i + 1, t[i]);
  sqlite3_bind_blob64(s, 5, f->body ? (const void *)f->body : "", f->len, SQLITE_STATIC);
  bt(s, 6, f->created_at);
  bt(s, 7, f->dld_endtime);
  return run_done(c, s, e, "hsi_file");
}

int store_file_get(store_conn *c, const char *file_qury_no, store_file *out, yb_err *e) {
  PREP(s, FILE_GET);
  bt(s, 1, file_qury_no);
  int rc = row1(c, s, e, "hsi_file");
  if (rc) return rc;
  memset(out, 0, sizeof *out);
  snprintf(out->file_qury_no, sizeof out->file_qury_no, "%s", file_qury_no);
  ct(s, 0, out->fixmedins_code, sizeof out->fixmedins_code);
  ct(s, 1, out->filename, sizeof out->filename);
  ct(s, 2, out->kind, sizeof out->kind);
  ct(s, 4, out->created_at, sizeof out->created_at);
  ct(s, 5, out->dld_endtime, sizeof out->dld_endtime);
  out->len = (size_t)sqlite3_column_bytes(s, 3);
  out->body = malloc(out->len + 1);
  if (out->body) {
    if (out->len) memcpy(out->body, sqlite3_column_blob(s, 3), out->len);
    out->body[out->len] = 0;
  }
  finish(s);
  return out->body ? 0 : yb_fail(e, YB_ENOMEM, "", "out of memory");
}

int store_catalog_latest(store_conn *c, char **body, yb_err *e) {
  PREP(s, CATALOG_LATEST);
  int rc = row1(c, s, e, "catalog");
  if (rc) return rc;
  *body = cdup(s, 0);
  finish(s);
  return *body ? 0 : yb_fail(e, YB_ENOMEM, "", "out of memory");
}

int store_meta_set(store_conn *c, const char *key, const char *value, yb_err *e) {
  PREP(s, META_SET);
  bt(s, 1, key);
  bt(s, 2, value);
  return run_done(c, s, e, "meta");
}
int store_meta_get(store_conn *c, const char *key, char *out, size_t cap, yb_err *e) {
  PREP(s, META_GET);
  bt(s, 1, key);
  int rc = row1(c, s, e, key);
  if (rc) return rc;
  ct(s, 0, out, cap);
  finish(s);
  return 0;
}
int store_seq_next(store_conn *c, const char *name, int64_t *out, yb_err *e) {
  if (c->in_batch && strlen(name) < sizeof c->seq[0].name) {
    seq_slot *q = NULL;
    for (int i = 0; i < c->n_seq && !q; i++)
      if (!strcmp(c->seq[i].name, name)) q = &c->seq[i];
    if (!q && c->n_seq < SEQ_CACHE) {
      PREP(g, SEQ_GET);
      bt(g, 1, name);
      int rc = sqlite3_step(g);
      int64_t v = rc == SQLITE_ROW ? ci(g, 0) : 0;
      finish(g);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE) return dberr(c, e, "seq");
      q = &c->seq[c->n_seq++];
      snprintf(q->name, sizeof q->name, "%s", name);
      q->value = q->saved = v;
    }
    if (q) {
      *out = ++q->value;
      return 0;
    }
  }
  PREP(s, SEQ_NEXT);
  bt(s, 1, name);
  int rc = row1(c, s, e, "seq");
  if (rc) return rc;
  *out = ci(s, 0);
  finish(s);
  return 0;
}

/* ---- visits and fee lines ---------------------------------------------------------------- */
static void diag_join(const store_visit *v, char *buf, size_t cap) {
  size_t n = 0;
  buf[0] = 0;
  for (int i = 0; i < v->n_diag && i < STORE_MAX_DIAG; i++) {
    int w = snprintf(buf + n, cap - n, "%s%s", i ? "," : "", v->diag[i]);
    if (w < 0 || (size_t)w >= cap - n) break;
    n += (size_t)w;
  }
}
static void diag_split(const char *t, store_visit *v) {
  v->n_diag = 0;
  while (*t && v->n_diag < STORE_MAX_DIAG) {
    const char *comma = strchr(t, ',');
    size_t len = comma ? (size_t)(comma - t) : strlen(t);
    if (len >= sizeof v->diag[0]) len = sizeof v->diag[0] - 1;
    memcpy(v->diag[v->n_diag], t, len);
    v->diag[v->n_diag++][len] = 0;
    t = comma ? comma + 1 : t + strlen(t);
  }
}

static int changed_one(store_conn *c, int rc, yb_err *e, const char *field, const char *why);

static void read_visit(sqlite3_stmt *s, store_visit *v) {
  memset(v, 0, sizeof *v);
  ct(s, 0, v->mdtrt_id, sizeof v->mdtrt_id);
  ct(s, 1, v->psn_no, sizeof v->psn_no);
  ct(s, 2, v->fixmedins_code, sizeof v->fixmedins_code);
  ct(s, 3, v->kind, sizeof v->kind);
  ct(s, 4, v->insutype, sizeof v->insutype);
  ct(s, 5, v->med_type, sizeof v->med_type);
  ct(s, 6, v->ipt_otp_no, sizeof v->ipt_otp_no);
  ct(s, 7, v->begntime, sizeof v->begntime);
  ct(s, 8, v->endtime, sizeof v->endtime);
  ct(s, 9, v->dise_codg, sizeof v->dise_codg);
  ct(s, 10, v->dise_name, sizeof v->dise_name);
  diag_split(cs(s, 11), v);
  v->state = sqlite3_column_int(s, 12);
  v->info = store_sqlite_col_packed(s, 13, 6); /* borrowed until the statement moves */
}

/* The visit as read_visit would read it back once row (its unchanged columns) was written with
 * set's changed ones: for the writer's cache after an insert or update. */
static void visit_as_stored(const store_visit *row, const store_visit *set, int amend, const char *diag,
                            store_visit *out) {
  const store_visit *keys = amend ? set : row; /* insutype, ipt_otp_no, begntime */
  memset(out, 0, sizeof *out);
#define CP(f, from) memcpy(out->f, (from)->f, strnlen((from)->f, sizeof out->f - 1)) /* out zeroed */
  CP(mdtrt_id, row), CP(psn_no, row), CP(fixmedins_code, row), CP(kind, row);
  CP(insutype, keys), CP(ipt_otp_no, keys), CP(begntime, keys);
  CP(med_type, set), CP(endtime, set), CP(dise_codg, set), CP(dise_name, set);
#undef CP
  diag_split(diag, out);
  out->state = set->state;
}

int store_visit_put(store_conn *c, const store_visit *v, yb_err *e) {
  PREP(s, VISIT_PUT);
  char diag[STORE_MAX_DIAG * 24 + 8];
  diag_join(v, diag, sizeof diag);
  const char *t[] = {v->mdtrt_id, v->psn_no, v->fixmedins_code, v->kind, v->insutype, v->med_type,
                     v->ipt_otp_no, v->begntime, v->endtime, v->dise_codg, v->dise_name, diag};
  for (int i = 0; i < 12; i++) bt(s, i + 1, t[i]);
  bi(s, 13, v->state);
  store_sqlite_bind_packed(s, 14, v->info ? v->info : "{}");
  store_cache_expect_visit(c->cache, v->mdtrt_id);
  int rc = run_done(c, s, e, "visit");
  store_cache_expect_visit(c->cache, NULL);
  if (!rc && cached(c)) { /* the next job of the flow reads it */
    store_visit now;
    visit_as_stored(v, v, 1, diag, &now);
    store_cache_put_visit(c->cache, &now, v->info ? v->info : "{}");
  }
  return rc;
}

/* VISIT_UPDATE leaves the columns of visit_psn and visit_otp out of its SET: SQLite rewrites an
 * index entry for every indexed column a SET names, changed or not (+35 K instructions a flow in
 * the writer). Only 2403 changes them (VISIT_AMEND). */
static int visit_update(store_conn *c, int amend, const store_visit *v, yb_err *e) {
  sqlite3_stmt *s = stmt(c, amend ? ST_VISIT_AMEND : ST_VISIT_UPDATE, e);
  if (!s) return YB_ESTORE;
  char diag[STORE_MAX_DIAG * 24 + 8];
  diag_join(v, diag, sizeof diag);
  const char *t[] = {v->mdtrt_id, v->med_type, v->endtime, v->dise_codg, v->dise_name, diag,
                     v->insutype, v->ipt_otp_no, v->begntime};
  for (int i = 0; i < 9; i++) bt(s, i + 1, t[i]);
  bi(s, 10, v->state);
  store_sqlite_bind_packed(s, 11, v->info);
  store_visit old; /* the columns the update keeps, as cached (the update drops the entry) */
  int have_old = cached(c) && store_cache_visit(c->cache, v->mdtrt_id, &old, 1);
  store_cache_expect_visit(c->cache, v->mdtrt_id);
  int rc = run_done(c, s, e, "visit");
  store_cache_expect_visit(c->cache, NULL);
  rc = changed_one(c, rc, e, "mdtrt_id", "no such visit");
  if (have_old) {
    if (!rc) {
      store_visit now;
      visit_as_stored(&old, v, amend, diag, &now);
      store_cache_put_visit(c->cache, &now, v->info ? v->info : old.info);
    }
    free((char *)old.info);
  }
  return rc;
}

int store_visit_update(store_conn *c, const store_visit *v, yb_err *e) { return visit_update(c, 0, v, e); }
int store_visit_amend(store_conn *c, const store_visit *v, yb_err *e) { return visit_update(c, 1, v, e); }

int store_visit_get(store_conn *c, const char *mdtrt_id, store_visit *out, int want_info, yb_err *e) {
  if (cached(c) && store_cache_visit(c->cache, mdtrt_id, out, want_info)) return 0;
  PREP(s, VISIT_GET);
  bt(s, 1, mdtrt_id);
  int rc = row1(c, s, e, "visit");
  if (rc) return rc;
  read_visit(s, out);
  if (cached(c)) store_cache_put_visit(c->cache, out, out->info);
  out->info = want_info ? strdup(out->info) : NULL;
  finish(s);
  return 0;
}

int store_visit_find_otp(store_conn *c, const char *fixmedins_code, const char *ipt_otp_no,
                         store_visit *out, yb_err *e) {
  PREP(s, VISIT_OTP);
  bt(s, 1, fixmedins_code);
  bt(s, 2, ipt_otp_no);
  int rc = row1(c, s, e, "visit");
  if (rc) return rc;
  read_visit(s, out);
  out->info = NULL;
  finish(s);
  return 0;
}

int store_visit_each(store_conn *c, const char *psn_no, const char *begn, const char *end,
                     int (*fn)(const store_visit *, void *), void *arg, yb_err *e) {
  PREP(s, VISIT_EACH);
  bt(s, 1, psn_no);
  bt(s, 2, begn);
  bt(s, 3, end);
  store_visit v;
  EACH(s, v, read_visit, fn, arg, "visit");
}

static void read_fee(sqlite3_stmt *s, store_fee *f) {
  ct(s, 0, f->mdtrt_id, sizeof f->mdtrt_id);
  ct(s, 1, f->feedetl_sn, sizeof f->feedetl_sn);
  ct(s, 2, f->init_feedetl_sn, sizeof f->init_feedetl_sn);
  ct(s, 3, f->psn_no, sizeof f->psn_no);
  ct(s, 4, f->fixmedins_code, sizeof f->fixmedins_code);
  ct(s, 5, f->chrg_bchno, sizeof f->chrg_bchno);
  ct(s, 6, f->med_type, sizeof f->med_type);
  ct(s, 7, f->med_list_codg, sizeof f->med_list_codg);
  ct(s, 8, f->medins_list_codg, sizeof f->medins_list_codg);
  ct(s, 9, f->fee_ocur_time, sizeof f->fee_ocur_time);
  ct(s, 10, f->dise_codg, sizeof f->dise_codg);
  ct(s, 11, f->setl_id, sizeof f->setl_id);
  f->cnt = ci(s, 12);
  f->pric = ci(s, 13);
  f->sumamt = ci(s, 14);
  f->hosp_appr_flag = sqlite3_column_int(s, 15);
  f->state = sqlite3_column_int(s, 16);
  f->body = store_sqlite_col_packed(s, 17, 0);
  f->result = store_sqlite_col_packed(s, 18, 1);
}

int store_fee_put(store_conn *c, const store_fee *f, yb_err *e) {
  PREP(s, FEE_PUT);
  const char *t[] = {f->mdtrt_id, f->feedetl_sn, f->init_feedetl_sn, f->psn_no, f->fixmedins_code,
                     f->chrg_bchno, f->med_type, f->med_list_codg, f->medins_list_codg,
                     f->fee_ocur_time, f->dise_codg};
  for (int i = 0; i < 11; i++) bt(s, i + 1, t[i]);
  bi(s, 12, f->cnt);
  bi(s, 13, f->pric);
  bi(s, 14, f->sumamt);
  bi(s, 15, f->hosp_appr_flag);
  bi(s, 16, 1);
  store_sqlite_bind_packed(s, 17, f->body ? f->body : "{}");
  store_sqlite_bind_packed(s, 18, f->result ? f->result : "{}");
  int64_t seq;
  int rc = store_fee_last_seq(c, f->mdtrt_id, &seq, e);
  if (rc) return rc;
  bi(s, 19, ++seq);
  if ((rc = run_done(c, s, e, "fee"))) return rc;
  if (cached(c)) store_cache_put_fee_seq(c->cache, f->mdtrt_id, seq); /* after the row's preupdate */
  return 0;
}

/* The visit's last line's seq, 0 before its first: known to the writer's cache within a job once
 * asked or once a line is stored, else max(seq) over the visit's lines (a scan of them). */
int store_fee_last_seq(store_conn *c, const char *mdtrt_id, int64_t *seq, yb_err *e) {
  if (cached(c) && (*seq = store_cache_fee_seq(c->cache, mdtrt_id)) >= 0) return 0;
  sqlite3_stmt *m = stmt(c, ST_FEE_MAXSEQ, e);
  if (!m) return YB_ESTORE;
  bt(m, 1, mdtrt_id);
  int rc = row1(c, m, e, "fee");
  if (rc) return rc;
  *seq = ci(m, 0);
  finish(m);
  if (cached(c)) store_cache_put_fee_seq(c->cache, mdtrt_id, *seq);
  return 0;
}

int store_fee_batch_get(store_conn *c, const char *mdtrt_id, const char *chrg_bchno, store_fee_batch *out,
                        yb_err *e) {
  PREP(s, FEE_BATCH);
  bt(s, 1, mdtrt_id);
  bt(s, 2, chrg_bchno);
  int rc = row1(c, s, e, "fee");
  if (rc) return rc;
  out->lines = ci(s, 0), out->settled = ci(s, 1);
  ct(s, 2, out->dise_min, sizeof out->dise_min), ct(s, 3, out->dise_max, sizeof out->dise_max);
  finish(s);
  return 0;
}

int store_fee_get(store_conn *c, const char *mdtrt_id, const char *feedetl_sn, store_fee *out,
                  yb_err *e) {
  PREP(s, FEE_GET);
  bt(s, 1, mdtrt_id);
  bt(s, 2, feedetl_sn);
  int rc = row1(c, s, e, "fee line");
  if (rc) return rc;
  read_fee(s, out);
  out->body = out->result = NULL;
  finish(s);
  return 0;
}

#define FEE_EACH_BODY(what)                                 \
  store_fee f;                                              \
  int rc_;                                                  \
  while ((rc_ = sqlite3_step(s)) == SQLITE_ROW) {           \
    read_fee(s, &f);                                        \
    int r_ = fn(&f, arg);                                   \
    if (r_) {                                               \
      finish(s);                                            \
      return r_;                                            \
    }                                                       \
  }                                                         \
  finish(s);                                                \
  return rc_ == SQLITE_DONE ? 0 : dberr(c, e, what)

int store_fee_each(store_conn *c, const char *mdtrt_id, const char *chrg_bchno, int flags,
                   int (*fn)(const store_fee *, void *), void *arg, yb_err *e) {
  PREP(s, FEE_EACH);
  bt(s, 1, mdtrt_id);
  bt(s, 2, chrg_bchno);
  bi(s, 3, flags);
  FEE_EACH_BODY("fee");
}
int store_fee_each_setl(store_conn *c, const char *setl_id, int (*fn)(const store_fee *, void *),
                        void *arg, yb_err *e) {
  PREP(s, FEE_EACH_SETL);
  bt(s, 1, setl_id);
  FEE_EACH_BODY("fee");
}
int store_fee_each_psn(store_conn *c, const char *psn_no, const char *med_type, const char *begn,
                       const char *end, int (*fn)(const store_fee *, void *), void *arg, yb_err *e) {
  PREP(s, FEE_EACH_PSN);
  bt(s, 1, psn_no);
  bt(s, 2, med_type ? med_type : "");
  bt(s, 3, begn);
  bt(s, 4, end);
  FEE_EACH_BODY("fee");
}

static int changed_one(store_conn *c, int rc, yb_err *e, const char *field, const char *why) {
  if (rc) return rc;
  if (sqlite3_changes(c->db) < 1) return yb_fail(e, YB_ECONFLICT, field, "%s", why);
  return 0;
}

int store_fee_cancel(store_conn *c, const char *mdtrt_id, const char *feedetl_sn, yb_err *e) {
  PREP(s, FEE_CANCEL);
  bt(s, 1, mdtrt_id);
  bt(s, 2, feedetl_sn);
  return changed_one(c, run_done(c, s, e, "fee"), e, "feedetl_sn",
                     "line is settled or already cancelled");
}
int store_fee_void(store_conn *c, const char *mdtrt_id, const char *feedetl_sn, const char *now, yb_err *e) {
  PREP(s, FEE_VOID_COPY);
  bt(s, 1, mdtrt_id);
  bt(s, 2, feedetl_sn);
  bt(s, 3, now);
  int rc = changed_one(c, run_done(c, s, e, "fee_void"), e, "feedetl_sn", "line is not cancelled");
  if (rc) return rc;
  PREP(d, FEE_VOID_DEL);
  bt(d, 1, mdtrt_id);
  bt(d, 2, feedetl_sn);
  return changed_one(c, run_done(c, d, e, "fee"), e, "feedetl_sn", "line is not cancelled");
}
/* The console's sums, outside a batch, go to their tables with the write itself. */
static int console_now(store_conn *c, int rc, yb_err *e) {
  if (!rc && !c->in_batch) rc = store_console_flush(c, e);
  return rc;
}

/* Settling and unsettling lines: the lines the UPDATE will change add to the console's sums,
 * either `read` (n_read lines the caller has just read with the same WHERE in the same job) or,
 * without them, the SELECT sums_id run first (same WHERE, same transaction, nothing between); *n
 * the lines changed. One UPDATE … RETURNING those columns instead cost more, not less: 41 K ->
 * 99 K writer instructions a settlement flow (callgrind; SQLite buffers RETURNING rows in an
 * ephemeral table). */
static int fee_setl_update(store_conn *c, int sums_id, int update_id, const char *a1, const char *a2,
                           const char *setl_id, int sign, const store_fee *read, int n_read, int64_t *n,
                           yb_err *e) {
  sqlite3_stmt *q = read ? NULL : stmt(c, sums_id, e), *u = stmt(c, update_id, e);
  if (!u || (!read && !q)) return YB_ESTORE;
  if (sign > 0) { /* (mdtrt_id, feedetl_sn or chrg_bchno) and, for the UPDATE, setl_id */
    if (q) bt(q, 1, a1), bt(q, 2, a2);
    bt(u, 1, a1), bt(u, 2, a2), bt(u, 3, setl_id);
  } else {
    if (q) bt(q, 1, setl_id);
    bt(u, 1, setl_id);
  }
  int64_t lines = n_read;
  int rc = read ? store_console_on_lines(c, read, n_read, setl_id, sign, e)
                : store_console_on_fees(c, q, setl_id, sign, &lines, e);
  if (!rc) rc = run_done(c, u, e, "fee");
  else finish(u);
  *n = rc ? 0 : sqlite3_changes64(c->db);
  if (!rc && *n != lines) rc = yb_fail(e, YB_ESTORE, "fee", "%lld lines read, %lld changed", (long long)lines, (long long)*n);
  return console_now(c, rc, e);
}
int store_fee_settle(store_conn *c, const char *mdtrt_id, const char *feedetl_sn,
                     const char *setl_id, yb_err *e) {
  int64_t n = 0;
  int rc = fee_setl_update(c, ST_FEE_SETTLE_SUMS, ST_FEE_SETTLE, mdtrt_id, feedetl_sn, setl_id, +1, NULL, 0, &n, e);
  if (!rc && n < 1) rc = yb_fail(e, YB_ECONFLICT, "feedetl_sn", "line is already settled or cancelled");
  return rc;
}
int store_fee_settle_all(store_conn *c, const char *mdtrt_id, const char *chrg_bchno,
                         const char *setl_id, const store_fee *read, int n_read, int64_t *n, yb_err *e) {
  return fee_setl_update(c, ST_FEE_SETTLE_ALL_SUMS, ST_FEE_SETTLE_ALL, mdtrt_id, chrg_bchno, setl_id, +1, read,
                         n_read, n, e);
}
int store_fee_unsettle(store_conn *c, const char *setl_id, yb_err *e) {
  int64_t n = 0;
  return fee_setl_update(c, ST_FEE_UNSETTLE_SUMS, ST_FEE_UNSETTLE, NULL, NULL, setl_id, -1, NULL, 0, &n, e);
}

/* ---- settlements ------------------------------------------------------------------------- */
static void read_setl(sqlite3_stmt *s, store_setl *r, int dup) {
  memset(r, 0, sizeof *r);
  ct(s, 0, r->setl_id, sizeof r->setl_id);
  ct(s, 1, r->mdtrt_id, sizeof r->mdtrt_id);
  ct(s, 2, r->psn_no, sizeof r->psn_no);
  ct(s, 3, r->fixmedins_code, sizeof r->fixmedins_code);
  ct(s, 4, r->infno, sizeof r->infno);
  ct(s, 5, r->msgid, sizeof r->msgid);
  ct(s, 6, r->insutype, sizeof r->insutype);
  ct(s, 7, r->med_type, sizeof r->med_type);
  ct(s, 8, r->clr_type, sizeof r->clr_type);
  ct(s, 9, r->setl_time, sizeof r->setl_time);
  ct(s, 10, r->chrg_bchno, sizeof r->chrg_bchno);
  ct(s, 11, r->orig_setl_id, sizeof r->orig_setl_id);
  ct(s, 12, r->family_psn_no, sizeof r->family_psn_no);
  r->year = sqlite3_column_int(s, 13);
  r->refd_setl_flag = sqlite3_column_int(s, 14);
  r->state = sqlite3_column_int(s, 15);
  r->medfee_sumamt = ci(s, 16);
  r->fund_pay_sumamt = ci(s, 17);
  r->acct_pay = ci(s, 18);
  r->acct_mulaid_pay = ci(s, 19);
  r->psn_cash_pay = ci(s, 20);
  if (dup) {
    r->setlinfo = store_sqlite_dup_packed(s, 21);
    r->setldetail = store_sqlite_dup_packed(s, 22);
    r->trace = store_sqlite_dup_packed(s, 23);
    r->accum_delta = cdup(s, 24);
  } else { /* borrowed for the callback only */
    r->setlinfo = (char *)store_sqlite_col_packed(s, 21, 2);
    r->setldetail = (char *)store_sqlite_col_packed(s, 22, 3);
    r->trace = (char *)store_sqlite_col_packed(s, 23, 4);
    r->accum_delta = (char *)cs(s, 24);
  }
}

int store_setl_put(store_conn *c, const store_setl *r, yb_err *e) {
  PREP(s, SETL_PUT);
  const char *t[] = {r->setl_id, r->mdtrt_id, r->psn_no, r->fixmedins_code, r->infno, r->msgid,
                     r->insutype, r->med_type, r->clr_type, r->setl_time, r->chrg_bchno,
                     r->orig_setl_id, r->family_psn_no};
  for (int i = 0; i < 13; i++) bt(s, i + 1, t[i]);
  bi(s, 14, r->year);
  bi(s, 15, r->refd_setl_flag);
  bi(s, 16, r->state);
  bi(s, 17, r->medfee_sumamt);
  bi(s, 18, r->fund_pay_sumamt);
  bi(s, 19, r->acct_pay);
  bi(s, 20, r->acct_mulaid_pay);
  bi(s, 21, r->psn_cash_pay);
  store_sqlite_bind_packed(s, 22, r->setlinfo ? r->setlinfo : "{}");
  store_sqlite_bind_packed(s, 23, r->setldetail ? r->setldetail : "[]");
  store_sqlite_bind_packed(s, 24, r->trace ? r->trace : "[]");
  bt(s, 25, r->accum_delta ? r->accum_delta : "{}");
  int rc = run_done(c, s, e, "settlement");
  if (!rc) rc = console_now(c, store_console_on_setl(c, r, e), e);
  return rc;
}

int store_setl_get(store_conn *c, const char *setl_id, store_setl *out, yb_err *e) {
  PREP(s, SETL_GET);
  bt(s, 1, setl_id);
  int rc = row1(c, s, e, "settlement");
  if (rc) return rc;
  read_setl(s, out, 1);
  finish(s);
  if (!out->setlinfo || !out->setldetail || !out->trace || !out->accum_delta) {
    store_setl_free(out);
    return yb_fail(e, YB_ENOMEM, "", "out of memory");
  }
  return 0;
}

void store_setl_free(store_setl *s) {
  free(s->setlinfo);
  free(s->setldetail);
  free(s->trace);
  free(s->accum_delta);
  s->setlinfo = s->setldetail = s->trace = s->accum_delta = NULL;
}

int store_setl_cancel(store_conn *c, const char *setl_id, yb_err *e) {
  PREP(s, SETL_CANCEL);
  bt(s, 1, setl_id);
  return changed_one(c, run_done(c, s, e, "settlement"), e, "setl_id",
                     "settlement is already cancelled");
}

int store_setl_detail_put(store_conn *c, const char *setl_id, const char *psn_no, int seq,
                          const char *fund_pay_type, const char *name, int64_t inscp,
                          int64_t crt_payb_lmt, int64_t payamt, yb_err *e) {
  PREP(s, SETL_DETAIL_PUT);
  bt(s, 1, setl_id);
  bt(s, 2, psn_no);
  bi(s, 3, seq);
  bt(s, 4, fund_pay_type);
  bt(s, 5, name ? name : "");
  bi(s, 6, inscp);
  bi(s, 7, crt_payb_lmt);
  bi(s, 8, payamt);
  return run_done(c, s, e, "setl_detail");
}

int store_setl_count_visit(store_conn *c, const char *mdtrt_id, int64_t *n, yb_err *e) {
  PREP(s, SETL_COUNT_VISIT);
  bt(s, 1, mdtrt_id);
  int rc = row1(c, s, e, "settlement");
  if (rc) return rc;
  *n = ci(s, 0);
  finish(s);
  return 0;
}

int store_setl_totals(store_conn *c, const char *fixmedins_code, const char *insutype,
                      const char *clr_type, const char *begn, const char *end, int refd,
                      store_totals *out, yb_err *e) {
  PREP(s, SETL_TOTALS);
  bt(s, 1, fixmedins_code);
  bt(s, 2, insutype ? insutype : "");
  bt(s, 3, clr_type ? clr_type : "");
  bt(s, 4, begn);
  bt(s, 5, end);
  bi(s, 6, refd);
  int rc = row1(c, s, e, "settlement");
  if (rc) return rc;
  out->medfee_sumamt = ci(s, 0);
  out->fund_pay_sumamt = ci(s, 1);
  out->acct_pay = ci(s, 2);
  out->psn_cash_pay = ci(s, 3);
  out->cnt = ci(s, 4);
  finish(s);
  return 0;
}

int store_setl_each_inst(store_conn *c, const char *fixmedins_code, const char *begn,
                         const char *end, int (*fn)(const store_setl *, void *), void *arg,
                         yb_err *e) {
  PREP(s, SETL_EACH_INST);
  bt(s, 1, fixmedins_code);
  bt(s, 2, begn);
  bt(s, 3, end);
  store_setl r;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    read_setl(s, &r, 0);
    int x = fn(&r, arg);
    if (x) {
      finish(s);
      return x;
    }
  }
  finish(s);
  return rc == SQLITE_DONE ? 0 : dberr(c, e, "settlement");
}

/* ---- accumulators, message log, sign-ins, write log ------------------------------------- */
int store_accum_each(store_conn *c, const char *psn_no, int year,
                     int (*fn)(const char *bucket, int period, int64_t value, void *), void *arg,
                     yb_err *e) {
  PREP(s, ACCUM_EACH);
  bt(s, 1, psn_no);
  bi(s, 2, year);
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    int x = fn(cs(s, 0), sqlite3_column_int(s, 1), ci(s, 2), arg);
    if (x) {
      finish(s);
      return x;
    }
  }
  finish(s);
  return rc == SQLITE_DONE ? 0 : dberr(c, e, "accum");
}

int store_accum_set(store_conn *c, const char *psn_no, int year, const char *bucket, int period,
                    int64_t value, yb_err *e) {
  PREP(s, ACCUM_SET);
  bt(s, 1, psn_no);
  bi(s, 2, year);
  bt(s, 3, bucket);
  bi(s, 4, period);
  bi(s, 5, value);
  return run_done(c, s, e, "accum");
}

/* msglog.mkey (schema 7): the msgid after a leading fixmedins_code, as MSG_KEY_SQL says */
static const char *msg_key(const char *fixmedins_code, const char *msgid) {
  size_t n = strlen(fixmedins_code);
  return strncmp(msgid, fixmedins_code, n) ? msgid : msgid + n;
}

int store_msg_get(store_conn *c, const char *fixmedins_code, const char *msgid, char **infno,
                  char **req_hash, char **psn_no, char **response, yb_err *e) {
  PREP(s, MSG_GET);
  bt(s, 1, fixmedins_code);
  bt(s, 2, msgid);
  bt(s, 3, msg_key(fixmedins_code, msgid));
  int rc = row1(c, s, e, "msgid");
  if (rc) return rc;
  *infno = cdup(s, 0);
  *req_hash = cdup(s, 1);
  *psn_no = cdup(s, 2);
  *response = store_sqlite_dup_packed(s, 3);
  finish(s);
  if (*infno && *req_hash && *psn_no && *response) return 0;
  free(*infno), free(*req_hash), free(*psn_no), free(*response);
  *infno = *req_hash = *psn_no = *response = NULL;
  return yb_fail(e, YB_ESTORE, "msgid", "the stored reply to this msgid cannot be read");
}

/* Now in UTC as NOW_SQL prints it ("2026-12-07 06:41:23.456"), formatted here: SQLite's
 * strftime cost ~2 K instructions a row, two rows a write (msglog, write_log). */
static void now_text(char out[24]) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  int f[] = {(tm.tm_year + 1900) / 100, (tm.tm_year + 1900) % 100, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec};
  memcpy(out, "0000-00-00 00:00:00.000", 24);
  static const int at[] = {0, 2, 5, 8, 11, 14, 17};
  for (int i = 0; i < 7; i++) out[at[i]] = (char)('0' + f[i] / 10 % 10), out[at[i] + 1] = (char)('0' + f[i] % 10);
  int ms = (int)(ts.tv_nsec / 1000000);
  out[20] = (char)('0' + ms / 100), out[21] = (char)('0' + ms / 10 % 10), out[22] = (char)('0' + ms % 10);
}

int store_msg_put(store_conn *c, const char *fixmedins_code, const char *msgid, const char *infno,
                  const char *req_hash, const char *psn_no, const char *response, yb_err *e) {
  PREP(s, MSG_PUT);
  bt(s, 1, fixmedins_code);
  bt(s, 2, msgid);
  bt(s, 3, infno);
  bt(s, 4, req_hash);
  bt(s, 5, psn_no ? psn_no : "");
  store_sqlite_bind_packed(s, 6, response);
  char now[24];
  now_text(now);
  bt(s, 7, now);
  bt(s, 8, msg_key(fixmedins_code, msgid));
  return run_done(c, s, e, "msglog");
}

int store_signin_put(store_conn *c, const char *sign_no, const char *fixmedins_code,
                     const char *opter_no, const char *mac, const char *ip, const char *sign_time,
                     yb_err *e) {
  PREP(s, SIGNIN_PUT);
  const char *t[] = {sign_no, fixmedins_code, opter_no, mac, ip, sign_time};
  for (int i = 0; i < 6; i++) bt(s, i + 1, t[i]);
  return run_done(c, s, e, "signin");
}

int store_signin_find(store_conn *c, const char *fixmedins_code, const char *opter_no,
                      const char *day, char *sign_no, size_t cap, yb_err *e) {
  PREP(s, SIGNIN_FIND);
  bt(s, 1, fixmedins_code);
  bt(s, 2, opter_no);
  bt(s, 3, day);
  int rc = row1(c, s, e, "sign-in");
  if (rc) return rc;
  ct(s, 0, sign_no, cap);
  finish(s);
  return 0;
}

int store_signin_out(store_conn *c, const char *fixmedins_code, const char *opter_no,
                     const char *sign_time, yb_err *e) {
  PREP(s, SIGNIN_OUT);
  bt(s, 1, fixmedins_code);
  bt(s, 2, opter_no);
  bt(s, 3, sign_time);
  return run_done(c, s, e, "signin");
}

int store_signin_each_active(store_conn *c,
                             int (*fn)(const char *sign_no, const char *fixmedins_code,
                                       const char *opter_no, void *), void *arg, yb_err *e) {
  PREP(s, SIGNIN_ACTIVE);
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    int x = fn(cs(s, 0), cs(s, 1), cs(s, 2), arg);
    if (x) {
      finish(s);
      return x;
    }
  }
  finish(s);
  return rc == SQLITE_DONE ? 0 : dberr(c, e, "signin");
}

int store_log(store_conn *c, const char *fixmedins_code, const char *opter, const char *infno,
              const char *msgid, const char *psn_no, const char *what, yb_err *e) {
  PREP(s, LOG_PUT);
  char now[24];
  now_text(now);
  const char *t[] = {fixmedins_code, opter, infno, msgid, psn_no ? psn_no : "", what, now};
  for (int i = 0; i < 7; i++) bt(s, i + 1, t[i]);
  return run_done(c, s, e, "write_log");
}
