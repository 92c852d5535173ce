"""Many clients settling the same persons at once: writes are serialized per person, so the
accumulators and the accounts always equal the sum of the settlements. And clients that hang up
while their writes wait for the writer."""
import json
import socket
import struct
import threading
import time

import yb
from conftest import accum_matches_settlements
from flows import DRUG, VISIT_FEE, fee, outpatient, register


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


def test_clients_hanging_up_while_their_writes_wait(server):
    """A write waits for the writer on its connection; a client that resets the connection
    meanwhile must not take the server down (the store still holds the call), and its write
    still lands whole: a retry of its msgid on a new connection gets the first answer."""
    uploads = []
    for k, n in enumerate((3, 8, 9, 12)):  # four uploads of 1 000 lines: the writer is busy for a while
        big = server.client(1, opter="HANG%d" % k)
        big.sign_in()
        m = register(big, n)
        rows = [fee(m, n, str(i + 1), DRUG, 1, 1.5) for i in range(1000)]
        uploads.append((m, threading.Thread(target=lambda b=big, r=rows: b.ok("2204", {"feedetail": r}))))
    c = server.client(2, opter="HANGX")
    c.sign_in()
    sent = []
    for _, t in uploads:
        t.start()
    time.sleep(0.02)  # the writes below queue behind the uploads
    for k in range(8):
        env = c.envelope("2201", {"data": {"psn_no": yb.psn(9), "insutype": "310", "begntime": "2024-03-15 09:30:00",
                                           "mdtrt_cert_type": "02", "mdtrt_cert_no": "411500195004040091",
                                           "ipt_otp_no": "HANG%04d" % k, "atddr_no": "D001", "dr_name": "医生乙",
                                           "dept_code": "NK01", "dept_name": "内科", "caty": "A03"}})
        body = json.dumps(env, ensure_ascii=False).encode()
        h = yb.sign_headers("hmac", c.code, c.secret, body)
        head = "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n" % (
            yb.PATH, len(body)) + "".join("%s: %s\r\n" % kv for kv in h.items()) + "\r\n"
        s = socket.create_connection(("127.0.0.1", server.port))
        s.sendall(head.encode() + body)
        sent.append((s, body))
    time.sleep(0.05)  # read and queued by the server, not answered yet
    for s, _ in sent:  # reset, not close: the server sees an error on the waiting connection
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    for _, t in uploads:
        t.join()
    for _, body in sent:  # each retry answers from the stored reply, or runs it now if it never arrived
        r = c.post_raw(body)
        assert r.status_code == 200, r.text
        j = r.json()
        assert j["infcode"] == 0, j
    n = server.sql("SELECT count(*) FROM visit WHERE ipt_otp_no LIKE 'HANG%'")[0][0]
    assert n == 8
    for m, _ in uploads:
        assert server.sql("SELECT count(*) FROM fee WHERE mdtrt_id=?", m)[0][0] == 1000
