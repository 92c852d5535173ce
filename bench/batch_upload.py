#!/usr/bin/env python3
"""`make bench-batch-upload`: through the real server, one outpatient batch (chrg_bchno) growing by
2204 calls of 1 000 fee lines, as a pharmacy's or a clinic's day list arrives in parts; then one
inpatient stay of as many lines, a 2301 call of 1 000 returns (negative cnt) against them, and a
2302 call cancelling those 1 000 lines (each with its return); then 1 000 returns against lines left,
the stay pre-settled (2303), settled (2304) and its settlement cancelled (2305). Each
call is one write in the region's only writer, so a call must not slow down with the lines its
batch or stay already holds. Prints `name: value` lines. Usage: bench/batch_upload.py [CALLS]
(YIBAO=build/yibao)"""
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import conftest  # noqa: E402  (the e2e tests' server and signing client)
import yb  # noqa: E402
from flows import DRUG, fee, register  # noqa: E402
from test_inpatient import admit, data, discharge, ifee  # noqa: E402

CALLS = int(sys.argv[1]) if len(sys.argv) > 1 else 4
LINES = 1000  # the most one 2204 call may carry

with tempfile.TemporaryDirectory() as d:
    db = os.path.join(d, "bench.db")
    subprocess.run([conftest.YIBAO, "init", "--demo", "--db", db, "--policies", conftest.POLICIES],
                   check=True, capture_output=True)
    server = conftest.Server(db).start()
    try:
        c = server.client(1)
        c.sign_in()
        m = register(c, 1)
        times = []
        for k in range(CALLS):
            rows = [fee(m, 1, "%d-%d" % (k, i), DRUG, 1, 1.0, bch="A",
                        fee_ocur_time="2024-03-15 %02d:%02d:%02d" % (9 + k, i // 60 % 60, i % 60))
                    for i in range(LINES)]
            t = time.perf_counter()
            j = c.call("2204", {"feedetail": rows})
            times.append((time.perf_counter() - t) * 1e3)
            assert j["infcode"] == 0, j
        c2 = server.client(2)
        c2.sign_in()
        s = admit(c2, 1, "ZY-BENCH")
        for k in range(CALLS):
            j = c2.call("2301", {"feedetail": [ifee(s, 1, "%d-%d" % (k, i), DRUG, 2, 1.0) for i in range(LINES)]})
            assert j["infcode"] == 0, j
        t = time.perf_counter()
        j = c2.call("2301", {"feedetail": [ifee(s, 1, "r-%d" % i, DRUG, -1, 1.0, init_feedetl_sn="%d-%d" % (i % CALLS, i))
                                           for i in range(LINES)]})
        returns_ms = (time.perf_counter() - t) * 1e3
        assert j["infcode"] == 0, j
        t = time.perf_counter()  # cancel 1 000 of the stay's lines (2302), each taking its return
        j = c2.call("2302", {"data": [{"feedetl_sn": "%d-%d" % (i % CALLS, i), "mdtrt_id": s, "psn_no": yb.psn(1)}
                                      for i in range(LINES)]})
        cancel_ms = (time.perf_counter() - t) * 1e3
        assert j["infcode"] == 0, j
        # returns against 1 000 of the lines left, then the stay settled (2303, 2304) and cancelled (2305)
        left = ["%d-%d" % (k, i) for k in range(CALLS) for i in range(LINES) if i % CALLS != k]
        j = c2.call("2301", {"feedetail": [ifee(s, 1, "q-%d" % i, DRUG, -1, 1.0, init_feedetl_sn=left[i])
                                           for i in range(LINES)]})
        assert j["infcode"] == 0, j
        total = 2.0 * len(left) - LINES
        t = time.perf_counter()
        pre = c2.call("2303", {"data": data(s, 1, total)})
        pre_ms = (time.perf_counter() - t) * 1e3
        assert pre["infcode"] == 0, pre
        discharge(c2, s, 1)
        si = pre["output"]["setlinfo"]
        d = data(s, 1, total, fulamt_ownpay_amt=si["fulamt_ownpay_amt"], overlmt_selfpay=si["overlmt_selfpay"],
                 preselfpay_amt=si["preselfpay_amt"], inscp_scp_amt=si["inscp_scp_amt"])
        t = time.perf_counter()
        j = c2.call("2304", {"data": d})
        settle_ms = (time.perf_counter() - t) * 1e3
        assert j["infcode"] == 0, j
        t = time.perf_counter()
        j = c2.call("2305", {"data": {"mdtrt_id": s, "setl_id": j["output"]["setlinfo"]["setl_id"], "psn_no": yb.psn(1)}})
        unsettle_ms = (time.perf_counter() - t) * 1e3
        assert j["infcode"] == 0, j
    finally:
        server.stop()
    print("calls: %d" % CALLS)
    print("lines_per_call: %d" % LINES)
    print("first_call_ms: %.1f" % times[0])
    print("last_call_ms: %.1f" % times[-1])
    print("batch_lines_at_end: %d" % (CALLS * LINES))
    print("returns_call_ms: %.1f" % returns_ms)
    print("stay_lines_before_returns: %d" % (CALLS * LINES))
    print("cancel_call_ms: %.1f" % cancel_ms)
    print("stay_lines_at_settlement: %d" % (len(left) + LINES))
    print("presettle_ms: %.1f" % pre_ms)
    print("settle_ms: %.1f" % settle_ms)
    print("settle_cancel_ms: %.1f" % unsettle_ms)
