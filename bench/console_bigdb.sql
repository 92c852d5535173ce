-- console_bigdb.sql — a county of 1 000 000 persons in bulk SQL, for timing the console's pages
-- (not a generator of realistic claims: `yibao gen` is). Run on a db made by `yibao init --demo`:
-- 4 more level-2 hospitals, 20 township health centres, 380 village clinics (a third of them never
-- settle), 40 pharmacies; 1 M persons enrolled in 2026 (80 % residents); 2 M settled visits over
-- 2025–2026, 1 % reversed, 3 fee lines each. Raw SQL bypasses the store, which keeps the console's
-- summary tables: bench/console.sh rebuilds them afterwards (yibao console refresh).
PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-400000; PRAGMA foreign_keys=OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<444)
INSERT INTO institution(fixmedins_code, fixmedins_name, hosp_lv, hosp_lv_code, medins_type, admdvs, secret)
SELECT CASE WHEN i<=404 THEN 'H' ELSE 'P' END || printf('4115%07d', i+100),
  CASE WHEN i<=4 THEN '县第' || i || '医院' WHEN i<=24 THEN '第' || (i-4) || '乡镇卫生院'
       WHEN i<=404 THEN '第' || (i-24) || '村卫生室' ELSE '第' || (i-404) || '药店' END,
  CASE WHEN i<=4 THEN 2 WHEN i<=24 THEN 1 ELSE 0 END, CASE WHEN i<=4 THEN '05' WHEN i<=24 THEN '08' ELSE '11' END,
  CASE WHEN i<=24 THEN 'hospital' WHEN i<=404 THEN 'clinic' ELSE 'pharmacy' END, '411500', 'bulk-secret-' || i FROM n;
CREATE TEMP TABLE inst_pick(k INTEGER PRIMARY KEY, code TEXT, kind TEXT);
-- visits go 10 % to the demo hospitals (inpatient), 30 % to the level-2 ones, 35 % to townships,
-- 25 % to the 253 clinics that settle at all
INSERT INTO inst_pick(code, kind) SELECT fixmedins_code, 'ipt' FROM institution WHERE fixmedins_code IN ('H41150000001','H41150000002','H41150000003');
INSERT INTO inst_pick(code, kind) SELECT fixmedins_code, 'otp' FROM institution WHERE hosp_lv=2 AND fixmedins_code LIKE 'H4115000010%';
INSERT INTO inst_pick(code, kind) SELECT fixmedins_code, 'otp' FROM institution WHERE hosp_lv=1 AND fixmedins_code<>'H41150000004';
INSERT INTO inst_pick(code, kind) SELECT fixmedins_code, 'otp' FROM institution WHERE medins_type='clinic' AND fixmedins_code<>'H41150000005' AND CAST(substr(fixmedins_code,6) AS INTEGER) % 3 <> 0;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<1000000)
INSERT INTO person(psn_no, psn_cert_type, certno, psn_name, gend, naty, brdy, insuplc_admdvs)
SELECT printf('4115%016d', 1000+i), '01', printf('4115%014d', i),
  substr('王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗', 1 + i % 20, 1) || substr('伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英', 1 + (i / 20) % 28, 1)
    || CASE WHEN i % 3 = 0 THEN '' ELSE substr('建国华明玉红文志春海', 1 + (i / 7) % 10, 1) END,
  CASE WHEN i % 2 THEN '1' ELSE '2' END, '01',
  printf('%04d-%02d-%02d', 1935 + i % 88, 1 + i % 12, 1 + i % 28), '411500' FROM n;
INSERT INTO enrollment(psn_no, year, insutype, psn_type, psn_insu_date)
SELECT psn_no, 2026, CASE WHEN rowid % 5 = 0 THEN '310' ELSE '390' END, CASE WHEN rowid % 5 = 0 THEN '11' ELSE '1701' END, '2024-01-01'
FROM person WHERE psn_no LIKE '4115000000000001%' OR psn_no >= '41150000000000001001';
CREATE TEMP TABLE v AS
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<2000000)
SELECT i, printf('4115%016d', 1001 + abs(random()) % 1000000) AS psn,
  (SELECT code FROM inst_pick WHERE k = 1 + (CASE WHEN i % 10 = 0 THEN i % 3
     ELSE 3 + abs(random()) % ((SELECT count(*) FROM inst_pick) - 3) END)) AS code,
  printf('%04d-%02d-%02d %02d:%02d:00', 2025 + i % 2, 1 + (i / 2) % 12, 1 + i % 28, 8 + i % 9, i % 60) AS t,
  substr('J06.9 I10   E11.9 K29.7 I63.9 J18.9 M54.5 N18.5 I25.1 J44.9 ', 1 + 6 * (abs(random()) % 10), 5) AS dise,
  1000 + abs(random()) % 30000 AS fee FROM n;
INSERT INTO visit(mdtrt_id, psn_no, fixmedins_code, kind, insutype, med_type, ipt_otp_no, begntime, diag, state)
SELECT printf('411500BK%010d', i), psn, code, CASE WHEN i % 10 = 0 THEN 'ipt' ELSE 'otp' END,
  CASE WHEN CAST(substr(psn, 17) AS INTEGER) % 5 = 0 THEN '310' ELSE '390' END,
  CASE WHEN i % 10 = 0 THEN '2101' ELSE '11' END, 'BK' || i, t, trim(dise), 2 FROM v;
INSERT INTO settlement(setl_id, mdtrt_id, psn_no, fixmedins_code, infno, msgid, insutype, med_type, clr_type, year,
  setl_time, medfee_sumamt, fund_pay_sumamt, acct_pay, acct_mulaid_pay, psn_cash_pay, setlinfo, setldetail, trace, accum_delta)
SELECT printf('411500BS%010d', i), printf('411500BK%010d', i), psn, code, CASE WHEN i % 10 = 0 THEN '2304' ELSE '2207' END,
  'BK' || i, CASE WHEN CAST(substr(psn, 17) AS INTEGER) % 5 = 0 THEN '310' ELSE '390' END,
  CASE WHEN i % 10 = 0 THEN '2101' ELSE '11' END, CASE WHEN i % 10 = 0 THEN '21' ELSE '11' END, 2025 + i % 2, t,
  fee * CASE WHEN i % 10 = 0 THEN 20 ELSE 1 END, (fee * CASE WHEN i % 10 = 0 THEN 20 ELSE 1 END) * 6 / 10, 0, 0,
  (fee * CASE WHEN i % 10 = 0 THEN 20 ELSE 1 END) - (fee * CASE WHEN i % 10 = 0 THEN 20 ELSE 1 END) * 6 / 10,
  json_object('medfee_sumamt', (fee * CASE WHEN i % 10 = 0 THEN 20 ELSE 1 END) / 100.0,
              'inscp_scp_amt', (fee * CASE WHEN i % 10 = 0 THEN 20 ELSE 1 END) / 100.0,
              'hifp_pay', ((fee * CASE WHEN i % 10 = 0 THEN 20 ELSE 1 END) * 6 / 10) / 100.0,
              'fund_pay_sumamt', ((fee * CASE WHEN i % 10 = 0 THEN 20 ELSE 1 END) * 6 / 10) / 100.0,
              'psn_cash_pay', ((fee * CASE WHEN i % 10 = 0 THEN 20 ELSE 1 END) - (fee * CASE WHEN i % 10 = 0 THEN 20 ELSE 1 END) * 6 / 10) / 100.0),
  '[]', '[]', '{}' FROM v;
-- three lines a visit: two drugs of the catalog and a service
INSERT INTO fee(mdtrt_id, feedetl_sn, seq, psn_no, fixmedins_code, med_list_codg, fee_ocur_time, cnt, pric, sumamt, setl_id, body, result)
SELECT printf('411500BK%010d', i), k, k, psn, code,
  CASE k WHEN 3 THEN '9902000400000099' ELSE substr('XJ01CAD001A001010199999XA10BAD002A001010199999XC08CAD003A001010199999XB01ACD004A001010199999XC09AAD009A001010199999XA02BCD023A001010199999', 1 + 23 * ((i + k) % 6), 23) END,
  t, 10000, (fee * CASE WHEN i % 10 = 0 THEN 20 ELSE 1 END) / 3 * 10000, (fee * CASE WHEN i % 10 = 0 THEN 20 ELSE 1 END) / 3,
  printf('411500BS%010d', i), '{}', '{}'
FROM v, (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3);
-- 1 % reversed: a negative row, the original cancelled
INSERT INTO settlement(setl_id, mdtrt_id, psn_no, fixmedins_code, infno, msgid, insutype, med_type, clr_type, year,
  setl_time, orig_setl_id, refd_setl_flag, medfee_sumamt, fund_pay_sumamt, acct_pay, acct_mulaid_pay, psn_cash_pay,
  setlinfo, setldetail, trace, accum_delta)
SELECT 'R' || setl_id, mdtrt_id, psn_no, fixmedins_code, '2601', 'R' || msgid, insutype, med_type, clr_type, year, setl_time,
  setl_id, 1, -medfee_sumamt, -fund_pay_sumamt, 0, 0, -psn_cash_pay, '{}', '[]', '[]', '{}'
FROM settlement WHERE setl_id LIKE '411500BS%' AND CAST(substr(setl_id, 9) AS INTEGER) % 100 = 7;
UPDATE settlement SET state = 0 WHERE setl_id IN (SELECT orig_setl_id FROM settlement WHERE setl_id LIKE 'R411500BS%');
UPDATE fee SET setl_id = NULL WHERE setl_id IN (SELECT orig_setl_id FROM settlement WHERE setl_id LIKE 'R411500BS%');
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SELECT 'persons', count(*) FROM person; SELECT 'settlements', count(*) FROM settlement; SELECT 'fee lines', count(*) FROM fee;
