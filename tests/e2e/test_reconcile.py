"""Reconciliation as a hospital's client runs it: 3201 totals; when they differ, the detail file
uploaded with 9101 (a ZIP of a tab-separated TXT), 3202 against it, and its result file fetched
with 9102. Every refusal names the field and writes nothing."""
import base64
import io
import time
import zipfile

import yb
from conftest import snapshot
from flows import outpatient

TODAY = time.strftime("%Y-%m-%d")


def zipped(text, name="detail.txt", method=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        z.writestr(name, text)
    return buf.getvalue()


def settle_two(c):
    rows = []
    for n in (2, 3):
        _, _, rep, _ = outpatient(c, n)
        si = rep["output"]["setlinfo"]
        rows.append((si["setl_id"], si["mdtrt_id"], si["psn_no"], si["medfee_sumamt"], si["fund_pay_sumamt"],
                     si["acct_pay"]))
    return rows


def line(r, medfee=None):
    return "\t".join([r[0], r[1], r[2], "%.2f" % (r[3] if medfee is None else medfee), "%.2f" % r[4],
                      "%.2f" % r[5], "0"])


def test_totals_then_detail_file(server):
    c = server.client(4)
    c.sign_in()
    rows = settle_two(c)
    tot = {"insutype": "310", "clr_type": "11", "setl_optins": "411500", "stmt_begndate": TODAY,
           "stmt_enddate": TODAY}
    sums = lambda k: round(sum(r[k] for r in rows), 2)
    mine = rows
    # 3201 over this institution's 310 rows today (persons 2 and 3 are employees)
    t = c.ok("3201", {"data": dict(tot, medfee_sumamt=sums(3), fund_pay_sumamt=sums(4), acct_pay=sums(5),
                                   fixmedins_setl_cnt=2)})["stmtinfo"]
    assert t["stmt_rslt"] == "0", t
    t = c.ok("3201", {"data": dict(tot, medfee_sumamt=round(sums(3) + 0.01, 2), fund_pay_sumamt=sums(4),
                                   acct_pay=sums(5), fixmedins_setl_cnt=2)})["stmtinfo"]
    assert t["stmt_rslt"] == "3" and "medfee_sumamt" in t["stmt_rslt_dscr"], t
    # the detail file: one row right, one with a wrong amount, one the centre does not know
    text = "setl_id\tmdtrt_id\tpsn_no\tmedfee_sumamt\tfund_pay_sumamt\tacct_pay\trefd_setl_flag\r\n" + \
        line(mine[0]) + "\r\n" + line(mine[1], medfee=mine[1][3] + 1) + "\r\n" + \
        "\t".join(["411500ST9999999999", "411500MZ9999999999", yb.psn(2), "5.00", "0.00", "0.00", "0"]) + "\r\n"
    up = c.ok("9101", {"fsUploadIn": {"in": list(zipped(text)), "filename": "detail.zip",
                                      "fixmedins_code": c.code}})
    assert up["file_qury_no"].startswith("411500FL") and up["filename"] == "detail.zip" and up["dld_endtime"] > TODAY
    out = c.ok("3202", {"data": {"setl_optins": "411500", "file_qury_no": up["file_qury_no"],
                                 "stmt_begndate": TODAY, "stmt_enddate": TODAY, "medfee_sumamt": sums(3),
                                 "fund_pay_sumamt": sums(4), "cash_payamt": 0, "fixmedins_setl_cnt": 3}})
    by = {r["setl_id"]: r["stmt_rslt"] for r in out["result"]}
    assert by == {mine[0][0]: "0", mine[1][0]: "3", "411500ST9999999999": "2"}, out["result"]
    info = out["fileinfo"]
    assert info["file_qury_no"].startswith("411500FL") and info["file_qury_no"] != up["file_qury_no"]
    assert server.sql("SELECT infno, what FROM write_log WHERE what LIKE '3202 result file %'") == \
        [("3202", "3202 result file %s (3 rows)" % info["file_qury_no"])]
    # 9102: the result file itself, a ZIP of the TXT with the rows 3202 answered
    r = c.post_raw(yb.json.dumps(c.envelope("9102", {"fsDownloadIn": {"file_qury_no": info["file_qury_no"],
                                                                       "filename": info["filename"],
                                                                       "fixmedins_code": c.code}})), "9102")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/octet-stream", r.text
    assert info["filename"] in r.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        cols = [l.split("\t") for l in z.read(z.namelist()[0]).decode().splitlines()]
    got = {x[2]: (x[4], x[6]) for x in cols}
    assert got[mine[0][0]] == ("0", "") and got[mine[1][0]] == ("3", "金额不一致") and \
        got["411500ST9999999999"] == ("2", "医药机构有，中心无"), cols
    assert all(len(x) == 10 for x in cols)
    row0 = [x for x in cols if x[2] == mine[0][0]][0]
    assert row0[0] == mine[0][2] and row0[7] == "%.2f" % mine[0][3]
    # the uploaded file, as MIME base64 (76-character lines) of a stored ZIP, gives the same answer
    up2 = c.ok("9101", {"fsUploadIn": {"in": base64.encodebytes(zipped(text, method=zipfile.ZIP_STORED)).decode(),
                                       "filename": "detail2.zip", "fixmedins_code": c.code}})
    out2 = c.ok("3202", {"data": {"setl_optins": "411500", "file_qury_no": up2["file_qury_no"],
                                  "stmt_begndate": TODAY, "stmt_enddate": TODAY}})
    assert {r["setl_id"]: r["stmt_rslt"] for r in out2["result"]} == by
    # inline rows: a row sent twice matches once, and the copy is the institution's alone; a
    # settlement left out is the centre's alone; no result file is made
    det = lambda r: {"setl_id": r[0], "mdtrt_id": r[1], "psn_no": r[2], "medfee_sumamt": r[3],
                     "fund_pay_sumamt": r[4], "acct_pay": r[5], "refd_setl_flag": 0}
    out3 = c.ok("3202", {"data": {"setl_optins": "411500", "stmt_begndate": TODAY, "stmt_enddate": TODAY,
                                  "detail": [det(mine[0]), det(mine[0])]}})
    assert sorted((r["setl_id"], r["stmt_rslt"]) for r in out3["result"]) == \
        sorted([(mine[0][0], "0"), (mine[0][0], "2"), (mine[1][0], "1")])
    assert out3["fileinfo"]["file_qury_no"] == ""


def test_file_refusals(server):
    c, other = server.client(5), server.client(1)
    c.sign_in()
    other.sign_in()
    bad = zipped("a\tb\tc\n")
    up = c.ok("9101", {"fsUploadIn": {"in": list(bad), "filename": "bad.zip",
                                      "fixmedins_code": c.code}})
    snap = snapshot(server)
    for cl, infno, inp, field in (
            (c, "9101", {"fsUploadIn": {"in": list(b"setl_id\tmdtrt_id\n"), "filename": "x.txt", "fixmedins_code": c.code}},
             "input.fsUploadIn.in"),
            (c, "9101", {"fsUploadIn": {"in": [80, 75, 300], "filename": "x.zip", "fixmedins_code": c.code}},
             "input.fsUploadIn.in"),
            (c, "9101", {"fsUploadIn": {"in": "%%%", "filename": "x.zip", "fixmedins_code": c.code}},
             "input.fsUploadIn.in"),
            (c, "9101", {"fsUploadIn": {"in": list(zipped("x")), "filename": "x.zip", "fixmedins_code": other.code}},
             "input.fsUploadIn.fixmedins_code"),
            (c, "9101", {"fsUploadIn": {"filename": "x.zip", "fixmedins_code": c.code}}, "input.fsUploadIn.in"),
            (c, "9101", {"fsUploadIn": {"in": list(zipped("x")), "filename": 'a"\r\nX-Evil: 1.zip',
                                        "fixmedins_code": c.code}}, "input.fsUploadIn.filename"),
            (c, "9101", {"fsUploadIn": {"in": list(zipped("x")), "filename": "../x.zip", "fixmedins_code": c.code}},
             "input.fsUploadIn.filename"),
            (c, "3202", {"data": {"setl_optins": "411500", "file_qury_no": up["file_qury_no"],
                                  "stmt_begndate": TODAY, "stmt_enddate": TODAY}}, "input.data.file_qury_no"),
            (c, "3202", {"data": {"setl_optins": "411500", "stmt_begndate": TODAY, "stmt_enddate": TODAY}},
             "input.data.file_qury_no"),
            (other, "3202", {"data": {"setl_optins": "411500", "file_qury_no": up["file_qury_no"],
                                      "stmt_begndate": TODAY, "stmt_enddate": TODAY}}, "input.data.file_qury_no"),
            (other, "9102", {"fsDownloadIn": {"file_qury_no": up["file_qury_no"], "filename": "bad.zip"}},
             "input.fsDownloadIn.file_qury_no"),
            (c, "9102", {"fsDownloadIn": {"file_qury_no": up["file_qury_no"], "filename": "other.zip"}},
             "input.fsDownloadIn.filename")):
        j = cl.call(infno, inp)
        assert j["infcode"] == -1 and j["err_msg"].startswith(field), (infno, inp, j)
        assert snapshot(server) == snap
    j = c.call("3202", {"data": {"setl_optins": "411500", "file_qury_no": up["file_qury_no"],
                                 "stmt_begndate": TODAY, "stmt_enddate": TODAY}})
    assert "line 1: 3 columns, 7 expected" in j["err_msg"], j
    # a row with a bad amount is refused naming its line of the file
    up2 = c.ok("9101", {"fsUploadIn": {"in": list(zipped("S1\tM1\tP1\t1.00\t0.00\t0.00\t0\nS2\tM2\tP2\tabc\t0\t0\t0\n")),
                                       "filename": "amt.zip", "fixmedins_code": c.code}})
    j = c.call("3202", {"data": {"setl_optins": "411500", "file_qury_no": up2["file_qury_no"],
                                 "stmt_begndate": TODAY, "stmt_enddate": TODAY}})
    assert j["infcode"] == -1 and j["err_msg"].startswith("input.data.file_qury_no[line 2].medfee_sumamt"), j
    # the upload itself downloads, as it was sent
    r = c.post_raw(yb.json.dumps(c.envelope("9102", {"fsDownloadIn": {"file_qury_no": up["file_qury_no"]}})), "9102")
    assert r.status_code == 200 and r.content == bad
