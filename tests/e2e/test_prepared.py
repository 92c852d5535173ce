"""Prepared settlements (docs/operations.md, "Prepared settlements", YB_PREP=1): a 2207 computed on
the HTTP thread and applied by the writer stores exactly what computing it in the writer stores —
the same settlement rows, details, traces, accumulators and accounts — and serve's closing line
shows the prepared path was the one taken; under concurrent settlement of the same persons (whose
prepared work then often meets other accounts) the accumulators and accounts stay exact."""
import json
import os
import subprocess
import tempfile

import yb
from conftest import YIBAO, Server, accum_matches_settlements, make_db
from flows import DRUG, VISIT_FEE, outpatient
from test_concurrency import run_threads


class EnvServer(Server):
    """Server.start with extra environment variables."""

    def __init__(self, db, env):
        super().__init__(db)
        self.env = env

    def start(self):
        from conftest import free_port
        self.port = free_port()
        self.log = open(self.db + ".log", "ab")
        self.proc = subprocess.Popen([YIBAO, "serve", "--db", self.db, "--port", str(self.port)],
                                     stdout=subprocess.PIPE, stderr=self.log,
                                     env=dict(os.environ, **self.env))
        line = self.proc.stdout.readline().decode()
        assert "serving" in line, "server did not start: %r" % line
        return self


PERSONS = (1, 2, 3, 4, 5, 8, 9, 11, 12, 13)  # 9's account is shared with family (家庭共济)


def flows(server):
    c = server.client(1, opter="PR01")
    c.sign_in()
    for k in range(3):
        for n in PERSONS:
            m, pre, rep, d = outpatient(c, n, lines=[(DRUG, 1 + k, 18.5), (VISIT_FEE, 1, 10)])
            assert rep["infcode"] == 0, rep
            if k == 1 and n in (3, 9):  # a cancellation between settlements: the money moves back
                si = rep["output"]["setlinfo"]
                c.ok("2208", {"data": {"setl_id": si["setl_id"], "mdtrt_id": m, "psn_no": yb.psn(n)}})


def stored(server):
    rows = server.sql("SELECT setl_id, psn_no, refd_setl_flag, state, medfee_sumamt, fund_pay_sumamt,"
                      " acct_pay, acct_mulaid_pay, psn_cash_pay, family_psn_no, unpack(setlinfo), unpack(setldetail), unpack(trace),"
                      " accum_delta FROM settlement ORDER BY setl_id")
    out = []
    for r in rows:
        si = json.loads(r[10])
        for k in ("setl_time", "medins_setl_id"):  # the clock and the HIS's msgid differ per run
            si.pop(k, None)
        out.append(r[:10] + (si,) + r[11:])
    details = server.sql("SELECT * FROM setl_detail ORDER BY setl_id, seq")
    accum = server.sql("SELECT psn_no, year, bucket, period, value FROM accum ORDER BY 1, 2, 3, 4")
    accounts = server.sql("SELECT psn_no, acct_balc FROM person ORDER BY 1")
    lines = server.sql("SELECT mdtrt_id, feedetl_sn, setl_id, state FROM fee ORDER BY 1, 2")
    return out, details, accum, accounts, lines


def test_prepared_equals_writer_computed():
    got = {}
    logs = {}
    for name, env in (("prepared", {"YB_PREP": "1"}), ("writer", {})):
        with tempfile.TemporaryDirectory() as d:
            s = EnvServer(make_db(d), env).start()
            try:
                flows(s)
                got[name] = stored(s)
            finally:
                s.stop()
            with open(s.db + ".log", encoding="utf-8") as f:
                logs[name] = f.read()
    assert len(got["prepared"][0]) == 3 * len(PERSONS) + 2  # the settlements and two reversals
    for a, b in zip(got["prepared"], got["writer"]):
        assert a == b
    assert "prepared on the HTTP threads" not in logs["writer"]
    line = [x for x in logs["prepared"].splitlines() if "prepared on the HTTP threads" in x]
    assert line, logs["prepared"][-500:]
    made, applied = int(line[0].split()[1]), int(line[0].split(":")[1].split()[0])
    assert made == 3 * len(PERSONS) and applied == made, line[0]  # one client: nothing moved between


def test_prepared_under_concurrency():
    with tempfile.TemporaryDirectory() as d:
        s = EnvServer(make_db(d), {"YB_PREP": "1"}).start()
        start = {n: s.sql("SELECT acct_balc FROM person WHERE psn_no=?", yb.psn(n))[0][0] for n in (3, 8, 9)}

        def settle_many(i):
            c = s.client([1, 2, 4][i % 3], opter="PC%02d" % i)
            c.sign_in()
            for k in range(5):
                n = [3, 9, 8][(i + k) % 3]
                m, pre, rep, dd = outpatient(c, n, lines=[(DRUG, 1 + k % 3, 18.5), (VISIT_FEE, 1, 10)])
                assert rep["infcode"] == 0, rep
                if k % 3 == 2:
                    si = rep["output"]["setlinfo"]
                    c.ok("2208", {"data": {"setl_id": si["setl_id"], "mdtrt_id": m, "psn_no": yb.psn(n)}})

        try:
            run_threads(s, [settle_many] * 12)
            for n in (3, 8, 9):
                accum_matches_settlements(s, yb.psn(n))
                own = s.sql("SELECT coalesce(sum(acct_pay),0) FROM settlement WHERE psn_no=?", yb.psn(n))[0][0]
                shared = s.sql("SELECT coalesce(sum(acct_mulaid_pay),0) FROM settlement WHERE family_psn_no=?",
                               yb.psn(n))[0][0]
                balc = s.sql("SELECT acct_balc FROM person WHERE psn_no=?", yb.psn(n))[0][0]
                assert balc == start[n] - own - shared >= 0, n
            assert s.sql("SELECT count(*) FROM settlement WHERE refd_setl_flag=0")[0][0] == 60
        finally:
            s.stop()
        with open(s.db + ".log", encoding="utf-8") as f:
            log = f.read()
            assert "prepared on the HTTP threads" in log
