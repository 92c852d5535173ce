"""Outpatient: the whole counter flow, idempotent retries, cancellation that restores everything."""
import json
import subprocess

import yb
from conftest import YIBAO, accum_matches_settlements, snapshot
from flows import BED, CERT, CT, DRUG, VISIT_FEE, fee, outpatient, register, setl_data

IDENT = ["fund_pay_sumamt", "psn_part_amt", "medfee_sumamt", "hifp_pay", "cvlserv_pay", "hifes_pay",
         "hifmi_pay", "hifob_pay", "maf_pay", "oth_pay", "acct_pay", "acct_mulaid_pay", "psn_cash_pay",
         "hosp_part_amt"]


def fen(x):
    return round(x * 100)


def check_identities(si):
    f = {k: fen(si[k]) for k in IDENT}
    assert f["fund_pay_sumamt"] == sum(f[k] for k in ["hifp_pay", "cvlserv_pay", "hifes_pay", "hifmi_pay",
                                                       "hifob_pay", "maf_pay", "oth_pay"])
    assert f["medfee_sumamt"] == f["fund_pay_sumamt"] + f["psn_part_amt"] + f["hosp_part_amt"]
    assert all(v >= 0 for v in f.values())


def test_person_info(server):
    c = server.client(1)
    c.sign_in()
    out = c.ok("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": CERT[2], "card_sn": "",
                                 "begntime": "2024-01-01 00:00:00", "psn_cert_type": "01", "certno": CERT[2],
                                 "psn_name": "李娜"}})
    assert out["baseinfo"]["psn_no"] == yb.psn(2)
    assert isinstance(out["baseinfo"]["age"], float)
    assert out["insuinfo"][0]["insutype"] == "310" and out["insuinfo"][0]["balc"] >= 0
    out = c.ok("1101", {"data": {"mdtrt_cert_type": "03", "mdtrt_cert_no": "C4115000004", "card_sn": "SN0004"}})
    assert out["idetinfo"][0]["psn_idet_type"] == "2304"
    j = c.call("1101", {"data": {"mdtrt_cert_type": "03", "mdtrt_cert_no": "C4115000004", "card_sn": "bad"}})
    assert j["infcode"] == -1 and "mdtrt_cert_no" in j["err_msg"]


def test_full_flow_settle_and_cancel(server):
    c = server.client(1)
    c.sign_in()
    before = c.ok("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": CERT[2]}})["insuinfo"][0]["balc"]
    m, pre, rep, d = outpatient(c, 2)
    assert rep["infcode"] == 0, rep
    si = rep["output"]["setlinfo"]
    assert si["setl_id"] and "setl_id" not in pre["setlinfo"]
    for k in IDENT:  # the settlement is the pre-settlement
        assert si[k] == pre["setlinfo"][k], k
    check_identities(si)
    assert si["medins_setl_id"] == c.last_msgid
    assert isinstance(rep["output"]["setldetail"], list)
    assert fen(si["balc"]) == fen(before) - fen(si["acct_pay"])
    # the stored settlement answers 5203/5204
    q = c.ok("5203", {"data": {"psn_no": yb.psn(2), "setl_id": si["setl_id"], "mdtrt_id": m}})
    assert q["setlinfo"]["medfee_sumamt"] == si["medfee_sumamt"] and q["setlinfo"]["refd_setl_flag"] == "0"
    lines = c.ok("5204", {"data": {"psn_no": yb.psn(2), "setl_id": si["setl_id"], "mdtrt_id": m}})["result"]
    assert len(lines) == 2 and all(l["setl_id"] == si["setl_id"] for l in lines)
    accum_matches_settlements(server, yb.psn(2))
    acc_before = server.sql("SELECT bucket, period, value FROM accum WHERE psn_no=? AND value<>0", yb.psn(2))
    # cancel: a reversal row, the accumulators and the account as before the settlement
    cx = c.ok("2208", {"data": {"setl_id": si["setl_id"], "mdtrt_id": m, "psn_no": yb.psn(2)}})
    assert cx["setlinfo"]["setl_id"] != si["setl_id"]
    assert fen(cx["setlinfo"]["medfee_sumamt"]) == -fen(si["medfee_sumamt"])
    assert fen(cx["setlinfo"]["balc"]) == fen(before)
    accum_matches_settlements(server, yb.psn(2))
    rows = server.sql("SELECT refd_setl_flag, state FROM settlement WHERE mdtrt_id=? ORDER BY setl_id", m)
    assert rows == [(0, 0), (1, 1)]
    assert server.sql("SELECT count(setl_id) FROM fee WHERE mdtrt_id=?", m) == [(0,)]
    assert acc_before  # there was something to restore
    # cancelling twice is an error and changes nothing
    snap = snapshot(server)
    j = c.call("2208", {"data": {"setl_id": si["setl_id"], "mdtrt_id": m, "psn_no": yb.psn(2)}})
    assert j["infcode"] == -1 and "already cancelled" in j["err_msg"] and "setl_id" in j["err_msg"]
    assert snapshot(server) == snap
    # the batch can be settled again after the cancellation
    d2 = dict(d)
    rep2 = c.call("2207", {"data": d2})
    assert rep2["infcode"] == 0, rep2
    assert rep2["output"]["setlinfo"]["medfee_sumamt"] == si["medfee_sumamt"]
    accum_matches_settlements(server, yb.psn(2))


def test_retry_same_msgid_returns_first_answer(server):
    c = server.client(2)
    c.sign_in()
    mid = c.msgid()
    m, pre, rep, d = outpatient(c, 3, msgid=mid)
    assert rep["infcode"] == 0
    snap = snapshot(server)
    again = c.call("2207", {"data": d}, msgid=mid)
    assert again == rep  # byte for byte the same reply, inf_refmsgid and times included
    assert snapshot(server) == snap
    assert server.sql("SELECT count(*) FROM settlement WHERE msgid=?", mid) == [(1,)]
    # the reply is stored packed (a BLOB far smaller than its text); `yibao sql` reads it back
    (kind, size), = server.sql("SELECT typeof(response), length(response) FROM msglog WHERE msgid=?", mid)
    text, = server.sql("SELECT unpack(response) FROM msglog WHERE msgid=?", mid)[0]
    assert kind == "blob" and json.loads(text) == rep and size < len(text.encode()) / 2
    # `yibao sql` is read-only and checks its arguments
    for args, err in ((["DELETE FROM msglog"], "readonly"), (["SELECT ?"], "1 parameter(s), 0 value(s)"),
                      (["SELECT 1; SELECT 2"], "one statement only")):
        out = subprocess.run([YIBAO, "sql", "--db", server.db] + args, capture_output=True, text=True)
        assert out.returncode == 1 and err in out.stderr, (args, out.stderr)
    assert server.sql("SELECT count(*) FROM msglog WHERE msgid=?", mid) == [(1,)]
    # the same msgid for another input is refused, naming msgid
    other = dict(d, medfee_sumamt=1)
    j = c.call("2207", {"data": other}, msgid=mid)
    assert j["infcode"] == -1 and j["err_msg"].startswith("msgid")
    j = c.call("2208", {"data": {"setl_id": "x", "mdtrt_id": m, "psn_no": yb.psn(3)}}, msgid=mid)
    assert j["infcode"] == -1 and j["err_msg"].startswith("msgid")
    assert snapshot(server) == snap
    # a retried registration does not register twice
    mid2 = c.msgid()
    inp = {"data": {"psn_no": yb.psn(1), "insutype": "390", "begntime": "2024-03-15 09:30:00",
                    "mdtrt_cert_type": "02", "mdtrt_cert_no": CERT[1], "ipt_otp_no": "RETRY-1",
                    "atddr_no": "D1", "dr_name": "医生", "dept_code": "NK", "dept_name": "内科", "caty": "A03"}}
    a = c.call("2201", inp, msgid=mid2)
    b = c.call("2201", inp, msgid=mid2)
    assert a == b and a["infcode"] == 0
    assert server.sql("SELECT count(*) FROM visit WHERE ipt_otp_no='RETRY-1'") == [(1,)]


def test_amounts_must_match(server):
    c = server.client(1)
    c.sign_in()
    m = register(c, 1)
    c.ok("2204", {"feedetail": [fee(m, 1, "1", DRUG, 2, 18.5), fee(m, 1, "2", VISIT_FEE, 1, 10)]})
    d = setl_data(m, 1, 47.00)
    si = c.ok("2206", {"data": d})["setlinfo"]
    snap = snapshot(server)
    bad = dict(d, fulamt_ownpay_amt=si["fulamt_ownpay_amt"], overlmt_selfpay=si["overlmt_selfpay"],
               preselfpay_amt=si["preselfpay_amt"], inscp_scp_amt=round(si["inscp_scp_amt"] + 0.01, 2))
    j = c.call("2207", {"data": bad})
    assert j["infcode"] == -1 and j["err_msg"].startswith("input.data.inscp_scp_amt")
    j = c.call("2207", {"data": dict(bad, inscp_scp_amt=si["inscp_scp_amt"], medfee_sumamt=46.99)})
    assert j["infcode"] == -1 and j["err_msg"].startswith("input.data.medfee_sumamt")
    j = c.call("2207", {"data": {k: v for k, v in bad.items() if k != "preselfpay_amt"}})
    assert j["infcode"] == -1 and j["err_msg"].startswith("input.data.preselfpay_amt")
    assert snapshot(server) == snap


def test_cancel_fees_and_registration(server):
    c = server.client(1)
    c.sign_in()
    m = register(c, 4)
    c.ok("2204", {"feedetail": [fee(m, 4, "1", DRUG, 1, 18.5, bch="A"), fee(m, 4, "2", VISIT_FEE, 1, 10, bch="B")]})
    c.ok("2205", {"data": {"mdtrt_id": m, "chrg_bchno": "A", "psn_no": yb.psn(4)}})
    assert server.sql("SELECT feedetl_sn, state FROM fee WHERE mdtrt_id=? ORDER BY feedetl_sn", m) == [("1", 0), ("2", 1)]
    j = c.call("2205", {"data": {"mdtrt_id": m, "chrg_bchno": "A", "psn_no": yb.psn(4)}})
    assert j["infcode"] == -1 and "chrg_bchno" in j["err_msg"]
    # a settled batch cannot be cancelled, nor its registration
    d = setl_data(m, 4, 10.0, bch="B")
    si = c.ok("2206", {"data": d})["setlinfo"]
    d.update({k: si[k] for k in ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt")})
    setl = c.ok("2207", {"data": d})["setlinfo"]["setl_id"]
    j = c.call("2205", {"data": {"mdtrt_id": m, "chrg_bchno": "B", "psn_no": yb.psn(4)}})
    assert j["infcode"] == -1 and "2208" in j["err_msg"]
    otp = server.sql("SELECT ipt_otp_no FROM visit WHERE mdtrt_id=?", m)[0][0]
    j = c.call("2202", {"data": {"psn_no": yb.psn(4), "mdtrt_id": m, "ipt_otp_no": otp}})
    assert j["infcode"] == -1 and "settlement" in j["err_msg"]
    c.ok("2208", {"data": {"setl_id": setl, "mdtrt_id": m, "psn_no": yb.psn(4)}})
    c.ok("2202", {"data": {"psn_no": yb.psn(4), "mdtrt_id": m, "ipt_otp_no": otp}})
    assert server.sql("SELECT state FROM visit WHERE mdtrt_id=?", m) == [(0,)]
    j = c.call("2204", {"feedetail": [fee(m, 4, "9", DRUG, 1, 18.5)]})
    assert j["infcode"] == -1 and "mdtrt_id" in j["err_msg"]
    accum_matches_settlements(server, yb.psn(4))


def test_special_people(server):
    """Every kind of demo person settles; identities hold; the waiting period pays no fund."""
    c = server.client(4)
    c.sign_in()
    for n in (1, 3, 4, 5, 6, 8, 9, 13):
        m, pre, rep, d = outpatient(c, n)
        assert rep["infcode"] == 0, (n, rep)
        check_identities(rep["output"]["setlinfo"])
    m, pre, rep, d = outpatient(c, 7, date="2024-03-01 10:00:00")
    assert rep["infcode"] == 0, rep
    assert rep["output"]["setlinfo"]["fund_pay_sumamt"] == 0
    m, pre, rep, d = outpatient(c, 11, med_type="9901", diag="I10", dise="I10",
                                lines=[("XC08CAD003A001010199999", 2, 10.0)])
    assert rep["infcode"] == 0, rep
    # 5205: the chronic-disease medication history is visible to another institution
    other = server.client(2)
    other.sign_in()
    meds = other.ok("5205", {"data": {"psn_no": yb.psn(11), "begntime": "2024-01-01 00:00:00",
                                      "endtime": "2024-12-31 23:59:59"}})["feedetail"]
    assert [(f["med_list_codg"], f["med_type"], f["cnt"]) for f in meds] == [("XC08CAD003A001010199999", "9901", 2)]
    # the cross-region filer settles in 2025 under the city's policy
    m, pre, rep, d = outpatient(c, 10, date="2025-04-01 10:00:00")
    assert rep["infcode"] == 0, rep
    accum_matches_settlements(server)


def test_query_visits(server):
    c = server.client(1)
    c.sign_in()
    m = register(c, 13)
    out = c.ok("5201", {"data": {"psn_no": yb.psn(13), "begntime": "2024-01-01 00:00:00",
                                 "endtime": "2024-12-31 23:59:59", "med_type": "11", "mdtrt_id": m}})
    assert [v["mdtrt_id"] for v in out["mdtrtinfo"]] == [m]
    other = server.client(2)
    other.sign_in()
    out = other.ok("5201", {"data": {"psn_no": yb.psn(13), "begntime": "2024-01-01 00:00:00",
                                     "endtime": "2024-12-31 23:59:59", "med_type": "", "mdtrt_id": m}})
    assert out["mdtrtinfo"] == []  # another institution does not see it
    cum = c.ok("5206", {"data": {"psn_no": yb.psn(2), "cum_ym": "202403"}})["cuminfo"]
    assert isinstance(cum, list)


def test_batch_rules_across_calls(server):
    """A batch (chrg_bchno) keeps one dise_codg and takes no lines once settled, whether its lines
    come in one call or several, and in a call that also names other batches."""
    c = server.client(1)
    c.sign_in()
    m = register(c, 5)
    c.ok("2204", {"feedetail": [fee(m, 5, "1", DRUG, 2, 18.5, bch="A")]})
    snap = snapshot(server)
    j = c.call("2204", {"feedetail": [fee(m, 5, "2", DRUG, 1, 18.5, bch="A", dise_codg="I10")]})
    assert j["infcode"] == -1 and j["err_msg"].startswith("input.feedetail[0].chrg_bchno"), j
    assert "dise_codg" in j["err_msg"]
    assert snapshot(server) == snap
    # a new batch and more of A with A's dise_codg, in one call
    c.ok("2204", {"feedetail": [fee(m, 5, "3", VISIT_FEE, 1, 10, bch="B"), fee(m, 5, "4", DRUG, 1, 18.5, bch="A"),
                                fee(m, 5, "5", CT, 1, 20, bch="B")]})
    d = setl_data(m, 5, 55.5, bch="A")
    si = c.ok("2206", {"data": d})["setlinfo"]
    d.update({k: si[k] for k in ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt")})
    c.ok("2207", {"data": d})
    snap = snapshot(server)
    for rows, field in (([fee(m, 5, "6", DRUG, 1, 18.5, bch="A")], "input.feedetail[0].chrg_bchno"),
                        ([fee(m, 5, "7", BED, 1, 20, bch="B"), fee(m, 5, "8", DRUG, 1, 18.5, bch="A")],
                         "input.feedetail[1].chrg_bchno")):
        j = c.call("2204", {"feedetail": rows})
        assert j["infcode"] == -1 and j["err_msg"].startswith(field) and "settled" in j["err_msg"], j
        assert snapshot(server) == snap
    assert server.sql("SELECT feedetl_sn, chrg_bchno, setl_id IS NOT NULL FROM fee WHERE mdtrt_id=? ORDER BY seq",
                      m) == [("1", "A", 1), ("3", "B", 0), ("4", "A", 1), ("5", "B", 0)]


def test_cancelled_serial_uploaded_again(server):
    """2205 removes lines, so the HIS may send a corrected line under the same feedetl_sn: it
    replaces the cancelled one, which moves to fee_void as it was uploaded. A live serial stays
    refused, and the batch settles on the new line."""
    c = server.client(1)
    c.sign_in()
    n = 6
    m = register(c, n)
    c.ok("2204", {"feedetail": [fee(m, n, "1", DRUG, 2, 18.5), fee(m, n, "2", VISIT_FEE, 1, 10)]})
    j = c.call("2204", {"feedetail": [fee(m, n, "1", DRUG, 1, 18.5)]})
    assert j["infcode"] == -1 and j["err_msg"].startswith("input.feedetail[0].feedetl_sn"), j
    c.ok("2205", {"data": {"mdtrt_id": m, "chrg_bchno": "CB1", "psn_no": yb.psn(n)}})
    for cnt in (1, 3):  # twice: each cancelled version is kept
        res = c.ok("2204", {"feedetail": [fee(m, n, "1", DRUG, cnt, 18.5), fee(m, n, "2", VISIT_FEE, 1, 10)]})["result"]
        assert [r["cnt"] for r in res] == [cnt, 1]
        if cnt == 1:
            c.ok("2205", {"data": {"mdtrt_id": m, "chrg_bchno": "0000", "psn_no": yb.psn(n)}})
    assert server.sql("SELECT feedetl_sn, cnt, state FROM fee WHERE mdtrt_id=? ORDER BY seq", m) == \
        [("1", 30000, 1), ("2", 10000, 1)]
    void = server.sql("SELECT feedetl_sn, json_extract(unpack(body), '$.cnt'), psn_no FROM fee_void WHERE mdtrt_id=? ORDER BY seq", m)
    assert void == [("1", 2, yb.psn(n)), ("2", 1, yb.psn(n)), ("1", 1, yb.psn(n)), ("2", 1, yb.psn(n))]
    d = setl_data(m, n, 3 * 18.5 + 10)
    si = c.ok("2206", {"data": d})["setlinfo"]
    assert si["medfee_sumamt"] == 65.5


def test_diagnosis_query(server):
    """5202 lists an outpatient visit's 2203 rows; another institution's visit is not found."""
    c, other = server.client(1), server.client(2)
    c.sign_in()
    other.sign_in()
    m = register(c, 2, diag="J02.9")
    rows = c.ok("5202", {"data": {"mdtrt_id": m, "psn_no": yb.psn(2)}})["diseinfo"]
    assert [(x["diag_info_id"], x["inout_diag_type"], x["diag_code"], x["mdtrt_id"]) for x in rows] == \
        [(m + "-1-1", "1", "J02.9", m)]
    for cl, body, field in ((other, {"mdtrt_id": m, "psn_no": yb.psn(2)}, "mdtrt_id"),
                            (c, {"mdtrt_id": m, "psn_no": yb.psn(3)}, "psn_no"),
                            (c, {"psn_no": yb.psn(2)}, "input.data.mdtrt_id")):
        j = cl.call("5202", {"data": body})
        assert j["infcode"] == -1 and j["err_msg"].startswith(field), j
