"""The console's admin API: log-in, sessions, CSRF, lock-out, roles, user management, the
access and write logs, and the static files."""
import requests

from conftest import snapshot  # noqa: F401
from flows import register
from yb import Console, inst


def test_login_me_logout(server):
    c = Console(server.base, "admin")
    assert c.user == {"username": "admin", "display_name": "局管理员", "role": "admin", "fixmedins_code": ""}
    me = c.get("/api/v1/me").json()
    assert me["user"]["role"] == "admin" and me["csrf_token"] == c.csrf
    cookie = next(k for k in c.s.cookies if k.name == "yb_session")
    assert cookie.has_nonstandard_attr("HttpOnly") and len(cookie.value) == 64
    assert c.post("/api/v1/logout").status_code == 200
    r = requests.get(server.base + "/api/v1/me", cookies={"yb_session": cookie.value})
    assert r.status_code == 401  # the session is gone on the server, not only in the browser


def test_set_cookie_flags(server):
    r = requests.post(server.base + "/api/v1/login", json={"username": "clerk", "password": "demo-clerk"})
    sc = r.headers["Set-Cookie"]
    assert "HttpOnly" in sc and "SameSite=Strict" in sc and "Path=/" in sc


def test_bad_login_refused_and_logged(server):
    before = server.sql("SELECT count(*) FROM write_log WHERE what='failed log-in'")[0][0]
    r = Console(server.base).login("supervisor", "wrong-password")
    assert r.status_code == 401 and "用户名或密码错误" in r.json()["error"]["message"]
    r = Console(server.base).login("nobody", "whatever1")
    assert r.status_code == 401
    assert server.sql("SELECT count(*) FROM write_log WHERE what='failed log-in'")[0][0] == before + 1
    assert Console(server.base).login("supervisor", "demo-supervisor").status_code == 200


def test_lockout_after_five_failures(server):
    admin = Console(server.base, "admin")
    assert admin.post("/api/v1/users", {"username": "locky", "role": "clerk", "password": "right-pass"}).status_code == 201
    codes = [Console(server.base).login("locky", "wrong-pass").status_code for _ in range(5)]
    assert codes == [401, 401, 401, 401, 403]
    r = Console(server.base).login("locky", "right-pass")  # even the right password is refused now
    assert r.status_code == 403 and "锁定" in r.json()["error"]["message"]
    # an administrator resetting the password unlocks
    assert admin.post("/api/v1/users/locky/password", {"password": "new-pass-1"}).status_code == 200
    assert Console(server.base).login("locky", "new-pass-1").status_code == 200


def test_csrf_required_for_changes(server):
    c = Console(server.base, "admin")
    body = {"username": "csrf1", "role": "clerk", "password": "abcdefgh"}
    before = snapshot(server)
    r = c.post("/api/v1/users", body, csrf=False)
    assert r.status_code == 403 and r.json()["error"]["field"] == "X-CSRF-Token"
    r = c.s.post(server.base + "/api/v1/users", json=body, headers={"X-CSRF-Token": "0" * 32})
    assert r.status_code == 403
    # a form post (not JSON) is refused even with the token
    r = c.s.post(server.base + "/api/v1/users", data="username=csrf1", headers={
        "X-CSRF-Token": c.csrf, "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "Content-Type"
    assert snapshot(server) == before


def test_roles(server):
    for who in ("supervisor", "clerk", "inst1"):
        c = Console(server.base, who)
        assert c.get("/api/v1/users").status_code == 403
        r = c.post("/api/v1/users", {"username": "sneaky", "role": "admin", "password": "abcdefgh"})
        assert r.status_code == 403 and r.json()["error"]["field"] == "role"
    i = Console(server.base, "inst1")
    assert i.user["fixmedins_code"] == inst(1)
    # one may change one's own password, not another's
    assert i.post("/api/v1/users/clerk/password", {"password": "abcdefgh"}).status_code == 403
    assert i.post("/api/v1/users/inst1/password", {"password": "demo-inst1"}).status_code == 200


def test_user_add_validation(server):
    c = Console(server.base, "admin")
    before = snapshot(server)
    bad = [
        ({"role": "clerk", "password": "abcdefgh"}, "username"),
        ({"username": "u1", "role": "boss", "password": "abcdefgh"}, "role"),
        ({"username": "u1", "role": "clerk", "password": "short"}, "password"),
        ({"username": "u1", "role": "inst", "password": "abcdefgh"}, "fixmedins_code"),
        ({"username": "u1", "role": "inst", "password": "abcdefgh", "fixmedins_code": "H000"}, "fixmedins_code"),
        ({"username": "u 1", "role": "clerk", "password": "abcdefgh"}, "username"),
        ({"username": "admin", "role": "clerk", "password": "abcdefgh"}, "username"),
    ]
    for body, field in bad:
        r = c.post("/api/v1/users", body)
        assert r.status_code in (400, 404, 409), (body, r.text)
        assert r.json()["error"]["field"] == field, (body, r.text)
    r = c.s.post(server.base + "/api/v1/users", data="{not json", headers={
        "X-CSRF-Token": c.csrf, "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "body"
    assert snapshot(server) == before
    assert c.get("/api/v1/nothing").status_code == 404
    assert c.s.delete(server.base + "/api/v1/users").status_code == 405


def test_access_log_and_write_log(server):
    c = Console(server.base, "clerk")
    c.get("/api/v1/me")
    c.get("/api/v1/users")
    import time
    time.sleep(0.2)  # the access log commits with the next batch
    rows = server.sql("SELECT username, method, path, status FROM admin_access WHERE username='clerk' ORDER BY id")
    assert ("clerk", "GET", "/api/v1/me", 200) in rows and ("clerk", "GET", "/api/v1/users", 403) in rows
    a = Console(server.base, "admin")
    a.post("/api/v1/users", {"username": "logged1", "role": "supervisor", "password": "abcdefgh"})
    row = server.sql("SELECT opter, infno, what FROM write_log WHERE what LIKE 'add user logged1%'")
    assert row == [("admin", "user.add", "add user logged1 (supervisor)")]


def test_static_files(server):
    r = requests.get(server.base + "/")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    for bad in ("/../Makefile", "/%2e%2e/Makefile", "/vendor/../../Makefile", "/x.exe", "/web/",
                "/a%20b.html", "/vendor/%2e%2e/%2e%2e/Makefile"):
        assert requests.get(server.base + bad).status_code == 404, bad
    # the server sees the path cut at a NUL byte: the type still follows the file it sends
    r = requests.get(server.base + "/index.html%00.js")
    assert r.headers["Content-Type"].startswith("text/html")
    assert requests.post(server.base + "/index.html").status_code == 405


def test_health_public_and_not_logged(server):
    for _ in range(3):
        r = requests.get(server.base + "/api/v1/health")  # no session: a monitor's probe
        assert r.status_code == 200
        j = r.json()
        assert j["status"] == "ok" and j["region"] == "411500" and j["queued"] >= 0 and j["unsynced"] >= 0
    c = Console(server.base, "clerk")
    assert c.get("/api/v1/me").status_code == 200
    import time
    for _ in range(100):  # the access log is written behind the reply, in order: /me's row, then none of health's
        if server.sql("SELECT count(*) FROM admin_access WHERE path='/api/v1/me' AND username='clerk'")[0][0]:
            break
        time.sleep(0.02)
    assert server.sql("SELECT count(*) FROM admin_access WHERE path='/api/v1/me' AND username='clerk'")[0][0] >= 1
    assert server.sql("SELECT count(*) FROM admin_access WHERE path='/api/v1/health'")[0][0] == 0


def test_stats_counts_the_writes(server):
    assert requests.get(server.base + "/api/v1/stats").status_code == 401
    assert Console(server.base, "clerk").get("/api/v1/stats").status_code == 403
    admin = Console(server.base, "admin")
    before = admin.get("/api/v1/stats").json()
    c = server.client(3)
    c.sign_in()
    register(c, 3)  # 2201 and 2203: with 9001, three writes answered once durable
    after = admin.get("/api/v1/stats").json()
    assert after["writer_running"] is True
    assert after["writes"] - before["writes"] >= 3
    assert after["fdatasyncs"] > before["fdatasyncs"]
    assert after["batches"] > before["batches"] and after["batches"] <= after["writes"]
    assert abs(after["writes_per_batch"] - after["writes"] / after["batches"]) < 1e-9
    assert after["wait_ms"]["to_durable"] > 0 and after["fdatasync_ms"] > 0
    assert 0 < after["writer_busy"] <= 1
    assert after["redos"] == 0 and after["queued"] >= 0


def test_console_calls_do_not_hold_the_hospitals(server):
    """Console calls run on their own thread (yb-admin): while log-ins queue there (each hashes its
    password with Argon2id), a hospital's calls on the HTTP thread are answered at once. On the HTTP
    thread, as before, the hospital's call waited for the log-ins of its pass."""
    import threading
    import time
    from yb import Client
    c = Client(server.base)
    c.sign_in()
    done = []

    def login():
        assert Console(server.base).login("clerk", "demo-clerk").status_code == 200
        done.append(time.monotonic())

    logins = [threading.Thread(target=login) for _ in range(8)]
    t0 = time.monotonic()
    for t in logins:
        t.start()
    time.sleep(0.02)
    out = c.ok("1101", {"data": {"mdtrt_cert_type": "03", "mdtrt_cert_no": "C4115000004", "card_sn": "SN0004"}})
    hsi = time.monotonic()
    for t in logins:
        t.join()
    assert out["baseinfo"]["psn_no"] and len(done) == 8
    # the hospital's answer came in the first half of the log-ins' time, not after them
    assert hsi - t0 < (max(done) - t0) / 2, (hsi - t0, sorted(d - t0 for d in done))
