"""What real HIS clients send must work: formatting, types, date formats, schemes, paths."""
import json

import yb
from flows import CERT, DRUG, VISIT_FEE, fee, outpatient, register, setl_data


def test_formats_his_clients_send(server):
    c = server.client(1)
    c.sign_in()
    # CRLF-indented body, charset in Content-Type, numeric opter_type, camelCase extras, long msgid
    env = c.envelope("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": CERT[1], "extraField": 1}},
                     msgid=c.msgid() + "EXTRA-LONG-0001", opter_type=1, insuplc_admdvs="", enc_type="",
                     hisVersion="5.2")
    raw = json.dumps(env, ensure_ascii=False, indent=4).replace("\n", "\r\n").encode()
    r = c.post_raw(raw, headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.json()["infcode"] == 0, r.json()
    assert r.headers["Content-Type"].startswith("application/json")
    # input sent as a JSON string, and no Content-Type at all
    env = c.envelope("1101", json.dumps({"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": CERT[1]}}))
    r = c.post_raw(json.dumps(env).encode(), headers={"Content-Type": ""})
    assert r.json()["infcode"] == 0, r.json()
    # the infno in the path (…/callService/{infno}) and nowhere else
    env = c.envelope("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": CERT[1]}})
    del env["infno"]
    r = c.post_raw(json.dumps(env).encode(), path=yb.PATH + "/1101")
    assert r.json()["infcode"] == 0, r.json()


def test_amount_and_date_shapes(server):
    c = server.client(2)
    c.sign_in()
    p = yb.psn(1)
    m = c.ok("2201", {"data": {"psn_no": p, "insutype": "390", "begntime": "2024-03-15T09:30:00",
                               "mdtrt_cert_type": "02", "mdtrt_cert_no": CERT[1], "ipt_otp_no": "SHAPE-1",
                               "atddr_no": "D1", "dr_name": "医生", "dept_code": "NK", "dept_name": "内科",
                               "caty": "A03"}})["data"]["mdtrt_id"]
    c.ok("2203A", {"mdtrtinfo": {"mdtrt_id": m, "psn_no": p, "med_type": "11", "begntime": "2024/3/15 9:30:00",
                                 "matn_type": "", "geso_val": 0}, "diseinfo": []})
    rows = [fee(m, 1, "1", DRUG, 2, 18.5), fee(m, 1, "2", VISIT_FEE, 1, 10), fee(m, 1, "3", DRUG, 3, 0.1)]
    rows[0].update(det_item_fee_sumamt="37.0000", cnt="2.0000", pric="18.500000", fee_ocur_time="2024/3/15 9:40:00")
    rows[1].update(det_item_fee_sumamt=10.0, cnt=1.0, pric=10.000000, fee_ocur_time="2024-03-15T09:41:00",
                   hosp_appr_flag=0)
    rows[2].update(det_item_fee_sumamt=0.3, cnt=3, pric=0.1)  # 0.1 is not exact in binary
    res = c.ok("2204", {"feedetail": rows})["result"]
    assert [r["feedetl_sn"] for r in res] == ["1", "2", "3"]
    assert res[2]["det_item_fee_sumamt"] == 0.3
    d = setl_data(m, 1, "47.3000")
    si = c.ok("2206", {"data": d})["setlinfo"]
    assert si["medfee_sumamt"] == 47.3
    d.update(fulamt_ownpay_amt=str(si["fulamt_ownpay_amt"]), overlmt_selfpay=si["overlmt_selfpay"],
             preselfpay_amt="%.4f" % si["preselfpay_amt"], inscp_scp_amt=si["inscp_scp_amt"])
    out = c.ok("2207", {"data": d})
    assert isinstance(out["setldetail"], list) and isinstance(out["setlinfo"], dict)
    for k, v in out["setlinfo"].items():
        assert v is not None, k


def test_every_signing_scheme_runs_a_flow(server):
    for n in (3, 5):  # tif (PaaS gateway) and _api_* (HMAC-SHA1)
        c = server.client(n)
        c.sign_in()
        m, pre, rep, d = outpatient(c, 1)
        assert rep["infcode"] == 0, rep
