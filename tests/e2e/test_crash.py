"""kill -9 under load, then restart: every acknowledged settlement is there, nothing is
half-written, the accumulators equal the sum of the settlements."""
import json
import threading
import time

import requests

from conftest import Server, accum_matches_settlements
from flows import outpatient


def test_kill9_under_load(fresh_db):
    s = Server(fresh_db).start()
    acked = []
    stop = threading.Event()
    lock = threading.Lock()

    def load(i):
        c = s.client([1, 2, 4][i % 3], opter="K%02d" % i)
        try:
            c.sign_in()
            while not stop.is_set():
                m, pre, rep, d = outpatient(c, [1, 2, 3, 4, 5, 8, 9, 13][i % 8], msgid=None)
                if rep["infcode"] == 0:
                    with lock:
                        acked.append((c, c.last_msgid, d, rep))
        except (requests.RequestException, AssertionError, json.JSONDecodeError, KeyError):
            return  # the server died under us

    ts = [threading.Thread(target=load, args=(i,)) for i in range(12)]
    for t in ts:
        t.start()
    time.sleep(2.5)
    s.kill9()
    stop.set()
    for t in ts:
        t.join(timeout=60)
    assert acked, "no settlement was acknowledged before the kill"
    s = Server(fresh_db).start()  # recovery happens when the database is opened
    try:
        assert s.sql("PRAGMA integrity_check") == [("ok",)]
        assert s.sql("PRAGMA foreign_key_check") == []
        for c, mid, d, rep in acked:
            sid = rep["output"]["setlinfo"]["setl_id"]
            assert s.sql("SELECT state, msgid FROM settlement WHERE setl_id=?", sid) == [(1, mid)]
        # nothing half-written: each settlement has its lines, details and stored reply
        for sid, mdtrt, detail, infno, mid, code in s.sql(
                "SELECT setl_id, mdtrt_id, unpack(setldetail), infno, msgid, fixmedins_code FROM settlement"):
            assert s.sql("SELECT count(*) FROM fee WHERE setl_id=?", sid)[0][0] > 0, sid
            assert s.sql("SELECT count(*) FROM setl_detail WHERE setl_id=?", sid)[0][0] == len(json.loads(detail))
            assert s.sql("SELECT infno FROM msglog WHERE fixmedins_code=? AND msgid=?", code, mid) == [(infno,)]
        accum_matches_settlements(s)
        # an acknowledged settlement retried after the restart gets the very same reply
        c, mid, d, rep = acked[-1]
        c.base = s.base
        c.session = requests.Session()
        c.sign_in()
        again = c.call("2207", {"data": d}, msgid=mid)
        assert again == rep
        # and the server carries on
        m, pre, rep2, d2 = outpatient(c, 1)
        assert rep2["infcode"] == 0
    finally:
        s.stop()
