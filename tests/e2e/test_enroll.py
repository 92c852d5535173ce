"""Enrollment side end to end: the console (a clerk) registers and enrolls people, the HIS settles
through the national interface, and the waiting period, family sharing and monitoring show up
where they should. Expected values are worked out in the comments from policies/demo-county.json
(enrollment section: fixed 3 months, +1 per broken year, −1 per year paid back; 2024 resident
contribution 400 + 670 fiscal; employee 2 % own contribution allocated to the account)."""
import subprocess

import yb
from conftest import YIBAO
from flows import CT, DRUG, VISIT_FEE

_seq = [0]


def clerk(server):
    return yb.Console(server.base, "clerk")


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


def new_person(con, certno, name, brdy, gend="1", **kw):
    body = {"certno": certno, "psn_name": name, "gend": gend, "brdy": brdy}
    body.update(kw)
    return ok(con.post("/api/v1/persons", body))["psn_no"]


def enroll(con, psn, year, pay_date, insutype="390", psn_type="1701"):
    return ok(con.post("/api/v1/enrollments", {"psn_no": psn, "year": year, "insutype": insutype,
                                               "psn_type": psn_type, "pay_date": pay_date}))


def visit(c, psn, certno, insutype, date, lines=None, acct="1"):
    """register → fees → settle at the institution of client c; returns the 2207 output."""
    _seq[0] += 1
    out = c.ok("2201", {"data": {"psn_no": psn, "insutype": insutype, "begntime": date,
                                 "mdtrt_cert_type": "02", "mdtrt_cert_no": certno,
                                 "ipt_otp_no": "EN%06d" % _seq[0], "atddr_no": "D001", "dr_name": "医生乙",
                                 "dept_code": "NK01", "dept_name": "内科", "caty": "A03"}})
    m = out["data"]["mdtrt_id"]
    c.ok("2203", {"mdtrtinfo": {"mdtrt_id": m, "psn_no": psn, "med_type": "11", "begntime": date,
                                "dise_codg": "", "dise_name": ""},
                  "diseinfo": [{"diag_type": "1", "diag_srt_no": 1, "diag_code": "J06.9", "diag_name": "诊断",
                                "diag_dept": "内科", "dise_dor_no": "D001", "dise_dor_name": "医生乙",
                                "diag_time": date, "vali_flag": "1"}]})
    rows = []
    for i, (code, cnt, pric) in enumerate(lines or [(DRUG, 2, 18.5), (VISIT_FEE, 1, 10)]):
        rows.append({"feedetl_sn": str(i + 1), "mdtrt_id": m, "psn_no": psn, "chrg_bchno": "CB1", "rxno": "",
                     "rx_circ_flag": "0", "fee_ocur_time": date, "med_list_codg": code,
                     "medins_list_codg": "HOSP-%d" % i, "det_item_fee_sumamt": round(cnt * pric, 2), "cnt": cnt,
                     "pric": pric, "bilg_dept_codg": "NK01", "bilg_dept_name": "内科", "bilg_dr_codg": "D001",
                     "bilg_dr_name": "医生乙", "hosp_appr_flag": "0"})
    c.ok("2204", {"feedetail": rows})
    total = round(sum(r["det_item_fee_sumamt"] for r in rows), 2)
    d = {"psn_no": psn, "mdtrt_cert_type": "02", "mdtrt_cert_no": certno, "med_type": "11",
         "medfee_sumamt": total, "psn_setlway": "01", "mdtrt_id": m, "chrg_bchno": "CB1",
         "acct_used_flag": acct, "insutype": insutype}
    pre = c.ok("2206", {"data": d})["setlinfo"]
    d.update(fulamt_ownpay_amt=pre["fulamt_ownpay_amt"], overlmt_selfpay=pre["overlmt_selfpay"],
             preselfpay_amt=pre["preselfpay_amt"], inscp_scp_amt=pre["inscp_scp_amt"], invono="")
    return c.ok("2207", {"data": d})["setlinfo"]


def enr_snapshot(server):
    qs = ["SELECT count(*) FROM enr_log", "SELECT count(*), total(person_fen) FROM enr_contrib",
          "SELECT count(*), group_concat(wait_until||psn_insu_stas) FROM enrollment",
          "SELECT total(acct_balc), group_concat(coalesce(family_psn_no,'')), group_concat(death_date) FROM person",
          "SELECT count(*) FROM enr_family", "SELECT count(*) FROM person_filing", "SELECT count(*) FROM enr_ledger"]
    return [server.sql(q)[0] for q in qs]


def test_break_waiting_period_settlement_and_payback(server):
    con = clerk(server)
    certno = "411500198812120015"
    psn = new_person(con, certno, "断保甲", "1988-12-12", address="示例县城关镇1号")
    enroll(con, psn, 2020, "2019-11-01")
    # 2021–2023 missed; enrolled for 2024 in the concentrated period (2023-11-20):
    # broken 3 years → fixed 3 + variable 3 = 6 months from 2024-01-01 → benefits from 2024-07-01
    out = enroll(con, psn, 2024, "2023-11-20")
    w = out["waiting"]
    assert (w["kind"], w["broken_years"], w["months"], w["wait_until"]) == ("variable", 3, 6, "2024-07-01")
    assert out["contribution"] == {"individual": 400.0, "fiscal": 670.0, "assistance": 0.0, "person": 400.0}
    rec = ok(con.get("/api/v1/persons/" + psn))
    period = rec["benefit_periods"][0]
    assert period["stored"]["wait_until"] == "2024-07-01"
    assert period["stored"]["wait_reason"] == "断保3年补缴0年,等待6月"
    assert "fixed 3 + variable (3 x 1 - 0 repaired x 1 = 3) = 6 months" in period["waiting"]["why"]
    assert [h["value"] for h in rec["history"] if h["kind"] == "address"] == ["示例县城关镇1号"]

    c = server.client(1)
    c.sign_in()
    inside = visit(c, psn, certno, "390", "2024-03-15 09:30:00")
    assert inside["fund_pay_sumamt"] == 0 and inside["psn_part_amt"] == inside["medfee_sumamt"]
    assert "待遇等待期至2024-07-01" in inside["memo"] and "断保3年" in inside["memo"]
    after = visit(c, psn, certno, "390", "2024-08-15 09:30:00")
    assert after["fund_pay_sumamt"] > 0 and "memo" not in after

    # pay back 2022 and 2023 (350+610 + 380+640 = 1980.00): 3 + (3 − 2) = 4 months → 2024-05-01
    pb = ok(con.post("/api/v1/enrollments/payback", {"psn_no": psn, "year": 2024, "years": [2022, 2023],
                                                     "pay_date": "2024-02-01"}))
    assert pb["paid"] == 1980.0
    assert (pb["before"]["months"], pb["waiting"]["months"], pb["waiting"]["wait_until"]) == (6, 4, "2024-05-01")
    assert pb["waiting"]["kind"] == "repaired"
    june = visit(c, psn, certno, "390", "2024-06-10 09:30:00")  # inside the old period, after the new one
    assert june["fund_pay_sumamt"] > 0
    rec = ok(con.get("/api/v1/persons/" + psn, year=2024))
    assert rec["benefit_periods"][0]["stored"]["wait_reason"] == "断保3年补缴2年,等待4月"
    assert [x["action"] for x in rec["log"]] == ["person.create", "enroll", "enroll", "payback"]
    # the same record from the command line
    cli = subprocess.run([YIBAO, "enroll", "show", psn, "--db", server.db], capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    assert "waiting period: repaired, benefits from 2024-05-01" in cli.stdout
    assert "fixed 3 + variable (3 x 1 - 2 repaired x 1 = 1) = 4 months" in cli.stdout

    # the monitoring list of 2023 shows the break, exportable as CSV
    broken = ok(con.get("/api/v1/monitor/broken", year=2023))
    row = [r for r in broken["rows"] if r["psn_no"] == psn]
    assert row and (row[0]["last_year"], row[0]["years_missing"]) == (2020, 3)
    csv = con.get("/api/v1/monitor/broken", year=2023, format="csv")
    assert csv.status_code == 200 and csv.text.startswith("psn_no,") and psn in csv.text


def test_family_sharing_for_a_parent(server):
    con = clerk(server)
    child = new_person(con, "411500198506060016", "共济子", "1985-06-06")
    father = new_person(con, "411500195505050017", "共济父", "1955-05-05")
    mother = new_person(con, "411500195707070028", "共济母", "1957-07-07", gend="2")
    enroll(con, child, 2024, "2024-01-05", insutype="310", psn_type="11")
    enroll(con, father, 2024, "2024-01-05", insutype="310", psn_type="12")
    # four months at base 10 000.00: own 2 % = 200.00 a month, all allocated (2021 reform rule)
    for m in ("2024-01", "2024-02", "2024-03", "2024-04"):
        a = ok(con.post("/api/v1/contributions/employee", {"psn_no": child, "month": m, "base": 10000}))
        assert (a["employee"], a["employer"], a["allocation"]) == (200.0, 800.0, 200.0)
    before = enr_snapshot(server)
    bad = con.post("/api/v1/family", {"holder_psn_no": child, "psn_no": father, "relation": "cousin"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "relation"
    bad = con.post("/api/v1/family", {"holder_psn_no": mother, "psn_no": father, "relation": "spouse",
                                      "begndate": "2024-02-01"})  # the mother is no employee
    assert bad.status_code == 400 and "only an employee" in bad.json()["error"]["message"]
    assert enr_snapshot(server) == before
    ok(con.post("/api/v1/family", {"holder_psn_no": child, "psn_no": father, "relation": "parent",
                                   "begndate": "2024-02-01"}))
    bad = con.post("/api/v1/family", {"holder_psn_no": child, "psn_no": father, "relation": "parent",
                                      "begndate": "2024-02-01"})
    assert bad.status_code == 409  # already bound

    c = server.client(1)
    c.sign_in()
    out = visit(c, father, "411500195505050017", "310", "2024-03-15 09:30:00")
    # the father's own account is empty: the child's account pays his whole personal part
    assert out["acct_pay"] == 0 and out["acct_mulaid_pay"] == out["psn_part_amt"] > 0
    st = ok(con.get("/api/v1/accounts/%s/statement" % child))
    assert st["credited"] == 800.0 and st["paid_relatives_care"] == out["acct_mulaid_pay"]
    assert st["balance"] == round(800.0 - out["acct_mulaid_pay"], 2)
    assert [s["psn_no"] for s in st["settlements"]] == [father]

    # the mother's 2024 resident contribution (400.00) from the child's account once she is bound
    body = {"holder_psn_no": child, "psn_no": mother, "year": 2024, "psn_type": "1701", "pay_date": "2023-12-01"}
    before = enr_snapshot(server)
    bad = con.post("/api/v1/family/contribution", body)
    assert bad.status_code == 400 and "not bound" in bad.json()["error"]["message"]
    assert enr_snapshot(server) == before
    ok(con.post("/api/v1/family", {"holder_psn_no": child, "psn_no": mother, "relation": "parent",
                                   "begndate": "2024-02-01"}))
    paid = ok(con.post("/api/v1/family/contribution", body))
    assert paid["contribution"]["person"] == 400.0 and paid["paid_by"] == child
    st = ok(con.get("/api/v1/accounts/%s/statement" % child))
    assert st["balance"] == round(800.0 - out["acct_mulaid_pay"] - 400.0, 2)
    assert st["ledger"][-1]["kind"] == "family_contribution" and st["ledger"][-1]["amount"] == -400.0


def test_high_cost_warning_after_threshold(server):
    con = clerk(server)
    certno = "411500196603030019"
    psn = new_person(con, certno, "高额乙", "1966-03-03")
    ok(con.post("/api/v1/persons/%s/categories" % psn, {"psn_idet_type": "2304", "begndate": "2023-12-01"}))
    out = enroll(con, psn, 2024, "2023-12-10")
    assert out["contribution"]["assistance"] == 400.0 and out["contribution"]["person"] == 0.0  # 特困: all assisted
    c = server.client(1)
    c.sign_in()
    # 丙类 self-paid drug: 2 × 3000.00 = 6000.00 self-burden, under the 10 000 threshold of 特困
    visit(c, psn, certno, "390", "2024-04-01 09:00:00", lines=[("XV03AXD044A001010199999", 2, 3000)])
    rows = ok(con.get("/api/v1/monitor/high-cost", year=2024))["rows"]
    assert psn not in [r["psn_no"] for r in rows]
    # another 5000.00: 11 000.00 > 10 000 → listed, category tekun
    visit(c, psn, certno, "390", "2024-05-01 09:00:00", lines=[("XV03AXD044A001010199999", 1, 5000)])
    rows = ok(con.get("/api/v1/monitor/high-cost", year=2024))["rows"]
    mine = [r for r in rows if r["psn_no"] == psn]
    assert mine and mine[0]["self_burden"] == 11000.0 and mine[0]["threshold"] == 10000.0
    assert mine[0]["category"] == "tekun"


def test_household_death_filing_and_refusals(server):
    con = clerk(server)
    a = new_person(con, "411500197001010035", "户主丙", "1970-01-01", hh_no="HH0001", relation="head")
    b = new_person(con, "411500200001010046", "户员丁", "2000-01-01", gend="2", hh_no="HH0001", relation="child")
    enroll(con, a, 2024, "2023-10-01")
    enroll(con, a, 2025, "2024-10-01")
    found = ok(con.get("/api/v1/persons", psn_name="户员丁", brdy="2000-01-01"))["persons"]
    assert [p["psn_no"] for p in found] == [b]
    assert [p["psn_no"] for p in ok(con.get("/api/v1/persons", certno="411500197001010035"))["persons"]] == [a]
    assert ok(con.get("/api/v1/persons", certno="411500197001019999"))["persons"] == []
    rec = ok(con.get("/api/v1/persons/" + b))
    assert [(m["psn_no"], m["relation"]) for m in rec["households"]] == [(a, "head"), (b, "child")]
    rows = ok(con.get("/api/v1/monitor/household", year=2024))["rows"]
    assert [r["psn_no"] for r in rows if r["hh_no"] == "HH0001"] == [b]

    before = enr_snapshot(server)
    refusals = [
        (con.post("/api/v1/enrollments", {"psn_no": "41150099999999999999", "year": 2024, "insutype": "390",
                                          "psn_type": "1701", "pay_date": "2023-11-01"}), 404, "psn_no"),
        (con.post("/api/v1/enrollments", {"psn_no": a, "year": 2024, "insutype": "310", "psn_type": "11",
                                          "pay_date": "2024-01-01"}), 409, "year"),      # overlapping
        (con.post("/api/v1/enrollments", {"psn_no": b, "year": 2025, "insutype": "390", "psn_type": "1701",
                                          "pay_date": "2024-03-01"}), 400, "year"),      # future year
        (con.post("/api/v1/enrollments/payback", {"psn_no": a, "year": 2025, "years": [2026]}), 400, "years[0]"),
        (con.post("/api/v1/persons", {"certno": "411500197001010035", "psn_name": "重复", "gend": "1",
                                      "brdy": "1970-01-01"}), 409, "certno"),
        (con.post("/api/v1/persons", {"certno": "411500197001010099", "psn_name": "错", "gend": "1",
                                      "brdy": "1971-01-01"}), 400, "brdy"),
        (con.post("/api/v1/deaths/import", {"csv": "%s,2024-11-03\n41150099999999999999,2024-01-01\n" % a}),
         404, "csv line 2"),                                                           # all or nothing
        (con.post("/api/v1/enrollments/refund", {"psn_no": a, "year": 2025, "insutype": "390",
                                                 "reason": "death"}), 400, "reason"),   # not dead
    ]
    for r, status, field in refusals:
        assert r.status_code == status, r.text
        assert r.json()["error"]["field"] == field, r.text
    assert enr_snapshot(server) == before

    # the death registry: died 2024-11-03 → the 2025 enrollment is refunded (400.00) and ended
    imp = ok(con.post("/api/v1/deaths/import", {"csv": "psn_no,death_date\n%s,2024-11-03\n" % a}))
    assert imp["recorded"] == 1 and [(x["year"], x["refunded"]) for x in imp["refunds"]] == [(2025, 400.0)]
    rec = ok(con.get("/api/v1/persons/" + a, year=2025))
    assert rec["person"]["death_date"] == "2024-11-03"
    assert [e["psn_insu_stas"] for e in rec["enrollments"] if e["year"] == 2025] == ["4"]

    # cross-region filing: work in 410100 from 2024-02-01; an overlapping one is refused; cancel
    f = ok(con.post("/api/v1/filings", {"psn_no": b, "filing_type": "work", "admvs": "410100",
                                        "begndate": "2024-02-01"}))
    assert f["enddate"] == ""
    r = con.post("/api/v1/filings", {"psn_no": b, "filing_type": "referral", "admvs": "410100",
                                     "begndate": "2024-05-01"})
    assert r.status_code == 409
    r = con.post("/api/v1/filings", {"psn_no": b, "filing_type": "abroad", "admvs": "410100",
                                     "begndate": "2025-05-01"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "filing_type"
    ok(con.post("/api/v1/filings/cancel", {"psn_no": b, "admvs": "410100", "begndate": "2024-02-01",
                                           "date": "2024-06-30"}))
    rec = ok(con.get("/api/v1/persons/" + b))
    assert rec["filings"] == [{"filing_type": "work", "admvs": "410100", "begndate": "2024-02-01",
                               "enddate": "2024-06-30"}]
    assert [x["action"] for x in rec["filing_history"]] == ["add", "cancel"]
    # an institution user may not read the registry
    inst = yb.Console(server.base, "inst1")
    assert inst.get("/api/v1/persons/" + b).status_code == 403


def inpatient(c, psn, certno, ipt_no, cnt, insutype="390", day="2024-09-18"):
    """An admission on `day` with `cnt` CT scans (150.00 each, in scope) → the 2304 setlinfo."""
    date = day + " 08:00:00"
    m = c.ok("2401", {"mdtrtinfo": {
        "psn_no": psn, "insutype": insutype, "begntime": date, "mdtrt_cert_type": "02", "mdtrt_cert_no": certno,
        "med_type": "2101", "ipt_no": ipt_no, "medrcdno": "", "atddr_no": "D1", "chfpdr_name": "医生",
        "adm_diag_dscr": "脑梗死", "adm_dept_codg": "NK", "adm_dept_name": "内科", "adm_bed": "12",
        "dscg_maindiag_code": "I63.9", "dscg_maindiag_name": "脑梗死"},
        "diseinfo": [{"psn_no": psn, "diag_type": "1", "maindiag_flag": "1", "diag_srt_no": 1, "diag_code": "I63.9",
                      "diag_name": "脑梗死", "diag_dept": "内科", "dise_dor_no": "D1", "dise_dor_name": "医生",
                      "diag_time": date}]})["result"]["mdtrt_id"]
    c.ok("2301", {"feedetail": [{"feedetl_sn": "1", "init_feedetl_sn": "", "mdtrt_id": m, "drord_no": "",
                                 "psn_no": psn, "med_type": "2101", "fee_ocur_time": day + " 10:00:00",
                                 "med_list_codg": CT, "medins_list_codg": "H-1", "det_item_fee_sumamt": cnt * 150,
                                 "cnt": cnt, "pric": 150, "bilg_dept_codg": "NK", "bilg_dept_name": "内科",
                                 "bilg_dr_codg": "D1", "bilg_dr_name": "医生"}]})
    c.ok("2402", {"dscginfo": {"mdtrt_id": m, "psn_no": psn, "insutype": insutype, "endtime": day + " 18:00:00",
                               "dscg_dept_codg": "NK", "dscg_dept_name": "内科", "dscg_way": "1"}, "diseinfo": []})
    d = {"psn_no": psn, "mdtrt_cert_type": "02", "mdtrt_cert_no": certno, "medfee_sumamt": cnt * 150,
         "psn_setlway": "01", "mdtrt_id": m, "insutype": insutype, "acct_used_flag": "0", "mid_setl_flag": "0",
         "invono": ""}
    si = c.ok("2303", {"data": d})["setlinfo"]
    d.update(fulamt_ownpay_amt=si["fulamt_ownpay_amt"], overlmt_selfpay=si["overlmt_selfpay"],
             preselfpay_amt=si["preselfpay_amt"], inscp_scp_amt=si["inscp_scp_amt"])
    return c.ok("2304", {"data": d})["setlinfo"]


def test_incentive_raise_is_used_by_settlement(server):
    con = clerk(server)
    loyal = new_person(con, "411500197502020010", "连续甲", "1975-02-02")
    fresh = new_person(con, "411500197502020029", "新保乙", "1975-02-02", gend="2")
    # 2015–2022 in the employee scheme, then residents from 2023: covered 2015–2023, no fund paid
    for y in range(2015, 2023):
        enroll(con, loyal, y, "%d-01-05" % y, insutype="310", psn_type="11")
    enroll(con, loyal, 2023, "2022-11-01")
    out = enroll(con, loyal, 2024, "2023-11-01")
    # continuity: 9 years, raises after 4 → 5 × 1000; zero-claim: 9 years × 1000 → 14 000 ≤ 20 % of 400 000
    inc = out["incentive"]
    assert (inc["continuous_years"], inc["continuity"], inc["zero_claim_years"], inc["zero_claim"]) == (9, 5000.0, 9, 9000.0)
    assert (inc["ci_cap_raise"], inc["ceiling"], inc["capped"]) == (14000.0, 80000.0, False)
    assert enroll(con, fresh, 2024, "2023-11-01")["incentive"]["ci_cap_raise"] == 0.0
    assert server.sql("SELECT ci_cap_raise FROM enrollment WHERE psn_no=? AND year=2024", loyal) == [(1400000,)]
    c = server.client(2)
    c.sign_in()
    # the same 1 500 000.00 stay: both reach the critical-illness cap; the loyal one's cap is 14 000 higher
    a = inpatient(c, loyal, "411500197502020010", "ZY-INC1", 10000)
    b = inpatient(c, fresh, "411500197502020029", "ZY-INC2", 10000)
    assert b["hifmi_pay"] == 400000.0
    assert a["hifmi_pay"] == 414000.0
    assert a["hifp_pay"] == b["hifp_pay"]


def test_settlement_sees_the_filing(server):
    """A person insured in 410100 (city-employee.json) treated here: unfiled, then filed for work
    (the city's unfiled cut is 20 points), then unfiled again after the filing is cancelled."""
    con = clerk(server)
    certno = "410100198203030011"
    psn = new_person(con, certno, "异地丙", "1982-03-03", insuplc_admdvs="410100")
    enroll(con, psn, 2025, "2025-01-05", insutype="310", psn_type="11")
    c = server.client(1)
    c.sign_in()
    unfiled = inpatient(c, psn, certno, "ZY-F1", 10, insutype="310", day="2025-03-01")
    ok(con.post("/api/v1/filings", {"psn_no": psn, "filing_type": "work", "admvs": "411500",
                                    "begndate": "2025-03-10"}))
    filed = inpatient(c, psn, certno, "ZY-F2", 10, insutype="310", day="2025-03-15")
    assert round(filed["pool_prop_selfpay"] - unfiled["pool_prop_selfpay"], 4) == 0.2
    assert filed["hifp_pay"] > unfiled["hifp_pay"]
    ok(con.post("/api/v1/filings/cancel", {"psn_no": psn, "admvs": "411500", "begndate": "2025-03-10",
                                           "date": "2025-03-20"}))
    again = inpatient(c, psn, certno, "ZY-F3", 10, insutype="310", day="2025-03-25")
    assert again["pool_prop_selfpay"] == unfiled["pool_prop_selfpay"]
