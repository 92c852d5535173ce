"""Start the real `yibao serve` on a free loopback port with a fresh `init --demo` database."""
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import yb  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
YIBAO = os.path.abspath(os.environ.get("YIBAO", os.path.join(ROOT, "build", "yibao")))
POLICIES = os.environ.get("YIBAO_POLICIES", os.path.join(ROOT, "policies"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, db):
        self.db = db
        self.proc = None
        self.port = None

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        self.port = free_port()
        self.log = open(self.db + ".log", "ab")
        self.proc = subprocess.Popen([YIBAO, "serve", "--db", self.db, "--port", str(self.port)],
                                     stdout=subprocess.PIPE, stderr=self.log)
        line = self.proc.stdout.readline().decode()
        assert "serving" in line, "server did not start: %r" % line
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
        self.log.close()

    def kill9(self):
        self.proc.kill()
        self.proc.wait(timeout=10)
        self.log.close()

    def client(self, n=1, kind="H", **kw):
        code = yb.inst(n, kind)
        if n == 3:
            kw.setdefault("scheme", "tif")
            kw.setdefault("key", "paas-" + code)
        if n == 5:
            kw.setdefault("scheme", "api")
            kw.setdefault("key", "ak-" + code)
        return yb.Client(self.base, code=code, **kw)

    def sql(self, query, *args):
        if "unpack(" in query:  # packed texts: through `yibao sql`, which has unpack()
            out = subprocess.run([YIBAO, "sql", "--db", self.db, query] + [str(a) for a in args],
                                 capture_output=True, text=True, timeout=60)
            assert out.returncode == 0, out.stderr
            return [tuple(json.loads(line)) for line in out.stdout.splitlines()]
        con = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True, timeout=30)
        try:
            return con.execute(query, args).fetchall()
        finally:
            con.close()


def make_db(tmpdir):
    if not os.path.isdir(POLICIES):
        pytest.skip("no policy folder at %s (set YIBAO_POLICIES)" % POLICIES)
    db = os.path.join(tmpdir, "yibao.db")
    out = subprocess.run([YIBAO, "init", "--demo", "--db", db, "--policies", POLICIES],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return db


@pytest.fixture(scope="module")
def server():
    with tempfile.TemporaryDirectory() as d:
        s = Server(make_db(d)).start()
        yield s
        s.stop()


@pytest.fixture()
def fresh_db():
    with tempfile.TemporaryDirectory() as d:
        yield make_db(d)


SNAPSHOT = [
    "SELECT count(*), total(state), total(length(info)) FROM visit",
    "SELECT count(*), total(state), count(setl_id) FROM fee",
    "SELECT count(*), total(state) FROM settlement",
    "SELECT count(*) FROM setl_detail",
    "SELECT count(*), total(value) FROM accum",
    "SELECT count(*) FROM msglog",
    "SELECT count(*) FROM write_log",
    "SELECT count(*), count(nullif(signout_time,'')) FROM signin",
    "SELECT total(acct_balc) FROM person",
    "SELECT count(*), total(length(body)) FROM hsi_file",
]


def snapshot(server):
    """Everything a write could change: equal snapshots mean nothing was written."""
    return [server.sql(q)[0] for q in SNAPSHOT]


def accum_matches_settlements(server, psn_no=None):
    """Every person's accumulators equal the sum of the deltas of their settlement rows."""
    import json
    want = {}
    q = "SELECT psn_no, year, accum_delta FROM settlement" + (" WHERE psn_no=?" if psn_no else "")
    for p, year, delta in server.sql(q, *([psn_no] if psn_no else [])):
        for k, v in json.loads(delta).items():
            bucket, _, period = k.partition("@")
            key = (p, year, bucket, int(period or 0))
            want[key] = want.get(key, 0) + (v if bucket == "admissions" else round(v * 100))
    have = {}
    q = "SELECT psn_no, year, bucket, period, value FROM accum" + (" WHERE psn_no=?" if psn_no else "")
    for p, year, bucket, period, value in server.sql(q, *([psn_no] if psn_no else [])):
        have[(p, year, bucket, period)] = value
    want = {k: v for k, v in want.items() if v}
    have = {k: v for k, v in have.items() if v}
    assert have == want
    return have
