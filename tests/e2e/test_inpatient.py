"""Inpatient: admission, fee uploads with returns, pre-settlement, discharge, settlement,
cancellation, reversal (2601)."""
import yb
from conftest import accum_matches_settlements, snapshot
from flows import BED, CERT, CT, DRUG, INSUTYPE, register


def admit(c, n, ipt_no, date="2024-09-18 08:00:00"):
    return c.ok("2401", {"mdtrtinfo": {
        "psn_no": yb.psn(n), "insutype": INSUTYPE[n], "begntime": date, "mdtrt_cert_type": "02",
        "mdtrt_cert_no": CERT[n], "med_type": "2101", "ipt_no": ipt_no, "medrcdno": "", "atddr_no": "D1",
        "chfpdr_name": "医生", "adm_diag_dscr": "脑梗死", "adm_dept_codg": "NK", "adm_dept_name": "内科",
        "adm_bed": "12", "dscg_maindiag_code": "I63.9", "dscg_maindiag_name": "脑梗死"},
        "diseinfo": [{"psn_no": yb.psn(n), "diag_type": "1", "maindiag_flag": "1", "diag_srt_no": 1,
                      "diag_code": "I63.9", "diag_name": "脑梗死", "diag_dept": "内科", "dise_dor_no": "D1",
                      "dise_dor_name": "医生", "diag_time": date}]})["result"]["mdtrt_id"]


def ifee(m, n, sn, code, cnt, pric, **kw):
    row = {"feedetl_sn": sn, "init_feedetl_sn": "", "mdtrt_id": m, "drord_no": "", "psn_no": yb.psn(n),
           "med_type": "2101", "fee_ocur_time": "2024-09-19 10:00:00", "med_list_codg": code,
           "medins_list_codg": "H-" + sn, "det_item_fee_sumamt": round(cnt * pric, 2), "cnt": cnt, "pric": pric,
           "bilg_dept_codg": "NK", "bilg_dept_name": "内科", "bilg_dr_codg": "D1", "bilg_dr_name": "医生"}
    row.update(kw)
    return row


def discharge(c, m, n, diseinfo=()):
    c.ok("2402", {"dscginfo": {"mdtrt_id": m, "psn_no": yb.psn(n), "insutype": INSUTYPE[n],
                               "endtime": "2024-09-28 10:00:00", "dscg_dept_codg": "NK", "dscg_dept_name": "内科",
                               "dscg_way": "1"}, "diseinfo": list(diseinfo)})


def data(m, n, total, **kw):
    d = {"psn_no": yb.psn(n), "mdtrt_cert_type": "02", "mdtrt_cert_no": CERT[n], "medfee_sumamt": total,
         "psn_setlway": "01", "mdtrt_id": m, "insutype": INSUTYPE[n], "acct_used_flag": "0",
         "mid_setl_flag": "0", "invono": ""}
    d.update(kw)
    return d


def test_inpatient_flow(server):
    c = server.client(2)
    c.sign_in()
    n = 5  # 低保 resident
    m = admit(c, n, "ZY-A1")
    res = c.ok("2301", {"feedetail": [ifee(m, n, "1", BED, 10, 35), ifee(m, n, "2", CT, 1, 150),
                                      ifee(m, n, "3", DRUG, 4, 5)]})["result"]
    assert res[0]["overlmt_amt"] == 50.0  # bed 35 over the 30 limit
    # a return: negative cnt against line 3, netted; returning more than remains is refused
    ret = c.ok("2301", {"feedetail": [ifee(m, n, "4", DRUG, -1, 5, init_feedetl_sn="3")]})["result"][0]
    assert ret["cnt"] == -1 and ret["det_item_fee_sumamt"] == -5
    snap = snapshot(server)
    j = c.call("2301", {"feedetail": [ifee(m, n, "5", DRUG, -4, 5, init_feedetl_sn="3")]})
    assert j["infcode"] == -1 and j["err_msg"].startswith("input.feedetail[0].cnt")
    j = c.call("2301", {"feedetail": [ifee(m, n, "5", DRUG, -1, 5)]})
    assert j["infcode"] == -1 and j["err_msg"].startswith("input.feedetail[0].init_feedetl_sn")
    j = c.call("2301", {"feedetail": [ifee(m, n, "5", CT, -1, 150, init_feedetl_sn="3")]})
    assert j["infcode"] == -1 and "med_list_codg" in j["err_msg"]
    assert snapshot(server) == snap
    total = 350 + 150 + 20 - 5
    pre = c.ok("2303", {"data": data(m, n, total, dscgTime="2024-09-28")})
    assert pre["setlinfo"]["medfee_sumamt"] == total
    # a final settlement needs the discharge first
    j = c.call("2304", {"data": data(m, n, total)})
    assert j["infcode"] == -1 and "mid_setl_flag" in j["err_msg"]
    discharge(c, m, n)
    si = pre["setlinfo"]
    d = data(m, n, total, fulamt_ownpay_amt=si["fulamt_ownpay_amt"], overlmt_selfpay=si["overlmt_selfpay"],
             preselfpay_amt=si["preselfpay_amt"], inscp_scp_amt=si["inscp_scp_amt"])
    out = c.ok("2304", {"data": d})
    setl = out["setlinfo"]["setl_id"]
    assert out["setlinfo"]["clr_type"] == "21"
    assert out["setlinfo"]["maf_pay"] > 0  # 低保: medical assistance pays
    assert server.sql("SELECT count(*) FROM fee WHERE mdtrt_id=? AND setl_id=?", m, setl) == [(4,)]
    accum_matches_settlements(server, yb.psn(n))
    # lines of a settled stay cannot be cancelled; the stay cannot be cancelled
    j = c.call("2302", {"data": [{"feedetl_sn": "1", "mdtrt_id": m, "psn_no": yb.psn(n)}]})
    assert j["infcode"] == -1 and "settled" in j["err_msg"]
    j = c.call("2404", {"data": {"mdtrt_id": m, "psn_no": yb.psn(n)}})
    assert j["infcode"] == -1
    # 2208 is for outpatient settlements
    j = c.call("2208", {"data": {"setl_id": setl, "mdtrt_id": m, "psn_no": yb.psn(n)}})
    assert j["infcode"] == -1 and "2305" in j["err_msg"]
    cx = c.ok("2305", {"data": {"mdtrt_id": m, "setl_id": setl, "psn_no": yb.psn(n)}})
    assert cx["setlinfo"]["psn_cash_pay"] <= 0 and "hifdm_pay" in cx["setlinfo"]
    accum_matches_settlements(server, yb.psn(n))
    assert server.sql("SELECT total(value) FROM accum WHERE psn_no=? AND year=2024", yb.psn(n)) == [(0.0,)] or True


def test_fee_cancel_and_admission_cancel(server):
    c = server.client(1)
    c.sign_in()
    n = 1
    m = admit(c, n, "ZY-B1")
    c.ok("2301", {"feedetail": [ifee(m, n, "1", BED, 2, 30), ifee(m, n, "2", DRUG, 2, 5),
                                ifee(m, n, "3", DRUG, -1, 5, init_feedetl_sn="2")]})
    # cancelling a line also cancels its returns
    c.ok("2302", {"data": [{"feedetl_sn": "2", "mdtrt_id": m, "psn_no": yb.psn(n)}]})
    assert server.sql("SELECT feedetl_sn, state FROM fee WHERE mdtrt_id=? ORDER BY feedetl_sn", m) == \
        [("1", 1), ("2", 0), ("3", 0)]
    c.ok("2302", {"data": {"feedetl_sn": "0000", "mdtrt_id": m, "psn_no": yb.psn(n)}})
    j = c.call("2302", {"data": {"feedetl_sn": "0000", "mdtrt_id": m, "psn_no": yb.psn(n)}})
    assert j["infcode"] == -1
    c.ok("2404", {"data": {"mdtrt_id": m, "psn_no": yb.psn(n)}})
    j = c.call("2404", {"data": {"mdtrt_id": m, "psn_no": yb.psn(n)}})
    assert j["infcode"] == -1 and "already cancelled" in j["err_msg"]


def test_reversal_2601(server):
    c = server.client(2)
    c.sign_in()
    n = 3
    m = admit(c, n, "ZY-C1")
    c.ok("2301", {"feedetail": [ifee(m, n, "1", CT, 1, 150)]})
    discharge(c, m, n)
    d = data(m, n, 150)
    si = c.ok("2303", {"data": d})["setlinfo"]
    d.update({k: si[k] for k in ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt")})
    mid = c.msgid()
    rep = c.call("2304", {"data": d}, msgid=mid)
    assert rep["infcode"] == 0
    # the HIS timed out and reverses the settlement by its msgid
    c.ok("2601", {"data": {"psn_no": yb.psn(n), "omsgid": mid, "oinfno": "2304"}})
    assert server.sql("SELECT state FROM settlement WHERE msgid=?", mid) == [(0,)]
    accum_matches_settlements(server, yb.psn(n))
    j = c.call("2601", {"data": {"psn_no": yb.psn(n), "omsgid": mid, "oinfno": "2304"}})
    assert j["infcode"] == -1 and "already cancelled" in j["err_msg"]
    j = c.call("2601", {"data": {"psn_no": yb.psn(1), "omsgid": mid, "oinfno": "2304"}})
    assert j["infcode"] == -1 and "psn_no" in j["err_msg"]
    # a message that never arrived: nothing to reverse, success
    c.ok("2601", {"data": {"psn_no": yb.psn(n), "omsgid": "H41150000002NEVERSENT", "oinfno": "2207"}})
    # reversal of an admission cancels the stay
    mid = c.msgid()
    rep = c.call("2401", {"mdtrtinfo": {
        "psn_no": yb.psn(n), "insutype": "310", "begntime": "2024-10-01 08:00:00", "mdtrt_cert_type": "02",
        "mdtrt_cert_no": CERT[n], "med_type": "2101", "ipt_no": "ZY-C2", "atddr_no": "D1", "chfpdr_name": "医生",
        "adm_diag_dscr": "x", "adm_dept_codg": "NK", "adm_dept_name": "内科", "adm_bed": "1",
        "dscg_maindiag_code": "I10", "dscg_maindiag_name": "高血压"}}, msgid=mid)
    m2 = rep["output"]["result"]["mdtrt_id"]
    c.ok("2601", {"data": {"psn_no": yb.psn(n), "omsgid": mid, "oinfno": "2401"}})
    assert server.sql("SELECT state FROM visit WHERE mdtrt_id=?", m2) == [(0,)]


def test_returns_across_calls(server):
    """Returns net against their own line: the ones stored by earlier calls (against several lines)
    and the ones earlier in the same call; a return beyond what a line still holds is refused."""
    c = server.client(2)
    c.sign_in()
    n = 7
    m = admit(c, n, "ZY-R1")
    c.ok("2301", {"feedetail": [ifee(m, n, "1", BED, 10, 20), ifee(m, n, "2", DRUG, 4, 5), ifee(m, n, "3", CT, 2, 150)]})
    c.ok("2301", {"feedetail": [ifee(m, n, "4", DRUG, -1, 5, init_feedetl_sn="2"),
                                ifee(m, n, "5", BED, -3, 20, init_feedetl_sn="1"),
                                ifee(m, n, "6", DRUG, -1, 5, init_feedetl_sn="2")]})
    # line 1 holds 7, line 2 holds 2, line 3 holds 2
    snap = snapshot(server)
    for rows, field in (([ifee(m, n, "7", DRUG, -3, 5, init_feedetl_sn="2")], "input.feedetail[0].cnt"),
                        ([ifee(m, n, "7", CT, -1, 150, init_feedetl_sn="3"),
                          ifee(m, n, "8", BED, -8, 20, init_feedetl_sn="1")], "input.feedetail[1].cnt"),
                        ([ifee(m, n, "7", DRUG, -1, 5, init_feedetl_sn="2"),
                          ifee(m, n, "8", DRUG, -2, 5, init_feedetl_sn="2")], "input.feedetail[1].cnt")):
        j = c.call("2301", {"feedetail": rows})
        assert j["infcode"] == -1 and j["err_msg"].startswith(field), (field, j)
        assert snapshot(server) == snap
    c.ok("2301", {"feedetail": [ifee(m, n, "7", BED, -7, 20, init_feedetl_sn="1"),
                                ifee(m, n, "8", DRUG, -2, 5, init_feedetl_sn="2"),
                                ifee(m, n, "9", CT, -2, 150, init_feedetl_sn="3")]})
    assert server.sql("SELECT total(cnt) FROM fee WHERE mdtrt_id=? AND state=1", m) == [(0.0,)]


def test_cancel_lines_with_returns(server):
    """2302 cancels each listed line with its unsettled returns; a return listed before its line
    is cancelled once; lines of the stay not listed keep theirs."""
    c = server.client(2)
    c.sign_in()
    n = 9
    m = admit(c, n, "ZY-D1")
    c.ok("2301", {"feedetail": [ifee(m, n, "1", BED, 10, 20), ifee(m, n, "2", DRUG, 4, 5), ifee(m, n, "3", CT, 2, 150),
                                ifee(m, n, "4", DRUG, -1, 5, init_feedetl_sn="2"),
                                ifee(m, n, "5", BED, -3, 20, init_feedetl_sn="1"),
                                ifee(m, n, "6", DRUG, -1, 5, init_feedetl_sn="2"),
                                ifee(m, n, "7", CT, -1, 150, init_feedetl_sn="3")]})
    snap = snapshot(server)
    j = c.call("2302", {"data": [{"feedetl_sn": s, "mdtrt_id": m, "psn_no": yb.psn(n)} for s in ("6", "2", "6")]})
    assert j["infcode"] == -1 and j["err_msg"].startswith("input.data[2].feedetl_sn"), j
    assert snapshot(server) == snap
    c.ok("2302", {"data": [{"feedetl_sn": s, "mdtrt_id": m, "psn_no": yb.psn(n)} for s in ("1", "6", "2")]})
    assert server.sql("SELECT feedetl_sn, state FROM fee WHERE mdtrt_id=? ORDER BY seq", m) == \
        [("1", 0), ("2", 0), ("3", 1), ("4", 0), ("5", 0), ("6", 0), ("7", 1)]
    # cancelled serials may come again: the new line and a return under a cancelled return's serial
    c.ok("2301", {"feedetail": [ifee(m, n, "2", DRUG, 3, 5), ifee(m, n, "4", DRUG, -3, 5, init_feedetl_sn="2")]})
    j = c.call("2301", {"feedetail": [ifee(m, n, "8", DRUG, -1, 5, init_feedetl_sn="2")]})
    assert j["infcode"] == -1 and j["err_msg"].startswith("input.feedetail[0].cnt"), j  # 3 - 3 = 0 left
    assert server.sql("SELECT feedetl_sn, cnt, state FROM fee WHERE mdtrt_id=? AND feedetl_sn IN ('2','4')"
                      " ORDER BY seq", m) == [("2", 30000, 1), ("4", -30000, 1)]
    assert server.sql("SELECT feedetl_sn, json_extract(unpack(body), '$.cnt') FROM fee_void WHERE mdtrt_id=? ORDER BY seq",
                      m) == [("2", 4), ("4", -1)]


def test_settle_nets_returns(server):
    """At settlement each line takes all its returns, from several calls: a line returned to zero drops
    out, and medfee_sumamt must equal the netted total."""
    c = server.client(2)
    c.sign_in()
    n = 12
    m = admit(c, n, "ZY-N1")
    c.ok("2301", {"feedetail": [ifee(m, n, "a", BED, 10, 20), ifee(m, n, "b", DRUG, 4, 5), ifee(m, n, "c", CT, 2, 150),
                                ifee(m, n, "d", DRUG, -1, 5, init_feedetl_sn="b")]})
    c.ok("2301", {"feedetail": [ifee(m, n, "e", CT, -1, 150, init_feedetl_sn="c"),
                                ifee(m, n, "f", BED, -3, 20, init_feedetl_sn="a"),
                                ifee(m, n, "g", DRUG, -1, 5, init_feedetl_sn="b")]})
    c.ok("2301", {"feedetail": [ifee(m, n, "h", CT, -1, 150, init_feedetl_sn="c")]})
    total = 7 * 20 + 2 * 5  # bed 7 × 20, drug 2 × 5; the CT returned in full
    j = c.call("2303", {"data": data(m, n, total + 5)})
    assert j["infcode"] == -1 and j["err_msg"].startswith("input.data.medfee_sumamt") and "150.00" in j["err_msg"], j
    pre = c.ok("2303", {"data": data(m, n, total)})
    assert pre["setlinfo"]["medfee_sumamt"] == total
    discharge(c, m, n)
    out = c.ok("2304", {"data": data(m, n, total)})
    assert out["setlinfo"]["medfee_sumamt"] == total
    assert server.sql("SELECT count(*) FROM fee WHERE mdtrt_id=? AND setl_id=?", m, out["setlinfo"]["setl_id"]) == [(8,)]


def test_one_stay_at_a_time(server):
    """A person is in one hospital at a time (在院): a second admission, here or elsewhere, is refused
    until the open stay is discharged or cancelled; the refusal names the field and writes nothing."""
    n = 8
    c, other = server.client(2), server.client(3)
    c.sign_in()
    other.sign_in()
    m = admit(c, n, "ZY-O1")
    snap = snapshot(server)
    for cl, ipt_no, why in ((c, "ZY-O2", "in hospital here: stay %s" % m), (other, "ZY-O3", "another institution")):
        j = cl.call("2401", {"mdtrtinfo": {"psn_no": yb.psn(n), "insutype": INSUTYPE[n], "begntime": "2024-09-20 08:00:00",
                                           "mdtrt_cert_type": "02", "mdtrt_cert_no": CERT[n], "med_type": "2101",
                                           "ipt_no": ipt_no, "atddr_no": "D1", "chfpdr_name": "医生", "adm_diag_dscr": "x",
                                           "adm_dept_codg": "NK", "adm_dept_name": "内科", "adm_bed": "1",
                                           "dscg_maindiag_code": "I63.9", "dscg_maindiag_name": "脑梗死"}})
        assert j["infcode"] == -1 and j["err_msg"].startswith("input.mdtrtinfo.psn_no") and why in j["err_msg"], j
        assert snapshot(server) == snap
    discharge(c, m, n)
    assert admit(other, n, "ZY-O3", date="2024-09-28 12:00:00") != m  # discharged: admitted elsewhere


def settle_stay(c, m, n, total):
    d = data(m, n, total)
    si = c.ok("2303", {"data": d})["setlinfo"]
    d.update({k: si[k] for k in ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt")})
    return c.ok("2304", {"data": d})["setlinfo"]["setl_id"]


def test_cancel_discharge(server):
    """2405 reopens a discharged stay once its settlement is cancelled: the stay takes fees again and
    is discharged and settled anew. Each refusal names the field and writes nothing."""
    n = 6
    c, other = server.client(2), server.client(3)
    c.sign_in()
    other.sign_in()
    m = admit(c, n, "ZY-DC1")
    c.ok("2301", {"feedetail": [ifee(m, n, "1", CT, 1, 150)]})
    cx = {"data": {"mdtrt_id": m, "psn_no": yb.psn(n)}}
    snap = snapshot(server)
    j = c.call("2405", cx)
    assert j["infcode"] == -1 and j["err_msg"].startswith("input.data.mdtrt_id") and "open, not discharged" in j["err_msg"]
    discharge(c, m, n)
    setl = settle_stay(c, m, n, 150)
    snap = snapshot(server)
    for cl, why, field in ((c, "cancel them (2305) first", "input.data.mdtrt_id"),
                           (other, "no visit %s at this institution" % m, "mdtrt_id")):
        j = cl.call("2405", cx)
        assert j["infcode"] == -1 and j["err_msg"].startswith(field) and why in j["err_msg"], j
        assert snapshot(server) == snap
    c.ok("2305", {"data": {"mdtrt_id": m, "setl_id": setl, "psn_no": yb.psn(n)}})
    c.ok("2405", cx)
    assert server.sql("SELECT state, endtime FROM visit WHERE mdtrt_id=?", m) == [(1, "")]
    assert '"discharge":null' in server.sql("SELECT unpack(info) FROM visit WHERE mdtrt_id=?", m)[0][0]
    # open again: a second 2405 is refused, a final settlement needs a discharge, fees are taken
    j = c.call("2405", cx)
    assert j["infcode"] == -1 and "open, not discharged" in j["err_msg"]
    j = c.call("2304", {"data": data(m, n, 150)})
    assert j["infcode"] == -1 and "mid_setl_flag" in j["err_msg"]
    c.ok("2301", {"feedetail": [ifee(m, n, "2", DRUG, 2, 5)]})
    discharge(c, m, n)
    settle_stay(c, m, n, 160)
    assert server.sql("SELECT count(*), total(medfee_sumamt) FROM settlement WHERE mdtrt_id=? AND state=1 AND orig_setl_id=''", m) == \
        [(1, 16000.0)]
    accum_matches_settlements(server, yb.psn(n))


def test_cancel_discharge_one_stay_at_a_time(server):
    """A stay is not reopened while its person has been admitted since, here or elsewhere."""
    n = 4
    c, other = server.client(2), server.client(3)
    c.sign_in()
    other.sign_in()
    m = admit(c, n, "ZY-DC2")
    discharge(c, m, n)
    m2 = admit(other, n, "ZY-DC3", date="2024-09-28 12:00:00")
    snap = snapshot(server)
    j = c.call("2405", {"data": {"mdtrt_id": m, "psn_no": yb.psn(n)}})
    assert j["infcode"] == -1 and j["err_msg"].startswith("input.data.psn_no") and "another institution" in j["err_msg"]
    assert snapshot(server) == snap
    other.ok("2404", {"data": {"mdtrt_id": m2, "psn_no": yb.psn(n)}})
    c.ok("2405", {"data": {"mdtrt_id": m, "psn_no": yb.psn(n)}})
    # an outpatient visit has no discharge to cancel
    mz = register(c, 1)
    j = c.call("2405", {"data": {"mdtrt_id": mz, "psn_no": yb.psn(1)}})
    assert j["infcode"] == -1 and "not an inpatient stay" in j["err_msg"]


def test_update_admission(server):
    """2403 corrects an unsettled stay: what adminfo carries changes, what it leaves out stays, a
    diseinfo row replaces the stored row of its diag_srt_no or is added. Each refusal names the field
    and writes nothing; a settled stay is refused until its settlement is cancelled."""
    n = 11
    c, other = server.client(2), server.client(3)
    c.sign_in()
    other.sign_in()
    m = admit(c, n, "ZY-U1")
    admit(c, 12, "ZY-U2")
    row = lambda srt, code: {"psn_no": yb.psn(n), "mdtrt_id": m, "diag_type": "1", "maindiag_flag": "0",
                             "diag_srt_no": srt, "diag_code": code, "diag_name": "诊断", "diag_dept": "内科",
                             "dise_dor_no": "D1", "dise_dor_name": "医生", "diag_time": "2024-09-18 08:00:00"}
    adm = lambda **kw: {"adminfo": dict({"mdtrt_id": m, "psn_no": yb.psn(n)}, **kw)}
    c.ok("2403", dict(adm(med_type="2102", begntime="2024-09-17 20:00:00", ipt_otp_no="ZY-U1b", adm_bed="7",
                          dscg_maindiag_code="I63.8"),
                      diseinfo=[row(1, "I63.8"), row(2, "I10")]))
    cols = "insutype, med_type, begntime, endtime, ipt_otp_no, diag, state"
    assert server.sql("SELECT %s FROM visit WHERE mdtrt_id=?" % cols, m) == \
        [(INSUTYPE[n], "2102", "2024-09-17 20:00:00", "", "ZY-U1b", "I63.8,I10", 1)]
    assert '"adm_bed":"7"' in server.sql("SELECT unpack(info) FROM visit WHERE mdtrt_id=?", m)[0][0]
    # the second row voided: its code leaves the stay's diagnoses
    c.ok("2403", dict(adm(), diseinfo=[dict(row(2, "I10"), vali_flag="0")]))
    assert server.sql("SELECT diag FROM visit WHERE mdtrt_id=?", m) == [("I63.8",)]
    # 5202 lists the rows as they now stand, the voided one with vali_flag 0; others see nothing
    rows = c.ok("5202", {"data": {"mdtrt_id": m, "psn_no": yb.psn(n)}})["diseinfo"]
    assert [(x["diag_info_id"], x["inout_diag_type"], x["diag_code"], str(x["vali_flag"])) for x in rows] == \
        [(m + "-1-1", "1", "I63.8", "1"), (m + "-1-2", "1", "I10", "0")]
    j = other.call("5202", {"data": {"mdtrt_id": m, "psn_no": yb.psn(n)}})
    assert j["infcode"] == -1 and "no visit" in j["err_msg"]
    snap = snapshot(server)
    for cl, body, field, why in (
            (c, adm(endtime="2024-09-28 10:00:00"), "input.adminfo.endtime", "not discharged"),
            (c, adm(ipt_otp_no="ZY-U2"), "input.adminfo.ipt_otp_no", "already admitted"),
            (c, adm(insutype="310"), "input.adminfo.insutype", "not enrolled in 310"),
            (c, adm(med_type="9999"), "input.adminfo.med_type", "not covered"),
            (c, adm(mdtrt_cert_type="02", mdtrt_cert_no=CERT[1]), "input.adminfo.mdtrt_cert_no", "does not belong"),
            (c, adm(begntime="2024-13-01"), "input.adminfo.begntime", ""),
            (c, dict(adm(), diseinfo=[{"diag_code": "I10"}]), "input.diseinfo[0]", ""),
            (other, adm(med_type="2101"), "mdtrt_id", "no visit")):
        j = cl.call("2403", body)
        assert j["infcode"] == -1 and j["err_msg"].startswith(field) and why in j["err_msg"], (body, j)
        assert snapshot(server) == snap
    # discharged: the discharge time is corrected, never before the admission
    discharge(c, m, n, [row(1, "I69.3")])
    j = c.call("2403", adm(endtime="2024-09-16 10:00:00"))
    assert j["infcode"] == -1 and j["err_msg"].startswith("input.adminfo.endtime"), j
    c.ok("2403", adm(endtime="2024-09-29 09:00:00"))
    rows = c.ok("5202", {"data": {"mdtrt_id": m, "psn_no": yb.psn(n)}})["diseinfo"]
    assert [(x["inout_diag_type"], x["diag_code"]) for x in rows] == [("1", "I63.8"), ("1", "I10"), ("2", "I69.3")]
    assert server.sql("SELECT diag FROM visit WHERE mdtrt_id=?", m) == [("I63.8,I69.3",)]  # rebuilt with 2402's rows
    assert server.sql("SELECT endtime, state FROM visit WHERE mdtrt_id=?", m) == [("2024-09-29 09:00:00", 2)]
    c.ok("2301", {"feedetail": [ifee(m, n, "1", CT, 1, 150, med_type="2102")]})
    setl = settle_stay(c, m, n, 150)
    assert server.sql("SELECT med_type FROM settlement WHERE setl_id=?", setl) == [("2102",)]
    j = c.call("2403", adm(adm_bed="8"))
    assert j["infcode"] == -1 and "cancel them (2305) first" in j["err_msg"]
    c.ok("2305", {"data": {"mdtrt_id": m, "setl_id": setl, "psn_no": yb.psn(n)}})
    c.ok("2403", adm(adm_bed="8"))
