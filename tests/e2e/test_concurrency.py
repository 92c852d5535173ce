"""Many clients settling the same persons at once: writes are serialized per person, so the
accumulators and the accounts always equal the sum of the settlements."""
import threading

import yb
from conftest import accum_matches_settlements
from flows import DRUG, VISIT_FEE, outpatient


def run_threads(server, jobs):
    errors = []

    def worker(i, fn):
        try:
            fn(i)
        except Exception as e:  # noqa: BLE001 — reported below
            errors.append(repr(e))

    ts = [threading.Thread(target=worker, args=(i, fn)) for i, fn in enumerate(jobs)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors, errors[:3]


def test_same_person_many_threads(server):
    def settle_many(i):
        c = server.client([1, 2, 4][i % 3], opter="T%02d" % i)
        c.sign_in()
        for k in range(6):
            n = [3, 9, 8][(i + k) % 3]
            m, pre, rep, d = outpatient(c, n, lines=[(DRUG, 1 + k % 3, 18.5), (VISIT_FEE, 1, 10)])
            assert rep["infcode"] == 0, rep
            if k % 3 == 2:  # cancel some, concurrently with the others' settlements
                si = rep["output"]["setlinfo"]
                c.ok("2208", {"data": {"setl_id": si["setl_id"], "mdtrt_id": m, "psn_no": yb.psn(n)}})

    run_threads(server, [settle_many] * 16)
    for n in (3, 8, 9):
        accum_matches_settlements(server, yb.psn(n))
    start = {3: 500000, 8: 300000, 9: 10000}
    for n in (3, 8, 9):
        own = server.sql("SELECT coalesce(sum(acct_pay),0) FROM settlement WHERE psn_no=?", yb.psn(n))[0][0]
        shared = server.sql("SELECT coalesce(sum(acct_mulaid_pay),0) FROM settlement WHERE family_psn_no=?",
                            yb.psn(n))[0][0]
        balc = server.sql("SELECT acct_balc FROM person WHERE psn_no=?", yb.psn(n))[0][0]
        assert balc == start[n] - own - shared, n
        assert balc >= 0
    assert server.sql("SELECT count(*) FROM settlement WHERE psn_no IN (?,?,?) AND refd_setl_flag=0",
                      yb.psn(3), yb.psn(8), yb.psn(9))[0][0] >= 96
