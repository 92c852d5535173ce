"""DIP cycle through the real binary: a small synthetic county (3 history years and a year of
stays written into visit/settlement as the generator writes them), then `dip build`, `score`,
`clear`, and the statements an institution reads; their figures must add up exactly."""
import csv
import io
import json
import os
import subprocess
from decimal import Decimal

from conftest import POLICIES, YIBAO


def run(*args):
    out = subprocess.run([YIBAO, *args], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_dip_cycle(tmp_path):
    db = str(tmp_path / "dip.db")
    pol = os.path.join(POLICIES, "demo-county.json")
    run("dip", "bench", "--cases", "3000", "--history", "--fill-only", "--db", db)
    out = run("dip", "build", "--db", db, "--year", "2025", "--policy", pol)
    assert out.startswith("catalogue 2025-v1:") and "from 9000 cases of 2022-2024" in out
    out = run("dip", "score", "--db", db, "--year", "2025", "--policy", pol)
    assert "scored 3000 cases of 2025" in out
    run("dip", "deduct", "--db", db, "--year", "2025", "--inst", "BH0001", "--amount", "1234.56",
        "--source", "audit")
    run("dip", "clear", "--db", db, "--year", "2025", "--policy", pol)
    catalogue = list(csv.reader(io.StringIO(run("dip", "export", "--db", db, "--year", "2025"))))
    assert catalogue[1][:3] == ["code", "kind", "n_cases"]
    rw = {row[0]: Decimal(row[10]) for row in catalogue[2:]}
    assert rw["*"] == Decimal("1000.0000")

    total_entitled = Decimal(0)
    cases = 0
    for i in range(60):
        code = "BH%04d" % i
        st = json.loads(run("dip", "statement", "--db", db, "--year", "2025", "--inst", code))
        f = {k: Decimal(str(v)) for k, v in st["figures"].items()}
        assert f["budget"] == Decimal("80000000.00")
        # line by line: every case's score is its base × level factor, and they add to the total
        score = sum(Decimal(str(c["score"])) for c in st["cases"])
        assert score == f["score"]
        for c in st["cases"][:50]:
            assert c["group"] in rw and Decimal(str(c["group_rw"])) == rw[c["group"]]
        assert f["payment"] == (f["entitled"] + f["community_adjustment"] - f["advances"]
                                - f["deductions"] - f["quality_deposit"])
        adv = sum(Decimal(str(a["advance"])) for a in st["advances_by_month"])
        assert adv == f["advances"]
        for a in st["advances_by_month"]:  # 90 % of the month's settled fund, half-up
            assert Decimal(str(a["advance"])) == (Decimal(str(a["fund_settled"])) * Decimal("0.9")).quantize(
                Decimal("0.01"), rounding="ROUND_HALF_UP")
        if code == "BH0001":
            assert f["deductions"] >= Decimal("1234.56")
        total_entitled += f["entitled"]
        cases += len(st["cases"])
        if i == 5:
            text = run("dip", "statement", "--db", db, "--year", "2025", "--inst", code, "--csv")
            rows = [r for r in csv.reader(io.StringIO(text)) if r and r[0] == "case"]
            assert len(rows) == len(st["cases"])
    assert cases == 3000
    assert total_entitled == Decimal("80000000.00")  # to the fen


def test_dip_bad_input(tmp_path):
    db = str(tmp_path / "e.db")
    out = subprocess.run([YIBAO, "dip", "score", "--db", db, "--year", "2025", "--policy",
                          os.path.join(POLICIES, "demo-county.json")], capture_output=True, text=True)
    assert out.returncode == 1 and "no DIP catalogue for 2025" in out.stderr
    out = subprocess.run([YIBAO, "dip", "build", "--db", db, "--year", "20x5"], capture_output=True, text=True)
    assert out.returncode == 1 and "--year" in out.stderr
    out = subprocess.run([YIBAO, "dip", "deduct", "--db", db, "--year", "2025", "--inst", "H1", "--amount", "-1"],
                         capture_output=True, text=True)
    assert out.returncode == 1 and "--amount" in out.stderr
