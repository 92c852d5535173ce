#!/usr/bin/env python3
"""Enrollment-side timings on a synthetic region: N persons (default 100 000) with 2019–2024
resident enrollment histories (3 % of person-years missing: breaks), households of 3; then the
monitoring lists, a full recomputation of 2024's waiting periods and incentives, and one record.
Prints `name: value` lines. Usage: bench/enroll.py [N]   (YIBAO=build/yibao)"""
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
YIBAO = os.environ.get("YIBAO", os.path.join(ROOT, "build", "yibao"))
N = int(sys.argv[1]) if len(sys.argv) > 1 else 100000


def run(*args):
    t = time.perf_counter()
    out = subprocess.run([YIBAO, "enroll", *args], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return time.perf_counter() - t, out.stdout


with tempfile.TemporaryDirectory() as d:
    db = os.path.join(d, "bench.db")
    subprocess.run([YIBAO, "init", "--demo", "--db", db, "--policies", os.path.join(ROOT, "policies")],
                   check=True, capture_output=True)
    rnd = random.Random(7)
    con = sqlite3.connect(db)
    t = time.perf_counter()
    persons, enrollments, households, broken24 = [], [], [], 0
    for i in range(N):
        psn = "411500%014d" % (10**13 + i)
        persons.append((psn, "01", "4115001980%08d" % i, "人%d" % i, "1", "", "1980-01-01", "", "", "", "411500",
                        "", "0", None, "", 0))
        households.append(("HH%07d" % (i // 3), psn, "member"))
        for y in range(2019, 2025):
            if rnd.random() < 0.03:
                broken24 += y == 2024
                continue
            enrollments.append((psn, y, "390", "1701", "1", "%d-01-01" % y, "", "", "", 0))
    con.executemany("INSERT INTO person VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", persons)
    con.executemany("INSERT INTO enrollment VALUES(?,?,?,?,?,?,?,?,?,?)", enrollments)
    con.executemany("INSERT INTO enr_household VALUES(?,?,?)", households)
    con.commit()
    con.close()
    print("persons: %d" % N)
    print("enrollment_rows: %d" % len(enrollments))
    print("load_seconds: %.2f" % (time.perf_counter() - t))
    for name in ("broken", "household"):
        secs, out = run("monitor", name, "--year", "2024", "--db", db, "--csv")
        rows = out.count("\n") - 1
        print("monitor_%s_rows: %d" % (name, rows))
        print("monitor_%s_seconds: %.2f" % (name, secs))
    secs, out = run("recompute", "--db", db, "--json", '{"year": 2024}')
    print("recompute_2024_enrollments: %s" % out.split('"enrollments":')[1].split(",")[0].strip())
    print("recompute_2024_seconds: %.2f" % secs)
    print("recompute_per_sec: %.0f" % (len(enrollments) / 6 / secs))
    secs, _ = run("show", "411500%014d" % (10**13 + 5), "--db", db)
    print("show_seconds: %.3f" % secs)
