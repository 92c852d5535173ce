"""The console's summary tables (console_month, console_dise, console_item), kept by the store's
writer in C as settlements and fee lines are written: after settling, cancelling and settling
again over the national interface (2207/2208, 2304/2305, 2601), they hold exactly what the
area's full rebuild (POST /api/v1/console/refresh) makes from the base tables."""
import threading

import yb
from flows import BED, CT, DRUG, VISIT_FEE, outpatient, setl_data
from test_inpatient import admit, data, discharge, ifee
from yb import Console

TABLES = [
    "SELECT * FROM console_month WHERE n<>0 OR nrev<>0 OR medfee<>0 OR fund<>0 OR acct<>0 OR cash<>0"
    " ORDER BY 1,2,3,4",
    "SELECT * FROM console_dise WHERE n<>0 OR fund<>0 OR medfee<>0 ORDER BY 1,2",
    "SELECT * FROM console_item WHERE lines<>0 OR sumamt<>0 ORDER BY 1,2",
]


def tables(server):
    return [server.sql(q) for q in TABLES]


def settle_again(c, m, n, total):
    """2206 + 2207 of an outpatient visit whose lines are unsettled again."""
    d = setl_data(m, n, total)
    si = c.ok("2206", {"data": d})["setlinfo"]
    d.update({k: si[k] for k in ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt")})
    d["invono"] = ""
    return c.ok("2207", {"data": d})["setlinfo"]


def test_settle_cancel_settle_again_equals_rebuild(server):
    c = server.client(1)
    c.sign_in()
    # outpatient: settled, cancelled (2208), settled again; a second visit settled once
    m, _, rep, _ = outpatient(c, 2, lines=[(DRUG, 2, 18.5), (VISIT_FEE, 1, 10)])
    assert rep["infcode"] == 0, rep
    s1 = rep["output"]["setlinfo"]["setl_id"]
    c.ok("2208", {"data": {"setl_id": s1, "mdtrt_id": m, "psn_no": yb.psn(2)}})
    assert server.sql("SELECT count(*) FROM fee WHERE mdtrt_id=? AND setl_id IS NOT NULL", m) == [(0,)]
    s2 = settle_again(c, m, 2, 47.0)["setl_id"]
    assert server.sql("SELECT count(*) FROM fee WHERE mdtrt_id=? AND setl_id=?", m, s2) == [(2,)]
    m2, _, rep2, _ = outpatient(c, 3, lines=[(DRUG, 1, 18.5)], diag="I10", dise="I10")
    assert rep2["infcode"] == 0, rep2
    # a settlement reversed by its msgid (2601)
    mid = c.msgid()
    m3, _, rep3, _ = outpatient(c, 4, lines=[(DRUG, 3, 18.5)], msgid=mid)
    assert rep3["infcode"] == 0, rep3
    c.ok("2601", {"data": {"psn_no": yb.psn(4), "omsgid": mid, "oinfno": "2207"}})
    # inpatient: a stay settled (2304) and cancelled (2305)
    h = server.client(2)
    h.sign_in()
    n = 5
    s = admit(h, n, "ZY-SUM1")
    h.ok("2301", {"feedetail": [ifee(s, n, "1", BED, 3, 30), ifee(s, n, "2", CT, 1, 150), ifee(s, n, "3", DRUG, 2, 5)]})
    discharge(h, s, n)
    d = data(s, n, 250)
    si = h.ok("2303", {"data": d})["setlinfo"]
    d.update({k: si[k] for k in ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt")})
    ipt = h.ok("2304", {"data": d})["setlinfo"]["setl_id"]
    h.ok("2305", {"data": {"mdtrt_id": s, "setl_id": ipt, "psn_no": yb.psn(n)}})

    have = tables(server)
    month, dise, item = have
    # hand-counted: 5 originals (s1, s2, m2's, m3's, the stay) and 3 reversals (of s1, m3's, the stay)
    assert server.sql("SELECT count(*), sum(refd_setl_flag) FROM settlement") == [(8, 3)]
    assert sum(r[4] for r in month) == 5 - 3 and sum(r[5] for r in month) == 3
    medfee, fund = server.sql("SELECT sum(medfee_sumamt), sum(fund_pay_sumamt) FROM settlement")[0]
    assert sum(r[6] for r in month) == medfee == 4700 + 1850  # s2 and m2's visit remain
    assert sum(r[7] for r in month) == fund
    # the stay's month nets to zero settlements with one reversal row; the kinds are the visits'
    assert {(r[3], r[4], r[5]) for r in month if r[3] == "ipt"} == {("ipt", 0, 1)}
    # items: the drug's settled lines are s2's (2 × 18.50) and m2's (18.50); the stay's and m3's are
    # unsettled again. They count in the settlements' year (now), not the lines' (2024).
    drug = [r for r in item if r[1] == DRUG]
    assert drug == [(server.sql("SELECT substr(min(setl_time),1,4) FROM settlement")[0][0], DRUG, 2, 5550)]
    assert {r[1]: r[3] for r in dise}["I10"] == 1

    admin = Console(server.base, "admin")
    assert admin.post("/api/v1/console/refresh").status_code == 200
    assert tables(server) == have


def test_concurrent_flows_equal_rebuild(server):
    """Many clients at once (batches of many jobs), with cancels among them."""
    errors = []

    def run(k):
        try:
            c = server.client(1 + k % 2)
            c.sign_in()
            for i in range(4):
                n = [1, 2, 4, 6, 7, 11][(k + i) % 6]
                m, _, rep, _ = outpatient(c, n, lines=[(DRUG, 1 + i, 18.5), (VISIT_FEE, 1, 10)])
                assert rep["infcode"] == 0, rep
                if (k + i) % 3 == 0:
                    setl = rep["output"]["setlinfo"]["setl_id"]
                    c.ok("2208", {"data": {"setl_id": setl, "mdtrt_id": m, "psn_no": yb.psn(n)}})
        except Exception as x:  # noqa: BLE001 - reported below
            errors.append(repr(x))

    threads = [threading.Thread(target=run, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    have = tables(server)
    settled = server.sql("SELECT count(*), total(sumamt) FROM fee WHERE setl_id IS NOT NULL AND med_list_codg=?", DRUG)[0]
    assert sum(r[2] for r in have[2] if r[1] == DRUG) == settled[0]
    assert sum(r[3] for r in have[2] if r[1] == DRUG) == settled[1]
    admin = Console(server.base, "admin")
    assert admin.post("/api/v1/console/refresh").status_code == 200
    assert tables(server) == have
