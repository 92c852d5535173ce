"""The generator end to end: `init --demo` then `gen` into the same database, served by the real
server. What gen printed matches the tables, accumulators equal the settlements, a generated
settlement can be queried and cancelled over HSI, a generated person can settle a new visit, and
the demo flows still work beside the generated region."""
import hashlib
import os
import subprocess
import tempfile

import pytest

import yb
from conftest import YIBAO, Server, accum_matches_settlements, make_db
from flows import DRUG, outpatient

GEN = "4115009%"  # generated persons' psn_no prefix


def gen_secret(code):
    return hashlib.sha256(("yibao-gen-secret:" + code).encode()).hexdigest()[:32]


@pytest.fixture(scope="module")
def region():
    with tempfile.TemporaryDirectory() as d:
        db = make_db(d)
        out = subprocess.run([YIBAO, "gen", "--db", db, "--persons", "1500", "--institutions", "30",
                              "--years", "1", "--seed", "5"], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        stats = {}
        for line in out.stdout.splitlines():
            k, sep, v = line.partition(": ")
            if sep and not line.startswith(("catalog ", "policy ")):
                stats[k] = v
        s = Server(db).start()
        yield s, stats
        s.stop()


def client(server, code):
    c = yb.Client(server.base, code=code, secret=gen_secret(code))
    c.sign_in()
    return c


def test_printed_sizes_are_the_tables(region):
    s, st = region
    assert int(st["persons"]) == s.sql("SELECT count(*) FROM person WHERE psn_no LIKE ?", GEN)[0][0] == 1500
    assert int(st["fee_lines"]) == s.sql("SELECT count(*) FROM fee WHERE psn_no LIKE ?", GEN)[0][0]
    assert int(st["settlements"]) == s.sql("SELECT count(*) FROM settlement WHERE psn_no LIKE ?", GEN)[0][0]
    assert int(st["labels"]) == s.sql("SELECT count(*) FROM fraud_label")[0][0] > 0
    assert int(st["catalog_items"]) >= 5000
    assert s.sql("SELECT count(*) FROM gen_run")[0][0] == 1


def test_households_reach_the_enrollment_lists(region):
    s, st = region
    # every generated person is in one household, one head each, as the generator counted them
    assert s.sql("SELECT count(*), count(DISTINCT psn_no) FROM enr_household WHERE psn_no LIKE ?", GEN)[0] == (1500, 1500)
    assert s.sql("SELECT count(DISTINCT hh_no), count(*) FILTER (WHERE relation='head') FROM enr_household"
                 " WHERE psn_no LIKE ?", GEN)[0] == (int(st["households"]), int(st["households"]))
    year = s.sql("SELECT max(year) FROM enrollment WHERE psn_no LIKE ?", GEN)[0][0]
    out = subprocess.run([YIBAO, "enroll", "monitor", "household", "--year", str(year), "--db", s.db],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    missing = s.sql("SELECT count(*) FROM enr_household h WHERE h.psn_no LIKE ? AND NOT EXISTS"
                    " (SELECT 1 FROM enrollment e WHERE e.psn_no=h.psn_no AND e.year=?)", GEN, year)[0][0]
    assert missing > 0  # broken years and deaths leave some members out
    assert sum(1 for line in out.stdout.splitlines() if "4115009" in line) >= missing


def test_accumulators_equal_settlements(region):
    s, _ = region
    assert len(accum_matches_settlements(s)) > 500


def test_query_and_cancel_a_generated_settlement(region):
    s, _ = region
    setl, mdtrt, psn, code, total = s.sql(
        "SELECT setl_id, mdtrt_id, psn_no, fixmedins_code, medfee_sumamt FROM settlement "
        "WHERE psn_no LIKE ? AND med_type='11' AND fund_pay_sumamt>0 ORDER BY setl_id LIMIT 1", GEN)[0]
    c = client(s, code)
    lines = c.ok("5204", {"data": {"psn_no": psn, "setl_id": setl, "mdtrt_id": mdtrt}})["result"]
    assert round(sum(l["det_item_fee_sumamt"] for l in lines) * 100) == total
    assert all(l["setl_id"] == setl and "inscp_scp_amt" in l and "bilg_dr_codg" in l for l in lines)
    cx = c.ok("2208", {"data": {"setl_id": setl, "mdtrt_id": mdtrt, "psn_no": psn}})
    assert round(cx["setlinfo"]["medfee_sumamt"] * 100) == -total
    accum_matches_settlements(s, psn)


def test_generated_person_settles_a_new_visit(region):
    s, _ = region
    psn, cert = s.sql(
        "SELECT p.psn_no, p.certno FROM person p JOIN enrollment e ON e.psn_no=p.psn_no AND e.year=2024 "
        "WHERE p.psn_no LIKE ? AND e.insutype='390' AND e.wait_until='' AND p.death_date='' "
        "ORDER BY p.psn_no LIMIT 1", GEN)[0]
    code = s.sql("SELECT fixmedins_code FROM institution WHERE medins_type='clinic' "
                 "AND fixmedins_code LIKE 'H41150%' AND fixmedins_code > 'H41150010000' LIMIT 1")[0][0]
    c = client(s, code)
    date = "2024-12-30 10:00:00"
    m = c.ok("2201", {"data": {"psn_no": psn, "insutype": "390", "begntime": date, "mdtrt_cert_type": "02",
                               "mdtrt_cert_no": cert, "ipt_otp_no": "E2E-GEN-1", "atddr_no": "D1",
                               "dr_name": "医生", "dept_code": "QK", "dept_name": "全科", "caty": "A03"}})["data"]["mdtrt_id"]
    c.ok("2203", {"mdtrtinfo": {"mdtrt_id": m, "psn_no": psn, "med_type": "11", "begntime": date,
                                "dise_codg": "", "dise_name": ""},
                  "diseinfo": [{"diag_type": "1", "diag_srt_no": 1, "diag_code": "J06.900", "diag_name": "上感",
                                "diag_dept": "全科", "dise_dor_no": "D1", "dise_dor_name": "医生",
                                "diag_time": date, "vali_flag": "1"}]})
    rows = []
    for sn, item, cnt, pric in [("1", "99G1290001", 1, 10.0), ("2", DRUG, 2, 18.5)]:
        rows.append({"feedetl_sn": sn, "mdtrt_id": m, "psn_no": psn, "chrg_bchno": "B1", "rxno": "",
                     "rx_circ_flag": "0", "fee_ocur_time": date, "med_list_codg": item, "medins_list_codg": "X" + sn,
                     "det_item_fee_sumamt": round(cnt * pric, 2), "cnt": cnt, "pric": pric,
                     "bilg_dept_codg": "QK", "bilg_dept_name": "全科", "bilg_dr_codg": "D1",
                     "bilg_dr_name": "医生", "hosp_appr_flag": "0"})
    c.ok("2204", {"feedetail": rows})
    d = {"psn_no": psn, "mdtrt_cert_type": "02", "mdtrt_cert_no": cert, "med_type": "11", "medfee_sumamt": 47.0,
         "psn_setlway": "01", "mdtrt_id": m, "chrg_bchno": "B1", "acct_used_flag": "0", "insutype": "390"}
    si = c.ok("2206", {"data": d})["setlinfo"]
    d.update(fulamt_ownpay_amt=si["fulamt_ownpay_amt"], overlmt_selfpay=si["overlmt_selfpay"],
             preselfpay_amt=si["preselfpay_amt"], inscp_scp_amt=si["inscp_scp_amt"], invono="")
    out = c.ok("2207", {"data": d})["setlinfo"]
    assert out["medfee_sumamt"] == 47.0 and out["inscp_scp_amt"] == 47.0
    accum_matches_settlements(s, psn)


def test_demo_flow_beside_the_region(region):
    s, _ = region
    c = s.client(1)
    c.sign_in()
    m, pre, rep, d = outpatient(c, 1)
    assert rep["infcode"] == 0, rep


def test_dry_run_and_bad_input():
    out = subprocess.run([YIBAO, "gen", "--dry-run", "--persons", "1000", "--years", "2"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    lines = dict(l.split(": ", 1) for l in out.stdout.splitlines() if ": " in l and not l.startswith("#"))
    assert lines["persons"] == "1000" and int(lines["fee_lines"]) == 68000 and "disk_mb_approx" in lines
    for args, field in [(["--persons", "0"], "--persons"), (["--years", "11"], "--years"),
                        (["--fraud-rate", "no_such=0.1"], "--fraud-rate"),
                        (["--fraud-rate", "age_limit=2"], "--fraud-rate")]:
        with tempfile.TemporaryDirectory() as d:
            out = subprocess.run([YIBAO, "gen", "--db", d + "/x.db"] + args, capture_output=True, text=True)
            assert out.returncode == 2 and field in out.stderr, (args, out.stderr)
            assert not os.listdir(d), "nothing is created on bad input"
