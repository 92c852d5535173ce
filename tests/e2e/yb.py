"""yb.py — a small HIS client for the e2e tests: envelope, signing (hmac / tif / api), calls."""
import base64
import hashlib
import hmac
import itertools
import json
import os
import secrets
import time

import requests

REGION = "411500"
PATH = "/fsi/api/rsfComIfsService/callService"
_seq = itertools.count(1)


def demo_secret(code):
    """The deterministic demo secret `yibao init --demo` prints for an institution."""
    return hashlib.sha256(("yibao-demo-secret:" + code).encode()).hexdigest()[:32]


def psn(n):
    return "%s0000000000%04d" % (REGION, n)


def inst(n, kind="H"):
    return "%s%s%05d" % (kind, REGION, n)


def sign_headers(scheme, code, secret, body, infno="", key=None, ts=None, nonce=None):
    nonce = nonce or secrets.token_hex(16)
    if scheme == "hmac":
        ts = str(int(time.time())) if ts is None else str(ts)
        sig = hmac.new(secret.encode(), ts.encode() + nonce.encode() + body, hashlib.sha256).hexdigest()
        return {"x-yb-code": code, "x-yb-timestamp": ts, "x-yb-nonce": nonce, "x-yb-signature": sig}
    if scheme == "tif":
        ts = str(int(time.time())) if ts is None else str(ts)
        sig = hashlib.sha256((ts + secret + nonce + ts).encode()).hexdigest()
        return {"x-tif-paasid": key, "x-tif-timestamp": ts, "x-tif-nonce": nonce, "x-tif-signature": sig}
    ts = str(int(time.time() * 1000)) if ts is None else str(ts)
    text = "_api_access_key=%s&_api_name=%s&_api_timestamp=%s&_api_version=1.0.0" % (key, infno, ts)
    sig = base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()).decode()
    return {"_api_access_key": key, "_api_name": infno, "_api_version": "1.0.0",
            "_api_timestamp": ts, "_api_signature": sig}


class Client:
    def __init__(self, base, code=None, scheme="hmac", key=None, secret=None, opter="OP001"):
        self.base = base
        self.code = code or inst(1)
        self.scheme = scheme
        self.key = key
        self.secret = secret or demo_secret(self.code)
        self.opter = opter
        self.sign_no = ""
        self.session = requests.Session()

    def msgid(self):
        return "%s%s%04d" % (self.code, time.strftime("%Y%m%d%H%M%S"), next(_seq) % 10000) + \
            secrets.token_hex(2)

    def envelope(self, infno, inp, msgid=None, **over):
        self.last_msgid = msgid = msgid or self.msgid()
        env = {"infno": infno, "msgid": msgid, "mdtrtarea_admvs": REGION,
               "insuplc_admdvs": "", "recer_sys_code": "YBXT", "dev_no": "", "dev_safe_info": "",
               "cainfo": "", "signtype": "", "infver": "V1.0", "opter_type": "1",
               "opter": self.opter, "opter_name": "收费员甲", "inf_time": time.strftime("%Y-%m-%d %H:%M:%S"),
               "fixmedins_code": self.code, "fixmedins_name": "示例", "sign_no": self.sign_no,
               "input": inp}
        env.update(over)
        return env

    def post_raw(self, body, infno="", headers=None, path=PATH, sign=True):
        if isinstance(body, str):
            body = body.encode()
        h = {"Content-Type": "application/json"}
        if sign:
            h.update(sign_headers(self.scheme, self.code, self.secret, body, infno, self.key))
        if headers:
            h.update(headers)
        return self.session.post(self.base + path, data=body, headers=h, timeout=30)

    def call(self, infno, inp, msgid=None, path=PATH, **over):
        env = self.envelope(infno, inp, msgid, **over)
        body = json.dumps(env, ensure_ascii=False).encode()
        r = self.post_raw(body, infno, path=path)
        assert r.status_code == 200, r.text
        return r.json()

    def ok(self, infno, inp, **kw):
        j = self.call(infno, inp, **kw)
        assert j["infcode"] == 0, j
        return j["output"]

    def sign_in(self):
        out = self.ok("9001", {"signIn": {"opter_no": self.opter, "mac": "00-11-22-33-44-55", "ip": "10.0.0.8"}})
        self.sign_no = out["signinoutb"]["sign_no"]
        return self.sign_no


class Console:
    """A console user's session against /api/v1/: log-in cookie plus the CSRF token."""

    def __init__(self, base, username=None, password=None):
        self.base = base
        self.s = requests.Session()
        self.csrf = None
        self.user = None
        if username:
            r = self.login(username, password or "demo-" + username)
            assert r.status_code == 200, r.text

    def login(self, username, password):
        r = self.s.post(self.base + "/api/v1/login", json={"username": username, "password": password})
        if r.status_code == 200:
            self.csrf = r.json()["csrf_token"]
            self.user = r.json()["user"]
        return r

    def get(self, path, **params):
        return self.s.get(self.base + path, params=params)

    def post(self, path, body=None, csrf=True):
        headers = {"X-CSRF-Token": self.csrf} if csrf and self.csrf else {}
        return self.s.post(self.base + path, json=body if body is not None else {}, headers=headers)
