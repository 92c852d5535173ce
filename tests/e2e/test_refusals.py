"""Every refusal: gateway failures reply like the gateway, bad requests get infcode -1 naming the
field, an institution cannot touch another's visit; none of them writes anything."""
import json
import time

import requests

import yb
from conftest import snapshot
from flows import CERT, DRUG, fee, outpatient, register, setl_data


def body(c, infno="1101", inp=None, **over):
    env = c.envelope(infno, inp if inp is not None else {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": CERT[1]}},
                     **over)
    return json.dumps(env, ensure_ascii=False).encode()


def test_gateway_refusals(server):
    c = server.client(1)
    c.sign_in()
    snap = snapshot(server)
    b = body(c)
    url = server.base + yb.PATH

    def post(headers):
        return requests.post(url, data=b, headers=dict({"Content-Type": "application/json"}, **headers))

    r = post({})
    assert r.status_code == 401 and r.json() == {"code": 401, "message": "缺少服务网关的请求头!"}
    h = yb.sign_headers("hmac", c.code, c.secret, b)
    assert post(dict(h, **{"x-yb-signature": "0" * 64})).json()["message"] == "签名不一致!"
    assert post(dict(h, **{"x-yb-code": yb.inst(9)})).json()["message"] == "非法用户!"
    stale = yb.sign_headers("hmac", c.code, c.secret, b, ts=int(time.time()) - 3600)
    assert post(stale).json()["message"] == "签名时间戳超时!"
    future = yb.sign_headers("hmac", c.code, c.secret, b, ts=int(time.time()) + 3600)
    assert post(future).json()["message"] == "签名时间戳超时!"
    ok = yb.sign_headers("hmac", c.code, c.secret, b)
    assert post(ok).json()["infcode"] == 0
    r = post(ok)  # the same nonce again
    assert r.status_code == 401 and r.json()["message"] == "重复的请求!"
    # the body is signed: change one byte and the signature no longer holds
    r = requests.post(url, data=b.replace(b"OP001", b"OP002"), headers=dict(yb.sign_headers("hmac", c.code, c.secret, b)))
    assert r.json()["message"] == "签名不一致!"
    # another institution's secret does not sign for this one
    h = yb.sign_headers("hmac", c.code, yb.demo_secret(yb.inst(2)), b)
    assert post(h).json()["message"] == "签名不一致!"
    # an institution on scheme tif cannot use the default scheme
    t = server.client(3)
    h = yb.sign_headers("hmac", t.code, t.secret, b)
    assert post(h).json()["message"] == "非法用户!"
    # tif: wrong token; api: stale millisecond timestamp
    h = yb.sign_headers("tif", t.code, "wrong", b, key=t.key)
    assert post(h).json()["message"] == "签名不一致!"
    a = server.client(5)
    h = yb.sign_headers("api", a.code, a.secret, b, infno="1101", key=a.key, ts=int(time.time() * 1000) - 3600 * 1000)
    assert post(h).json()["message"] == "签名时间戳超时!"
    # wrong path, wrong method, too large
    r = requests.post(server.base + "/fsi/api/other", data=b)
    assert r.status_code == 404 and r.json()["code"] == 404
    assert requests.get(url).status_code == 405
    big = b"{" + b" " * (5 << 20) + b"}"
    r = requests.post(url, data=big, headers=yb.sign_headers("hmac", c.code, c.secret, big))
    assert r.status_code == 413 and r.json()["code"] == 413
    assert snapshot(server) == snap


def test_envelope_refusals(server):
    c = server.client(1)
    c.sign_in()
    snap = snapshot(server)

    def refused(raw, field, infno=""):
        r = c.post_raw(raw, infno)
        assert r.status_code == 200, r.text
        j = r.json()
        assert j["infcode"] == -1, j
        assert j["err_msg"].startswith(field), (field, j["err_msg"])
        assert j["output"] == {} and j["inf_refmsgid"].startswith(yb.REGION)
        return j

    refused(b'{"infno": "1101", "msgid": ', "body")                  # malformed
    refused(b"[1,2,3]", "body")                                     # not an object
    refused(b'{"a":' * 40 + b"1" + b"}" * 40, "body")                # too deep
    refused(b"", "body")
    env = c.envelope("1101", {"data": {}})
    for key in ("infno", "msgid", "mdtrtarea_admvs", "opter_type", "opter", "fixmedins_code", "input"):
        e = dict(env)
        del e[key]
        refused(json.dumps(e).encode(), key)
    refused(json.dumps(dict(env, opter_type="x")).encode(), "opter_type")
    refused(json.dumps(dict(env, opter_type=7)).encode(), "opter_type")
    refused(json.dumps(dict(env, mdtrtarea_admvs="110000")).encode(), "mdtrtarea_admvs")
    refused(json.dumps(dict(env, insuplc_admdvs="11")).encode(), "insuplc_admdvs")
    refused(json.dumps(dict(env, inf_time="yesterday")).encode(), "inf_time")
    refused(json.dumps(dict(env, fixmedins_code=yb.inst(2))).encode(), "fixmedins_code")
    refused(json.dumps(dict(env, infno="9999")).encode(), "infno")
    refused(json.dumps(dict(env, input=[1])).encode(), "input")
    refused(json.dumps(dict(env, input="{not json")).encode(), "input")
    refused(json.dumps(dict(env, msgid={"a": 1})).encode(), "msgid")
    refused(json.dumps(dict(env, sign_no="")).encode(), "sign_no")
    refused(json.dumps(dict(env, sign_no="411500000000000000000000000000")).encode(), "sign_no")
    # the path must agree with the body
    r = c.post_raw(json.dumps(env).encode(), path=yb.PATH + "/2201")
    assert r.json()["infcode"] == -1 and r.json()["err_msg"].startswith("infno")
    assert snapshot(server) == snap


def test_sign_in_and_out(server):
    c = server.client(2, opter="OPX")
    sign = c.sign_in()
    assert len(sign) == 30
    assert c.sign_in() == sign  # the same operator, the same day: the same sign_no
    other = server.client(1)
    other.sign_in()
    j = other.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": CERT[1]}}, sign_no=sign)
    assert j["infcode"] == -1 and j["err_msg"].startswith("sign_no")
    j = c.call("9002", {"signOut": {"sign_no": sign, "opter_no": "SOMEONE"}})
    assert j["infcode"] == -1 and "opter_no" in j["err_msg"]
    out = c.ok("9002", {"signOut": {"sign_no": sign, "opter_no": "OPX"}})
    assert out["sign_time"]
    j = c.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": CERT[1]}})
    assert j["infcode"] == -1 and j["err_msg"].startswith("sign_no")
    assert c.sign_in() != sign


def test_bad_inputs_name_the_field(server):
    c = server.client(1)
    c.sign_in()
    m = register(c, 1)
    snap = snapshot(server)

    def refused(infno, inp, field):
        j = c.call(infno, inp)
        assert j["infcode"] == -1, j
        assert j["err_msg"].startswith(field), (field, j["err_msg"])

    good = fee(m, 1, "1", DRUG, 2, 18.5)
    refused("2204", {"feedetail": [dict(good, cnt="abc")]}, "input.feedetail[0].cnt")
    refused("2204", {"feedetail": [dict(good, cnt={"x": 1})]}, "input.feedetail[0].cnt")
    refused("2204", {"feedetail": [dict(good, cnt=-2, det_item_fee_sumamt=-37)]}, "input.feedetail[0].cnt")
    refused("2204", {"feedetail": [dict(good, pric="18.5000001")]}, "input.feedetail[0].pric")
    refused("2204", {"feedetail": [dict(good, det_item_fee_sumamt=40)]}, "input.feedetail[0].det_item_fee_sumamt")
    refused("2204", {"feedetail": [dict(good, med_list_codg="NOPE")]}, "input.feedetail[0].med_list_codg")
    refused("2204", {"feedetail": [dict(good, fee_ocur_time="2024-13-01 00:00:00")]}, "input.feedetail[0].fee_ocur_time")
    refused("2204", {"feedetail": [dict(good, hosp_appr_flag="5")]}, "input.feedetail[0].hosp_appr_flag")
    refused("2204", {"feedetail": [good, dict(good, det_item_fee_sumamt="x")]}, "input.feedetail[1].det_item_fee_sumamt")
    refused("2204", {"feedetail": [good, good]}, "input.feedetail[1].feedetl_sn")
    refused("2204", {"feedetail": [good, dict(good, feedetl_sn="2", dise_codg="I10")]}, "input.feedetail[1].chrg_bchno")
    refused("2204", {"feedetail": []}, "input.feedetail")
    refused("2204", {"feedetail": "x"}, "input.feedetail")
    refused("2204", {}, "input.feedetail")
    refused("2201", {"data": {"psn_no": yb.psn(1)}}, "input.data.insutype")
    refused("2201", {"data": {"psn_no": "nobody", "insutype": "390", "begntime": "2024-03-15 09:00:00",
                              "mdtrt_cert_type": "02", "mdtrt_cert_no": "x", "ipt_otp_no": "N1", "atddr_no": "D",
                              "dr_name": "d", "dept_code": "d", "dept_name": "d", "caty": "A03"}}, "input.data.psn_no")
    refused("2201", {"data": {"psn_no": yb.psn(1), "insutype": "310", "begntime": "2024-03-15 09:00:00",
                              "mdtrt_cert_type": "02", "mdtrt_cert_no": CERT[1], "ipt_otp_no": "N2", "atddr_no": "D",
                              "dr_name": "d", "dept_code": "d", "dept_name": "d", "caty": "A03"}}, "input.data.insutype")
    refused("2201", {"data": {"psn_no": yb.psn(1), "insutype": "390", "begntime": "2024-03-15 09:00:00",
                              "mdtrt_cert_type": "02", "mdtrt_cert_no": CERT[2], "ipt_otp_no": "N3", "atddr_no": "D",
                              "dr_name": "d", "dept_code": "d", "dept_name": "d", "caty": "A03"}}, "input.data.mdtrt_cert_no")
    refused("2203", {"mdtrtinfo": {"mdtrt_id": m, "psn_no": yb.psn(1), "med_type": "77",
                                   "begntime": "2024-03-15 09:00:00"}}, "input.mdtrtinfo.med_type")
    refused("2203", {"mdtrtinfo": {"mdtrt_id": m, "psn_no": yb.psn(2), "med_type": "11",
                                   "begntime": "2024-03-15 09:00:00"}}, "psn_no")
    refused("2206", {"data": setl_data(m, 1, 10)}, "input.data.chrg_bchno")
    refused("2206", {"data": dict(setl_data(m, 1, 10), acct_used_flag="2")}, "input.data.acct_used_flag")
    refused("2206", {"data": dict(setl_data(m, 1, 10), medfee_sumamt="ten")}, "input.data.medfee_sumamt")
    refused("2208", {"data": {"setl_id": "none", "mdtrt_id": m, "psn_no": yb.psn(1)}}, "input.data.setl_id")
    refused("5206", {"data": {"psn_no": yb.psn(1), "cum_ym": "2024"}}, "input.data.cum_ym")
    refused("2601", {"data": {"psn_no": yb.psn(1), "omsgid": "x", "oinfno": "2204"}}, "input.data.oinfno")
    assert snapshot(server) == snap


def test_other_institutions_visit(server):
    a = server.client(1)
    a.sign_in()
    m, pre, rep, d = outpatient(a, 1)
    setl = rep["output"]["setlinfo"]["setl_id"]
    b = server.client(2)
    b.sign_in()
    snap = snapshot(server)
    for infno, inp in [
        ("2203", {"mdtrtinfo": {"mdtrt_id": m, "psn_no": yb.psn(1), "med_type": "11", "begntime": "2024-03-15 09:00:00"}}),
        ("2204", {"feedetail": [fee(m, 1, "9", DRUG, 1, 18.5)]}),
        ("2205", {"data": {"mdtrt_id": m, "chrg_bchno": "0000", "psn_no": yb.psn(1)}}),
        ("2206", {"data": d}),
        ("2207", {"data": d}),
        ("2208", {"data": {"setl_id": setl, "mdtrt_id": m, "psn_no": yb.psn(1)}}),
        ("5203", {"data": {"setl_id": setl, "mdtrt_id": m, "psn_no": yb.psn(1)}}),
        ("5204", {"data": {"mdtrt_id": m, "psn_no": yb.psn(1)}}),
        ("2601", {"data": {"psn_no": yb.psn(1), "omsgid": a.last_msgid, "oinfno": "2207"}}),
    ]:
        j = b.call(infno, inp)
        if infno == "2601":  # b never sent that msgid: nothing of b's to reverse
            assert j["infcode"] == 0
            continue
        assert j["infcode"] == -1, (infno, j)
        assert "mdtrt_id" in j["err_msg"] or "setl_id" in j["err_msg"], (infno, j["err_msg"])
    assert snapshot(server)[:5] == snap[:5]  # only 2601's own msgid is logged
    assert server.sql("SELECT state FROM settlement WHERE setl_id=?", setl) == [(1,)]
