"""Complete outpatient and inpatient flows as a HIS runs them."""
import yb

CERT = {1: "411500198001010011", 2: "411500198505120022", 3: "411500195503200031",
        4: "411500196208080042", 5: "411500197011300051", 6: "411500201906010061",
        7: "411500199002140072", 8: "411500197809090081", 9: "411500195004040091",
        10: "410100197512120101", 11: "411500195807070112", 12: "411500196010100121",
        13: "411500198303030132"}
INSUTYPE = {1: "390", 2: "310", 3: "310", 4: "390", 5: "390", 6: "390", 7: "390", 8: "310",
            9: "310", 10: "310", 11: "390", 12: "310", 13: "310"}
DRUG = "XJ01CAD001A001010199999"      # 甲类 drug, no price limit
VISIT_FEE = "9902000400000099"        # 门诊诊查费, limit 10.00
BED = "9901000100000099"              # bed, limit 30.00
CT = "9903000600000099"
_otp = [0]


def register(c, n, date="2024-03-15 09:30:00", med_type="11", diag="J06.9", dise=""):
    p = yb.psn(n)
    _otp[0] += 1
    out = c.ok("2201", {"data": {"psn_no": p, "insutype": INSUTYPE[n], "begntime": date,
                                 "mdtrt_cert_type": "02", "mdtrt_cert_no": CERT[n],
                                 "ipt_otp_no": "MZ%s%06d" % (c.code[-2:], _otp[0]), "atddr_no": "D001",
                                 "dr_name": "医生乙", "dept_code": "NK01", "dept_name": "内科", "caty": "A03"}})
    m = out["data"]["mdtrt_id"]
    c.ok("2203", {"mdtrtinfo": {"mdtrt_id": m, "psn_no": p, "med_type": med_type, "begntime": date,
                                "dise_codg": dise, "dise_name": ""},
                  "diseinfo": [{"diag_type": "1", "diag_srt_no": 1, "diag_code": diag, "diag_name": "诊断",
                                "diag_dept": "内科", "dise_dor_no": "D001", "dise_dor_name": "医生乙",
                                "diag_time": date, "vali_flag": "1"}]})
    return m


def fee(m, n, sn, code, cnt, pric, bch="CB1", **kw):
    row = {"feedetl_sn": sn, "mdtrt_id": m, "psn_no": yb.psn(n), "chrg_bchno": bch, "rxno": "",
           "rx_circ_flag": "0", "fee_ocur_time": "2024-03-15 09:40:00", "med_list_codg": code,
           "medins_list_codg": "HOSP-" + sn, "det_item_fee_sumamt": round(cnt * pric, 2), "cnt": cnt,
           "pric": pric, "bilg_dept_codg": "NK01", "bilg_dept_name": "内科", "bilg_dr_codg": "D001",
           "bilg_dr_name": "医生乙", "hosp_appr_flag": "0"}
    row.update(kw)
    return row


def setl_data(m, n, total, bch="CB1", med_type="11", acct="1"):
    return {"psn_no": yb.psn(n), "mdtrt_cert_type": "02", "mdtrt_cert_no": CERT[n], "med_type": med_type,
            "medfee_sumamt": total, "psn_setlway": "01", "mdtrt_id": m, "chrg_bchno": bch,
            "acct_used_flag": acct, "insutype": INSUTYPE[n]}


def outpatient(c, n, lines=None, date="2024-03-15 09:30:00", med_type="11", diag="J06.9", dise="",
               msgid=None):
    """register → visit → fees → pre-settle → settle; returns (mdtrt_id, 2206 output, 2207 reply)."""
    m = register(c, n, date, med_type, diag, dise)
    lines = lines or [(DRUG, 2, 18.5), (VISIT_FEE, 1, 10)]
    rows = [fee(m, n, str(i + 1), code, cnt, pric) for i, (code, cnt, pric) in enumerate(lines)]
    c.ok("2204", {"feedetail": rows})
    total = round(sum(r["det_item_fee_sumamt"] for r in rows), 2)
    d = setl_data(m, n, total, med_type=med_type)
    pre = c.ok("2206", {"data": d})
    si = pre["setlinfo"]
    d.update(fulamt_ownpay_amt=si["fulamt_ownpay_amt"], overlmt_selfpay=si["overlmt_selfpay"],
             preselfpay_amt=si["preselfpay_amt"], inscp_scp_amt=si["inscp_scp_amt"], invono="")
    rep = c.call("2207", {"data": d}, msgid=msgid)
    return m, pre, rep, d
