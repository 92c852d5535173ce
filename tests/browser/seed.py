"""Data for the console's pages, through the real APIs: settlements through the HSI API
(outpatient visits at the county hospital, the township health centre and the village clinic,
inpatient stays, one of a 低保 resident whose medical assistance pays, and one reversal), and
through the enrollment routes a resident's 2026 contribution, an employee's month and a
household with one member not enrolled. Usage: seed.py BASE_URL"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

import yb  # noqa: E402  (Client, Console)
from flows import BED, CT, DRUG, VISIT_FEE, outpatient  # noqa: E402
from test_inpatient import admit, data, discharge, ifee  # noqa: E402



def client(base, n):
    code = yb.inst(n)
    kw = {}
    if n == 3:
        kw = {"scheme": "tif", "key": "paas-" + code}
    if n == 5:
        kw = {"scheme": "api", "key": "ak-" + code}
    c = yb.Client(base, code=code, **kw)
    c.sign_in()
    return c


def inpatient(c, n, ipt_no, lines):
    m = admit(c, n, ipt_no)
    c.ok("2301", {"feedetail": [ifee(m, n, str(i + 1), code, cnt, pric) for i, (code, cnt, pric) in enumerate(lines)]})
    total = round(sum(cnt * pric for _, cnt, pric in lines), 2)
    discharge(c, m, n)
    d = data(m, n, total)
    si = c.ok("2303", {"data": d})["setlinfo"]
    d.update({k: si[k] for k in ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt")})
    mid = c.msgid()
    rep = c.call("2304", {"data": d}, msgid=mid)
    assert rep["infcode"] == 0, rep
    return m, mid


def main(base):
    h1, h2, h4, h5 = client(base, 1), client(base, 2), client(base, 4), client(base, 5)
    for n in (1, 2, 4, 7, 8):
        outpatient(h1, n)
    outpatient(h1, 11, lines=[(DRUG, 4, 18.5), (VISIT_FEE, 1, 12), (CT, 1, 150)], diag="I10")
    for n in (1, 5, 6):
        outpatient(h4, n, lines=[(DRUG, 1, 18.5), (VISIT_FEE, 1, 10)])
    outpatient(h5, 4, lines=[(DRUG, 1, 9.5)])
    inpatient(h2, 5, "ZY-S1", [(BED, 10, 35), (CT, 1, 150), (DRUG, 4, 5)])
    inpatient(h1, 3, "ZY-S2", [(BED, 8, 30), (CT, 2, 150), (DRUG, 20, 18.5)])
    _, mid = inpatient(h2, 2, "ZY-S3", [(CT, 1, 150)])
    h2.ok("2601", {"data": {"psn_no": yb.psn(2), "omsgid": mid, "oinfno": "2304"}})
    enroll(base)
    print("seeded")


def idno(first17):
    """An ID number with its ISO 7064 MOD 11-2 check character."""
    s = sum(int(d) * w for d, w in zip(first17, [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]))
    return first17 + "10X98765432"[s % 11]


def enroll(base):
    c = yb.Console(base, "clerk")

    def ok(path, body):
        r = c.post(path, body)
        assert r.status_code in (200, 201), (path, r.status_code, r.text)
        return r.json()

    # 1 100.00 yuan a resident for 2026: 400.00 the person's part, 700.00 the government's
    a = ok("/api/v1/persons", {"certno": idno("41150019850101003"), "psn_name": "孙大山", "gend": "1",
                               "brdy": "1985-01-01", "hh_no": "HH9001", "relation": "01"})
    ok("/api/v1/persons", {"certno": idno("41150020100606004"), "psn_name": "孙小川", "gend": "1",
                           "brdy": "2010-06-06", "hh_no": "HH9001", "relation": "20"})  # not enrolled
    ok("/api/v1/enrollments", {"psn_no": a["psn_no"], "year": 2026, "insutype": "390", "psn_type": "1701"})
    # an employee's month on a 6 000.00 base: 480.00 the employer's, 120.00 the employee's
    ok("/api/v1/contributions/employee", {"psn_no": yb.psn(2), "month": "2026-11", "base": "6000"})


if __name__ == "__main__":
    main(sys.argv[1])
