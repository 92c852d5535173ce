"""The console's DIP routes against a real server: the demo region (its 2024 policy has a "dip"
section) plus a synthetic county's inpatient stays of 2021-2024; build, score, clear, read the
clearing, statements and a stay's trace; roles and an institution user's own-data rule."""
import os
import subprocess
import tempfile
from decimal import Decimal

import pytest

from conftest import Server, make_db, snapshot, YIBAO
from yb import Console


@pytest.fixture(scope="module")
def dip_server():
    with tempfile.TemporaryDirectory() as d:
        db = make_db(d)
        out = subprocess.run([YIBAO, "dip", "bench", "--cases", "1500", "--year", "2024", "--history",
                              "--fill-only", "--append", "--db", db], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        s = Server(db).start()
        yield s
        s.stop()


def test_dip_cycle_over_the_console(dip_server):
    sup = Console(dip_server.base, "supervisor")
    r = sup.post("/api/v1/dip/build", {"year": 2024})
    assert r.status_code == 201, r.text
    b = r.json()
    assert b["version"] == "2024-v1" and b["n_cases"] == 4500
    r = sup.post("/api/v1/dip/score", {"year": 2024})
    assert r.status_code == 200, r.text
    assert r.json()["cases"] == 1500
    assert sup.post("/api/v1/dip/deductions", {"year": 2024, "fixmedins_code": "BH0002", "amount": "500.00",
                                                "note": "audit finding"}).status_code == 201
    r = sup.post("/api/v1/dip/advance", {"year": 2024, "month": 2})
    assert r.status_code == 200, r.text
    rows = r.json()["advances"]
    assert rows and {a["month"] for a in rows} <= {1, 2}
    for a in rows:
        assert Decimal(a["advance"]) == (Decimal(a["fund_settled"]) * Decimal("0.9")).quantize(
            Decimal("0.01"), rounding="ROUND_HALF_UP")
    feb = sup.get("/api/v1/dip/advances/2024", month=2).json()["advances"]
    assert feb == [a for a in rows if a["month"] == 2]
    r = sup.post("/api/v1/dip/clear", {"year": 2024})
    assert r.status_code == 200, r.text
    k = r.json()
    assert Decimal(str(k["budget"])) == Decimal("80000000.00")
    assert sum(Decimal(str(i["entitled"])) for i in k["institutions"]) == Decimal("80000000.00")
    st = sup.get("/api/v1/dip/statements/2024/BH0002").json()
    assert Decimal(str(st["figures"]["deductions"])) >= Decimal("500.00")
    case = st["cases"][0]
    one = sup.get("/api/v1/dip/cases/" + case["mdtrt_id"]).json()
    assert one["score"] == "%.4f" % case["score"] and one["trace"][0]["step"] == "group"
    csv = sup.get("/api/v1/dip/statements/2024/BH0002/csv")
    assert csv.headers["Content-Type"].startswith("text/csv") and "figure,payment," in csv.text
    cats = sup.get("/api/v1/dip/catalogues", year=2024).json()["catalogues"]
    assert [c["version"] for c in cats] == ["2024-v1"]
    text = sup.get("/api/v1/dip/catalogues/2024-v1/csv").text
    assert text.splitlines()[1].startswith("code,kind,n_cases")
    assert dip_server.sql("SELECT count(*) FROM write_log WHERE infno LIKE 'dip.%'")[0][0] >= 4


def test_dip_roles_and_own_institution(dip_server):
    clerk = Console(dip_server.base, "clerk")
    before = snapshot(dip_server)
    r = clerk.post("/api/v1/dip/clear", {"year": 2024})
    assert r.status_code == 403 and r.json()["error"]["field"] == "role"
    assert snapshot(dip_server) == before
    inst = Console(dip_server.base, "inst1")  # H41150000001
    r = inst.get("/api/v1/dip/statements/2024/BH0002")
    assert r.status_code == 403 and r.json()["error"]["field"] == "fixmedins_code"
    assert inst.get("/api/v1/dip/clearings/2024").status_code == 403
    sup = Console(dip_server.base, "supervisor")
    r = sup.post("/api/v1/dip/build", {"year": "2024"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "year"
    r = sup.post("/api/v1/dip/deductions", {"year": 2024, "fixmedins_code": "BH0002", "amount": "-1"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "amount"
    assert sup.get("/api/v1/dip/clearings/2023").status_code == 404


def test_stay_scored_at_settlement(dip_server):
    """A final inpatient settlement (2304) scores the stay with the year's newest catalogue; its
    cancellation (2305) removes the score. (Catalogue 2024-v1 was built above.)"""
    from test_inpatient import admit, data, discharge, ifee
    from flows import BED, CT
    import yb
    c = dip_server.client(2)
    c.sign_in()
    n = 1
    m = admit(c, n, "ZY-DIP1")
    c.ok("2301", {"feedetail": [ifee(m, n, "1", BED, 10, 30), ifee(m, n, "2", CT, 1, 150)]})
    discharge(c, m, n)
    pre = c.ok("2303", {"data": data(m, n, 450)})["setlinfo"]
    out = c.ok("2304", {"data": data(m, n, 450, fulamt_ownpay_amt=pre["fulamt_ownpay_amt"],
                                      overlmt_selfpay=pre["overlmt_selfpay"], preselfpay_amt=pre["preselfpay_amt"],
                                      inscp_scp_amt=pre["inscp_scp_amt"])})
    sup = Console(dip_server.base, "supervisor")
    one = sup.get("/api/v1/dip/cases/" + m)
    assert one.status_code == 200, one.text
    case = one.json()
    assert case["trace"][0]["step"] == "group" and Decimal(case["score"]) > 0
    assert dip_server.sql("SELECT version, cost FROM dip_case WHERE mdtrt_id=?", m) == [("2024-v1", 45000)]
    c.ok("2305", {"data": {"mdtrt_id": m, "setl_id": out["setlinfo"]["setl_id"], "psn_no": yb.psn(n)}})
    assert dip_server.sql("SELECT count(*) FROM dip_case WHERE mdtrt_id=?", m) == [(0,)]
