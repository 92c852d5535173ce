"""Fund supervision end to end: a blocking rule refuses a settlement (and 2206 warned of it), 3101
judges a visit in the national result shape, and the case workflow runs from a post-settlement
run's findings to the deduction year-end clearing takes."""
import os
import sqlite3
import subprocess

from conftest import ROOT, YIBAO
from flows import DRUG, VISIT_FEE, outpatient
from yb import Console, inst

os.environ.setdefault("YIBAO_RULES", os.path.join(ROOT, "rules"))
DUP_SERVICE = "GZ10000050001000"   # 重复收费 (services), blocks
PRICE_SERVICE = "GZ10000030002000"  # 诊疗项目超限价, does not block
GENDER_DRUG = "GZ10000010001000"
FAKE_ADMISSION = "GZ20000160001000"  # 虚假住院：住院期间无任何治疗
UNREGISTERED_DOCTOR = "GZ20000180001000"
MALE_ONLY = "XG04CBD027A001010199999"


def test_blocked_settlement(server):
    c = server.client(1)
    c.sign_in()
    # the consultation fee twice at the same moment: 2206 warns, 2207 refuses naming the rule and line
    m, pre, rep, d = outpatient(c, 7, lines=[(DRUG, 1, 18.5), (VISIT_FEE, 1, 10), (VISIT_FEE, 1, 10)])
    assert rep["infcode"] == -1
    assert DUP_SERVICE in rep["err_msg"] and "line 3" in rep["err_msg"]
    assert server.sql("SELECT count(*) FROM settlement WHERE mdtrt_id=?", m)[0][0] == 0
    assert server.sql("SELECT count(setl_id) FROM fee WHERE mdtrt_id=?", m)[0][0] == 0
    rows = pre["audit_result"]
    assert [r["rule_id"] for r in rows] == [DUP_SERVICE]
    assert rows[0]["judge_result_detail_dtos"][0]["rx_id"] == "3"
    assert rows[0]["vola_amt"] == 10.0 and rows[0]["sev_deg"] == "1" and rows[0]["vola_bhvr_type"] == "2"


def test_warning_does_not_block(server):
    c = server.client(2)
    c.sign_in()
    # 15.00 against the 10.00 limit: settled (the excess is self-paid) with a warning
    m, pre, rep, d = outpatient(c, 5, lines=[(VISIT_FEE, 1, 15)])
    assert rep["infcode"] == 0, rep
    assert PRICE_SERVICE in rep["warn_msg"]
    assert pre["audit_result"][0]["rule_id"] == PRICE_SERVICE and pre["audit_result"][0]["vola_amt"] == 5.0


def judge(c, infno, gend, orders):
    return c.call(infno, {"data": {"syscode": "HIS", "task_id": "T1", "patient_dtos": [{
        "patn_id": "EXT0001", "patn_name": "外部患者", "gend": gend, "brdy": "1980-05-01", "poolarea": "411500",
        "curr_mdtrt_id": "EXT-M1", "fsi_encounter_dtos": [{
            "mdtrt_id": "EXT-M1", "medins_id": c.code, "medins_name": "x", "medins_admdvs": "411500",
            "medins_type": "1", "medins_lv": "05", "adm_date": "2024-05-01 09:00:00", "dscg_date": "2024-05-01 10:00:00",
            "dscg_main_dise_codg": "J06.9", "dscg_main_dise_name": "上感", "fsi_diagnose_dtos": [], "dr_codg": "D001",
            "adm_dept_codg": "NK", "adm_dept_name": "内科", "dscg_dept_codg": "NK", "dscg_dept_name": "内科",
            "med_mdtrt_type": "1", "med_type": "11", "matn_stas": "0", "medfee_sumamt": 40, "ownpay_amt": 0,
            "selfpay_amt": 0, "setl_totlnum": 0, "insutype": "390", "reim_flag": "1", "out_setl_flag": "0",
            "fsi_order_dtos": orders}]}]}})


def order(rx, code, cnt, pric):
    return {"rx_id": rx, "rxno": rx, "long_drord_flag": "0", "hilist_type": "1", "chrg_type": "09",
            "drord_bhvr": "0", "hilist_code": code, "hilist_name": "x", "hilist_lv": "1", "hilist_pric": pric,
            "hosplist_code": "H-" + code, "hosplist_name": "x", "cnt": cnt, "pric": pric, "sumamt": cnt * pric,
            "ownpay_amt": 0, "selfpay_amt": 0, "spec": "", "spec_unt": "", "drord_begn_date": "2024-05-01 09:10:00",
            "drord_dept_codg": "NK", "drord_dept_name": "内科", "drord_dr_codg": "D001", "drord_dr_name": "x",
            "drord_dr_profttl": "234", "curr_drord_flag": "1"}


def test_3101_national_shape(server):
    c = server.client(1)
    c.sign_in()
    j = judge(c, "3101", "2", [order("R1", MALE_ONLY, 2, 20), order("R2", DRUG, 1, 18.5)])
    assert j["infcode"] == 0, j
    res = j["output"]["result"]
    assert [r["rule_id"] for r in res] == [GENDER_DRUG]
    r = res[0]
    assert r["patn_id"] == "EXT0001" and r["mdtrt_id"] == "EXT-M1" and r["vola_amt"] == 40.0
    assert r["task_id"] == "T1" and r["sev_deg"] == "1" and r["vola_amt_stas"] == "0"
    assert r["judge_result_detail_dtos"] == [{"jrd_id": r["jr_id"], "patn_id": "EXT0001", "mdtrt_id": "EXT-M1",
                                              "rx_id": "R1", "vola_item_type": "1", "vola_amt": 40.0}]
    assert "male" in r["vola_cont"]
    # a man may have it: no finding; 3102 answers the same way
    assert judge(c, "3102", "1", [order("R1", MALE_ONLY, 2, 20)])["output"]["result"] == []
    bad = judge(c, "3101", "2", [order("R1", MALE_ONLY, -1, 20)])
    assert bad["infcode"] == -1 and "fsi_order_dtos[0].cnt" in bad["err_msg"]


def test_case_workflow(server):
    # the two visits above are in the store: a post-settlement run finds the repeat and the price
    out = subprocess.run([YIBAO, "audit", "run", "--db", server.db, "--from", "2024-01-01", "--to", "2024-12-31",
                          "--rules-dir", os.path.join(ROOT, "rules")], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "lines_per_sec:" in out.stdout
    sup = Console(server.base, "supervisor")
    fs = sup.get("/api/v1/audit/findings", rule_id=PRICE_SERVICE).json()["findings"]
    assert len(fs) == 1 and fs[0]["vola_amt"] == 5.0 and fs[0]["state"] == "flagged"
    f = fs[0]
    code = f["fixmedins_code"]
    assert code == inst(2)
    # again: nothing new
    subprocess.run([YIBAO, "audit", "run", "--db", server.db, "--from", "2024-01-01", "--to", "2024-12-31",
                    "--rules-dir", os.path.join(ROOT, "rules")], capture_output=True, check=True)
    assert len(sup.get("/api/v1/audit/findings", rule_id=PRICE_SERVICE).json()["findings"]) == 1
    # an institution user sees only its own findings
    other = Console(server.base, "inst1")
    assert all(x["fixmedins_code"] == inst(1) for x in other.get("/api/v1/audit/findings").json()["findings"])
    assert other.get("/api/v1/audit/findings/%d" % f["finding_id"]).status_code == 403
    r = sup.post("/api/v1/audit/cases", {"finding_ids": [f["finding_id"]], "title": "超限价收费"})
    assert r.status_code == 201, r.text
    case = r.json()
    cid = case["case_id"]
    assert case["state"] == "open" and case["amt_flagged"] == 5.0 and case["year"] == 2024
    assert sup.post("/api/v1/audit/cases", {"finding_ids": [f["finding_id"]]}).status_code == 409
    assert sup.post("/api/v1/audit/cases/%d/review" % cid).json()["state"] == "review"
    r = sup.post("/api/v1/audit/cases/%d/dismiss" % cid, {})
    assert r.status_code == 400 and r.json()["error"]["field"] == "reason"
    assert sup.post("/api/v1/audit/cases/%d/recoveries" % cid, {"amount": 1}).status_code == 409  # not confirmed
    r = sup.post("/api/v1/audit/cases/%d/confirm" % cid, {"reason": "超出限价 5 元", "amount": 5})
    assert r.status_code == 200 and r.json()["state"] == "confirmed" and r.json()["amt_confirmed"] == 5.0
    assert sup.post("/api/v1/audit/cases/%d/recoveries" % cid, {"amount": 6}).status_code == 400
    r = sup.post("/api/v1/audit/cases/%d/recoveries" % cid, {"amount": 2, "note": "已退回"})
    assert r.status_code == 201 and r.json()["amt_recovered"] == 2.0 and r.json()["amt_due"] == 3.0
    events = [(e["action"], e["who"], e["amount"]) for e in r.json()["events"]]
    assert events == [("open", "supervisor", 5.0), ("review", "supervisor", 0.0), ("confirm", "supervisor", 5.0),
                      ("recover", "supervisor", 2.0)]
    assert r.json()["findings"][0]["state"] == "confirmed"
    ded = sup.get("/api/v1/audit/deductions", year=2024).json()["deductions"]
    assert ded == [{"fixmedins_code": code, "confirmed": 5.0, "recovered": 2.0, "deduction": 3.0}]
    credit = {c["fixmedins_code"]: c for c in sup.get("/api/v1/audit/credit", year=2024).json()["credit"]}
    assert credit[code]["score"] == 980 and credit[code]["grade"] == "A" and credit[inst(1)]["score"] == 1000
    csv = sup.get("/api/v1/audit/negative-list", year=2024)
    assert csv.status_code == 200 and "text/csv" in csv.headers["Content-Type"]
    assert csv.text.splitlines() == ["rule_id,kind,fixmedins_code,confirmed_findings,amount",
                                     "%s,over_price_limit,%s,1,5.00" % (PRICE_SERVICE, code)]
    # who and when of every change in the write log
    names = [n for (n,) in server.sql("SELECT infno FROM write_log WHERE opter='supervisor' AND infno LIKE 'audit.%'")]
    assert names == ["audit.case.open", "audit.case.review", "audit.case.confirm", "audit.case.recover"]
    assert other.post("/api/v1/audit/cases/%d/dismiss" % cid, {"reason": "x"}).status_code == 403



def audit_run(server):
    out = subprocess.run([YIBAO, "audit", "run", "--db", server.db, "--from", "2024-01-01", "--to", "2024-12-31",
                          "--rules-dir", os.path.join(ROOT, "rules")], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return {k: v for k, _, v in (l.partition(": ") for l in out.stdout.splitlines()) if v}


def test_extract_follows_settlements_and_cancellations(server):
    # a run packs what was settled since the last one; a settlement cancelled afterwards drops out
    before = audit_run(server)
    c = server.client(2)
    c.sign_in()
    m, pre, rep, d = outpatient(c, 6, lines=[(VISIT_FEE, 1, 15), (DRUG, 2, 18.5)])
    assert rep["infcode"] == 0, rep
    setl = rep["output"]["setlinfo"]["setl_id"]
    after = audit_run(server)
    assert int(after["lines"]) == int(before["lines"]) + 2
    assert int(after["visits"]) == int(before["visits"]) + 1
    assert server.sql("SELECT count(*) FROM audit_finding WHERE mdtrt_id=? AND rule_id=?", m, PRICE_SERVICE)[0][0] == 1
    n = server.sql("SELECT sum(n_line) FROM audit_extract")[0][0]
    c.ok("2208", {"data": {"setl_id": setl, "mdtrt_id": m, "psn_no": d["psn_no"]}})
    again = audit_run(server)
    assert int(again["lines"]) == int(before["lines"]) and int(again["visits"]) == int(before["visits"])
    assert server.sql("SELECT setl_id FROM audit_extract_void") == [(setl,)]
    assert server.sql("SELECT sum(n_line) FROM audit_extract")[0][0] == n  # nothing repacked
    # a copy whose settlement row ids changed (VACUUM) no longer matches the mark: rebuilt, same result
    con = sqlite3.connect(server.db, timeout=30)
    with con:
        con.execute("UPDATE audit_extract_mark SET setl_id='gone'")
    con.close()
    assert audit_run(server)["lines"] == again["lines"]
    assert server.sql("SELECT count(*) FROM audit_extract_void")[0][0] == 1
    # the segment file is derived: lost, it is rebuilt from the tables
    os.remove(server.db + ".audit")
    assert audit_run(server)["lines"] == again["lines"]
    assert os.path.getsize(server.db + ".audit") > 0


def test_extract_compaction_keeps_every_finding(server):
    # settlements arrive in time order, so a person's visits lie in many segments; compaction
    # rewrites the extract in person order and a run finds exactly what it found before
    audit_run(server)
    c = server.client(2)
    c.sign_in()
    m, pre, rep, d = outpatient(c, 7, lines=[(VISIT_FEE, 1, 15), (DRUG, 2, 18.5)])
    assert rep["infcode"] == 0, rep
    before = audit_run(server)
    assert server.sql("SELECT count(*) FROM audit_extract")[0][0] >= 2
    n_setl = server.sql("SELECT sum(n_setl) FROM audit_extract")[0][0]
    out = subprocess.run([YIBAO, "audit", "compact", "--db", server.db], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    figures = {k: v for k, _, v in (l.partition(": ") for l in out.stdout.splitlines()) if v}
    assert int(figures["compacted_settlements"]) == n_setl
    assert server.sql("SELECT sum(n_setl) FROM audit_extract")[0][0] == n_setl
    assert server.sql("SELECT sorted_seg = (SELECT max(seg_id) FROM audit_extract) FROM audit_extract_mark")[0][0] == 1
    after = audit_run(server)
    for k in ("lines", "visits", "findings"):
        assert after[k] == before[k], k
    assert after["new_findings"] == "0"
    # nothing out of order now: compacting again moves nothing
    out = subprocess.run([YIBAO, "audit", "compact", "--db", server.db], capture_output=True, text=True)
    assert out.returncode == 0 and "compacted_settlements: 0" in out.stdout, out.stdout + out.stderr


def test_returns_netted_for_the_rules(server):
    """The rules see a stay's lines as settlement nets them: a return at its line's own time is no
    second charge (live, and after settlement), a line returned in full is gone, and a price over
    the limit counts only what is left of the line."""
    from flows import BED, CT
    from test_inpatient import admit, data, discharge, ifee
    c = server.client(2)
    c.sign_in()
    n = 13
    m = admit(c, n, "ZY-AUD1")
    c.ok("2301", {"feedetail": [ifee(m, n, "1", BED, 10, 35), ifee(m, n, "2", CT, 1, 150)]})
    c.ok("2301", {"feedetail": [ifee(m, n, "3", BED, -3, 35, init_feedetl_sn="1"),
                                ifee(m, n, "4", CT, -1, 150, init_feedetl_sn="2")]})
    discharge(c, m, n)
    before = audit_run(server)
    c.ok("2304", {"data": data(m, n, 7 * 35)})  # the blocking 重复收费 rule lets it through
    after = audit_run(server)
    assert int(after["lines"]) == int(before["lines"]) + 1  # line 1 netted to 7; lines 2-4 are gone
    found = server.sql("SELECT rule_id, feedetl_sn, vola_amt FROM audit_finding WHERE mdtrt_id=? ORDER BY rule_id", m)
    # 7 bed days 5.00 over the limit (in fen); with the CT returned the stay had no treatment (虚假住院);
    # doctor D1 is registered nowhere; no 重复收费
    assert found == [(PRICE_SERVICE, "1", 7 * 5 * 100), (FAKE_ADMISSION, "", 7 * 3500),
                     (UNREGISTERED_DOCTOR, "1", 7 * 3500)], found
