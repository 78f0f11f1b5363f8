"""The case area with a million-row register (issue 11), against `klagestat serve` as users run it.

`case_area_during_1m_register_import`: a caseworker's round (log in, the case list, one case)
again and again while `klagestat import cases` writes 1,000,000 rows into the same SQLite
database. Every answer but 200 (303 for the login) is an error; the goal is 0. The figure is the
p95 latency of a round during the import; the floor is the p95 of the same rounds with no import
running, on the same server. There is no analyst's baseline for this (`baseline_seconds` is the
floor's).

`export_cases_1m_rows_{csv,xlsx}`: the whole register downloaded from /sager/eksport.{csv,xlsx}.
Memory: the server's peak resident memory (VmHWM) after an export of no rows (`idle_memory_mb`)
and after the 1,000,000-row export (`peak_memory_mb`), each kind in a fresh server; the goal is a
ratio under 2. Time: the download, against the floor of writing the same rows raw (sqlite3
SELECT of the same columns + csv.writer to a file, no neutralising, no Danish names). The
baseline is what an analyst would otherwise do: pandas read_sql of the same rows + to_csv/to_excel
is far slower than the floor, so the floor is the figure to compare with.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

import register_import  # bench/register_import.py
import web_load  # bench/web_load.py
from klagestat import api

EMAIL = "analytiker@allerod.bench"
PASSWORD = "en-god-adgangskode-til-bench-1"
MUNICIPALITY = "Allerød"
IDLE_ROUNDS = 60


def add_user(db: Path) -> None:
    engine = api.open_database(str(db))
    try:
        api.add_user(engine, EMAIL, MUNICIPALITY, "analyst", PASSWORD)
    finally:
        engine.dispose()


def log_in(base: str) -> httpx.Client:
    # A long timeout: an XLSX export is written whole before its first byte is sent.
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=900)
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)[1]
    answer = client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token})
    if answer.status_code != 303:
        raise RuntimeError(f"login: {answer.status_code}")
    return client


def caseworker_round(base: str, case_id: str, errors: list[str]) -> float:
    """Log in, open the list and one case; the round's seconds. Failures are counted, not raised."""
    start = time.perf_counter()
    try:
        client = log_in(base)
    except (RuntimeError, httpx.HTTPError, TypeError) as e:
        errors.append(f"login: {e}")
        return time.perf_counter() - start
    try:
        for path in ("/sager", f"/sager/sag/{case_id}"):
            try:
                answer = client.get(path)
                if answer.status_code != 200:
                    errors.append(f"{path}: {answer.status_code}")
            except httpx.HTTPError as e:
                errors.append(f"{path}: {type(e).__name__}")
    finally:
        client.close()
    return time.perf_counter() - start


def _rows_label(rows: int) -> str:
    return f"{rows // 1_000_000}m" if rows % 1_000_000 == 0 else f"{rows // 1000}k"


def during_import(work: Path, register: Path, rows: int) -> dict:
    db = work / "live.db"
    add_user(db)
    small = work / "small.csv"
    with register.open(encoding="utf-8") as source:
        small.write_text(source.readline() + source.readline(), encoding="utf-8")  # the header and one case
    case_id = small.read_text(encoding="utf-8").splitlines()[1].split(";")[0]
    env = {**os.environ, "KLAGESTAT_SECRET": os.environ.get("KLAGESTAT_SECRET", "benchmark-secret-0123456789abcdef")}
    subprocess.run([*web_load.klagestat_command(), "import", "cases", str(small), "--municipality", MUNICIPALITY,
                    "--db", str(db)], check=True, env=env, capture_output=True)
    server, base = web_load.start_server(db, work / "live-server.log")
    try:
        idle_errors: list[str] = []
        idle = [caseworker_round(base, case_id, idle_errors) for _ in range(IDLE_ROUNDS)]
        errors: list[str] = []
        during: list[float] = []
        start = time.perf_counter()
        importing = subprocess.Popen([*web_load.klagestat_command(), "import", "cases", str(register), "--municipality",
                                      MUNICIPALITY, "--db", str(db)], env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        while importing.poll() is None:
            during.append(caseworker_round(base, case_id, errors))
        import_seconds = time.perf_counter() - start
        if importing.returncode != 0:
            raise RuntimeError(f"the import failed: {importing.stderr.read().decode()[-2000:]}")
    finally:
        web_load.stop_server(server)
    p95, floor_p95 = float(np.percentile(during, 95)), float(np.percentile(idle, 95))
    return {
        "benchmark": f"case_area_during_{_rows_label(rows)}_register_import",
        "seconds": round(p95, 4), "baseline_seconds": round(floor_p95, 4), "floor_seconds": round(floor_p95, 4),
        "ratio_to_floor": round(p95 / floor_p95, 2),
        "rounds": len(during), "page_views": 2 * len(during), "logins": len(during),
        "errors": len(errors), "error_examples": sorted(set(errors))[:5], "goal_errors": 0,
        "within_goal": not errors and not idle_errors,
        "p50_ms": round(float(np.percentile(during, 50)) * 1000, 1), "p95_ms": round(p95 * 1000, 1),
        "max_ms": round(max(during) * 1000, 1), "floor_p95_ms": round(floor_p95 * 1000, 1),
        "import_seconds": round(import_seconds, 2),
        "round_note": "a round: log in (GET /login, POST /login), GET /sager, GET /sager/sag/{id}",
        "baseline_note": "no analyst baseline for a web page: baseline_seconds is the floor's",
        "floor_note": f"p95 of {IDLE_ROUNDS} rounds on the same server before the import",
    }


def _peak_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))


def _download(client: httpx.Client, path: str) -> tuple[float, int]:
    start = time.perf_counter()
    size = 0
    with client.stream("GET", path) as answer:
        if answer.status_code != 200:
            raise RuntimeError(f"{path}: {answer.status_code}")
        for piece in answer.iter_raw():
            size += len(piece)
    return time.perf_counter() - start, size


def raw_rows_to_csv(db: Path, out: Path) -> None:
    """The floor: the export's columns of every case, straight from SQLite into csv.writer."""
    con = sqlite3.connect(db)
    try:
        cursor = con.execute(
            "SELECT case_id, committee, legal_basis, provision_key, decision_date, complaint_body, "
            "body_decision_date, outcome, outcome_label FROM case_record ORDER BY case_id")
        with out.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, delimiter=";")
            while rows := cursor.fetchmany(10_000):
                writer.writerows(rows)
    finally:
        con.close()


def exports(work: Path, db: Path, rows: int) -> list[dict]:
    """`db` holds `rows` cases of MUNICIPALITY (the import benchmark's database)."""
    add_user(db)
    floor = min(register_import.timed(raw_rows_to_csv, db, work / "raw.csv") for _ in range(2))
    lines = []
    for kind in ("csv", "xlsx"):
        server, base = web_load.start_server(db, work / f"export-{kind}.log")
        try:
            client = log_in(base)
            try:
                _download(client, f"/sager/eksport.{kind}?year=2000")  # no case: what the export itself costs
                idle = _peak_kb(server.pid)
                seconds, size = _download(client, f"/sager/eksport.{kind}")
                peak = _peak_kb(server.pid)
            finally:
                client.close()
        finally:
            web_load.stop_server(server)
        lines.append({
            "benchmark": f"export_cases_{_rows_label(rows)}_rows_{kind}",
            "seconds": round(seconds, 3), "baseline_seconds": round(floor, 3), "floor_seconds": round(floor, 3),
            "ratio_to_floor": round(seconds / floor, 2), "rows": rows, "bytes": size,
            "idle_memory_mb": round(idle / 1024, 1), "peak_memory_mb": round(peak / 1024, 1),
            "memory_ratio": round(peak / idle, 2), "goal_memory_ratio": 2, "within_goal": peak / idle < 2,
            "memory_note": "the server's VmHWM after an export of no rows (idle) and after the whole register",
            "baseline_note": "baseline_seconds is the floor's: an analyst's pandas round trip is slower still",
            "floor_note": "sqlite3 SELECT of the same columns + csv.writer to a file",
        })
    return lines


def main(rows: int = 1_000_000) -> None:
    """Alone: .venv/bin/python bench/case_area_load.py [ROWS]   (or from bench/run.py, `make bench`)"""
    work = Path(tempfile.mkdtemp(prefix="klagestat-case-area-bench-"))
    try:
        print(f"# generating a {rows:,}-row register in {work}", file=sys.stderr)
        register = register_import.write_register(work / "register.csv", rows)
        register_import.klagestat_import(register, work / "cases.db")
        run(work, register, work / "cases.db", rows)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(work: Path, register: Path, imported: Path, rows: int) -> None:
    print(json.dumps(during_import(work, register, rows)), flush=True)
    for line in exports(work, imported, rows):
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
