"""The console's routes (/api/v1/console/…): every route × every role (allowed or 403), an
institution user refused another institution's data, and the figures the pages show, checked
by hand against the seeded settlements."""
import os
import sys

import pytest
import requests

from yb import Console, inst

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "browser"))
import seed  # noqa: E402

H1, H2 = inst(1), inst(2)
ROLES = ["admin", "supervisor", "clerk", "inst1"]
STAFF = {"admin", "supervisor", "clerk"}
ANY = STAFF | {"inst1"}


@pytest.fixture(scope="module")
def seeded(server):
    seed.main(server.base)
    users = {u: Console(server.base, u) for u in ROLES + ["inst2"]}
    return server, users


def setl_of(server, code, refd=0):
    return server.sql("SELECT setl_id FROM settlement WHERE fixmedins_code=? AND refd_setl_flag=? ORDER BY setl_id",
                      code, refd)[0][0]


def routes(server):
    """(path, roles allowed) for every GET route, with inst1's own records where it has any."""
    mine = setl_of(server, H1)
    return [
        ("/api/v1/console/overview", STAFF),
        ("/api/v1/console/persons?q=41150000000000000001", STAFF),
        ("/api/v1/console/persons/41150000000000000001", STAFF),
        ("/api/v1/console/settlements/" + mine, ANY),
        ("/api/v1/console/institutions", ANY),
        ("/api/v1/console/institutions/" + H1, ANY),
        ("/api/v1/console/institutions/%s/settlements.csv" % H1, ANY),
        ("/api/v1/console/policies", ANY),
        ("/api/v1/console/policy?id=411500:2024:2024.demo.1", ANY),
        ("/api/v1/console/policy-diff?from=410100:2025:2025.demo.1&to=411500:2024:2024.demo.1", ANY),
    ]


def test_every_route_every_role(seeded):
    server, users = seeded
    for path, allowed in routes(server):
        for role in ROLES:
            r = users[role].get(path)
            want = 200 if role in allowed else 403
            assert r.status_code == want, (path, role, r.status_code, r.text[:200])
            if want == 403:
                assert r.json()["error"]["field"] == "role"
        assert requests.get(server.base + path).status_code == 401, path  # no session


def test_refresh_is_for_administrators_with_csrf(seeded):
    server, users = seeded
    for role in ("supervisor", "clerk", "inst1"):
        assert users[role].post("/api/v1/console/refresh").status_code == 403
    assert users["admin"].post("/api/v1/console/refresh", csrf=False).status_code == 403
    before = users["admin"].get("/api/v1/console/overview").json()
    r = users["admin"].post("/api/v1/console/refresh")
    assert r.status_code == 200
    # the store kept the summary tables exactly as a full rebuild makes them
    assert users["admin"].get("/api/v1/console/overview").json() == before
    assert server.sql("SELECT count(*) FROM write_log WHERE infno='console.refresh' AND opter='admin'") == [(1,)]


def test_institution_user_sees_only_its_own(seeded):
    server, users = seeded
    i1, i2 = users["inst1"], users["inst2"]
    other = setl_of(server, H2)
    for path in ("/api/v1/console/institutions/" + H2, "/api/v1/console/institutions/%s/settlements.csv" % H2,
                 "/api/v1/console/settlements/" + other):
        r = i1.get(path)
        assert r.status_code == 403 and r.json()["error"]["field"] == "fixmedins_code", path
    assert i2.get("/api/v1/console/settlements/" + other).status_code == 200
    assert i2.get("/api/v1/console/settlements/" + setl_of(server, H1)).status_code == 403
    listed = i1.get("/api/v1/console/institutions").json()["institutions"]
    assert [x["fixmedins_code"] for x in listed] == [H1]
    assert len(users["admin"].get("/api/v1/console/institutions").json()["institutions"]) == 6


def test_overview_figures(seeded):
    server, users = seeded
    d = users["supervisor"].get("/api/v1/console/overview").json()
    # originals minus reversals, as the settlement table holds them
    n, rev, medfee, fund = server.sql(
        "SELECT sum(CASE WHEN refd_setl_flag THEN -1 ELSE 1 END), sum(refd_setl_flag), sum(medfee_sumamt),"
        " sum(fund_pay_sumamt) FROM settlement")[0]
    assert (d["totals"]["n"], d["totals"]["nrev"], d["totals"]["medfee_fen"], d["totals"]["fund_fen"]) == (n, rev, medfee, fund)
    assert n == 12 and rev == 1  # 13 settlements seeded, one of them reversed (a 14th row)
    assert sum(m["fund_fen"] for m in d["months"]) == fund
    assert sum(s["fund_fen"] for s in d["schemes"].values()) == fund
    levels = {(x["hosp_lv"], x["medins_type"]): x for x in d["levels"]}
    # the village clinic's one visit: 9.50 yuan of a 甲类 drug, resident outpatient pool 60 %, no deductible
    clinic = levels[(0, "clinic")]
    assert (clinic["institutions"], clinic["settling"], clinic["n"], clinic["fund_fen"], clinic["medfee_fen"]) == (1, 1, 1, 570, 950)
    assert levels[(0, "pharmacy")]["settling"] == 0
    assert d["village"] == {"clinics": 1, "settling": 1}
    # the reversed stay at H2 nets to nothing: H2 keeps the one 低保 stay
    lv2 = levels[(2, "hospital")]
    assert (lv2["institutions"], lv2["settling"], lv2["n"], lv2["fund_fen"]) == (2, 1, 1, 32900)
    dise = {x["dise_codg"]: x for x in d["top_diseases"]}
    assert dise["I63.9"]["n"] == 2 and dise["J06.9"]["n"] == 9 and dise["I10"]["n"] == 1
    drugs = {x["med_list_codg"]: x for x in d["top_drugs"]}
    assert list(drugs) == ["XJ01CAD001A001010199999"] and drugs["XJ01CAD001A001010199999"]["name"] == "阿莫西林胶囊 0.25g"
    # 12 settled lines of the drug (the reversed stay's line is unsettled again)
    lines, amt = server.sql("SELECT count(*), sum(sumamt) FROM fee WHERE med_list_codg='XJ01CAD001A001010199999'"
                            " AND setl_id IS NOT NULL")[0]
    assert (drugs["XJ01CAD001A001010199999"]["lines"], drugs["XJ01CAD001A001010199999"]["sumamt_fen"]) == (lines, amt)
    kinds = {a["kind"] for a in d["alerts"]}
    assert "reversals" in kinds and "income" not in kinds
    # income: a resident's 400.00 + the government's 700.00; an employee's month, 120.00 + 480.00
    inc = d["income"]
    assert inc["recorded"] is True and inc["total_fen"] == 170000 and inc["schemes"] == {"310": 60000, "390": 110000}
    assert sorted((m["insutype"], m["kind"], m["n"], m["amount_fen"]) for m in inc["months"]) == \
        [("310", "employee", 1, 60000), ("390", "contribution", 1, 110000)]
    assert d["counts"]["persons"] == 15
    r = users["admin"].get("/api/v1/console/overview", year="abc")
    assert r.status_code == 400 and r.json()["error"]["field"] == "year"
    assert users["admin"].get("/api/v1/console/overview", year="1999").status_code == 400


def test_person_file_and_waterfall(seeded):
    server, users = seeded
    c = users["clerk"]
    assert [p["psn_name"] for p in c.get("/api/v1/console/persons", q="刘").json()["persons"]] == ["刘洋"]
    assert c.get("/api/v1/console/persons", q="411500197011300051").json()["persons"][0]["psn_no"] == "41150000000000000005"
    r = c.get("/api/v1/console/persons")
    assert r.status_code == 400 and r.json()["error"]["field"] == "q"
    assert c.get("/api/v1/console/persons/NOSUCH").status_code == 404
    d = c.get("/api/v1/console/persons/41150000000000000005").json()
    assert d["person"]["psn_name"] == "刘洋" and d["identities"][0]["psn_idet_type"] == "2303"
    assert {e["year"] for e in d["enrollments"]} >= {2024}
    stay = next(s for s in d["settlements"] if s["kind"] == "ipt")
    w = c.get("/api/v1/console/settlements/" + stay["setl_id"]).json()
    # bed 10 × 35.00 (limit 30.00), CT 150.00, drug 4 × 5.00: 520.00, of which 50.00 over the limit;
    # 470.00 in scope, all under the level-2 deductible of 500.00; 医疗救助 70 % of 470.00 = 329.00
    comp = {s["key"]: s["fen"] for s in w["composition"]}
    assert comp == {"medfee_sumamt": 52000, "overlmt_selfpay": 5000, "inscp_scp_amt": 47000, "act_pay_dedc": 47000,
                    "above_deductible": 0}
    pay = [(s["key"], s["fen"], s["after_fen"]) for s in w["payers"]]
    assert pay == [("medfee_sumamt", 52000, 52000), ("maf_pay", 32900, 19100), ("psn_cash_pay", 19100, 0)]
    assert w["adds_up"] is True and w["paid_fen"] == 52000
    assert [l["sumamt_fen"] for l in w["lines"]] == [35000, 15000, 2000] and w["lines"][0]["overlmt_fen"] == 5000
    assert len(w["trace"]) >= 3 and all(t["reason"] for t in w["trace"])
    assert c.get("/api/v1/console/settlements/NOSUCH").status_code == 404


def test_institution_page_and_csv(seeded):
    server, users = seeded
    d = users["inst1"].get("/api/v1/console/institutions/" + H1).json()
    n, fund = server.sql("SELECT sum(CASE WHEN refd_setl_flag THEN -1 ELSE 1 END), sum(fund_pay_sumamt) FROM settlement"
                         " WHERE fixmedins_code=?", H1)[0]
    assert (d["totals"]["n"], d["totals"]["fund_fen"]) == (n, fund) and len(d["settlements"]) == n
    r = users["inst1"].get("/api/v1/console/institutions/%s/settlements.csv" % H1)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in r.headers["Content-Disposition"]
    text = r.content.decode("utf-8-sig")
    rows = text.strip().split("\r\n")
    assert rows[0].startswith("结算编号,结算时间") and len(rows) == 1 + n
    assert any(row.endswith(",47.00,23.50,0.00,23.50") for row in rows[1:])  # a resident's 47.00 visit, 50 %
    r = users["admin"].get("/api/v1/console/institutions/" + H1, **{"from": "2024-13-01"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "from"
    assert users["admin"].get("/api/v1/console/institutions/NOSUCH").status_code == 404


def test_policies_and_diff(seeded):
    _, users = seeded
    c = users["inst1"]
    pols = c.get("/api/v1/console/policies").json()["policies"]
    assert {(p["region"], p["year"]) for p in pols} == {("411500", 2024), ("410100", 2025)}
    assert pols[[p["region"] for p in pols].index("411500")]["schemes"]["390"] == "城乡居民基本医疗保险"
    params = {p["path"]: p["value"] for p in c.get("/api/v1/console/policy", id="411500:2024:2024.demo.1").json()["parameters"]}
    assert params["schemes.390.benefits.outpatient.cap.rows[0].amount"] == 300  # 信医保办〔2024〕51号
    d = c.get("/api/v1/console/policy-diff", **{"from": "410100:2025:2025.demo.1", "to": "411500:2024:2024.demo.1"}).json()
    ch = {x["path"]: x for x in d["changes"]}
    assert ch["region"]["from"] == "410100" and ch["region"]["to"] == "411500" and ch["region"]["change"] == "changed"
    assert any(x["change"] == "added" for x in d["changes"])
    same = c.get("/api/v1/console/policy-diff", **{"from": "411500:2024:2024.demo.1", "to": "411500:2024:2024.demo.1"}).json()
    assert same["changes"] == []
    r = c.get("/api/v1/console/policy-diff", **{"from": "bad", "to": "411500:2024:2024.demo.1"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "from"
    r = c.get("/api/v1/console/policy", id="411500:2030:x")
    assert r.status_code == 404
