"""The first visitor after an import: a municipality's profile requested right after an import,
next to the same profile from memory (goal: under 0.5 s).

`klagestat serve` runs on the demo database (a subprocess, as a user runs it) until it has warmed
its pages; then, one after the other, the imports that happen while a site is up, each by the
command line (another process, as an administrator runs it), and right after each one request
to Allerød's profile, `/kommune/201` (its newest year, 2025):
- a register import (the municipality's own cases): the public pages never read a register;
- statistics of 2013 as a new file (a revised download), a year the profile doesn't show (it shows 2020-2025);
- statistics of 2025 as a new file, the profile's own year: everything on it is computed anew.

A line per import: "seconds" is the first request after it, "baseline_seconds" the same profile
from memory before the import (the best of five), "floor_seconds" the server's static style sheet
(the best of five): what a request costs when the page costs nothing.

    .venv/bin/python bench/first_request.py    # this benchmark alone
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from klagestat.catalogue import load_catalogue
from klagestat.demo.build import build_demo
from web_load import klagestat_command, start_server, stop_server  # bench/web_load.py, beside this file

CODE = "201"  # Allerød: the demo's municipality with a register
GOAL_SECONDS = 0.5
SEPARATOR = ";"


def _get(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as answer:
        answer.read()
        if answer.status != 200:
            raise RuntimeError(f"{url}: {answer.status}")
    return time.perf_counter() - start


def _best(url: str, runs: int = 5) -> float:
    return min(_get(url) for _ in range(runs))


def _data_lines(path: Path) -> tuple[list[str], list[list[str]], list[str]]:
    """The header, the data rows and the comment lines (the synthetic mark) of a demo CSV."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        lines = f.read().splitlines()
    comments = [line for line in lines if line.startswith("#")]
    rows = list(csv.reader([line for line in lines if line and not line.startswith("#")], delimiter=SEPARATOR))
    return rows[0], rows[1:], comments


def _write(path: Path, header: list[str], rows: list[list[str]], comments: list[str]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=SEPARATOR, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        for line in comments:
            f.write(line + "\n")
    return path


def statistics_of_year(source: Path, target: Path, year: int) -> Path:
    """The demo statistics of one year as a file of its own: a new vintage, as a revised download
    is (its counts are the same, which the server can't know without computing them)."""
    header, rows, comments = _data_lines(source)
    period = header.index("TID")
    return _write(target, header, [row for row in rows if row[period].startswith(str(year))], comments)


def register_with_one_more_case(source: Path, target: Path) -> Path:
    """The demo register with one case more."""
    header, rows, comments = _data_lines(source)
    new = list(rows[-1])
    new[header.index("sags_id")] = "BENCH-00001"
    return _write(target, header, [*rows, new], comments)


def _import(db: Path, *args: str) -> None:
    subprocess.run([*klagestat_command(), "import", *args, "--db", str(db)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def run(work: Path, report: Callable[..., None]) -> None:
    work.mkdir(parents=True, exist_ok=True)
    print(f"# building the demo database in {work}", file=sys.stderr)
    db = work / "klagestat-demo.db"
    build_demo(str(db), work / "demo", progress=lambda _: None)
    statistics = next((work / "demo").glob("ankeast2-demo-*.csv"))
    register = next((work / "demo").glob("klageregister-*.csv"))
    name = load_catalogue().municipalities[CODE].name
    imports = [
        ("register_import", ["cases", str(register_with_one_more_case(register, work / "register.csv")),
                             "--municipality", name],
         "the municipality's register with one case more: no public page reads it"),
        ("statistics_import_other_year", ["statbank", str(statistics_of_year(statistics, work / "2013.csv", 2013))],
         "a revision of 2013, a year the profile doesn't show"),
        ("statistics_import_same_year", ["statbank", str(statistics_of_year(statistics, work / "2025.csv", 2025))],
         "a revision of 2025, the profile's own year: its figures are computed anew"),
    ]
    server, base = start_server(db, work / "server.log")
    profile = f"{base}/kommune/{CODE}"
    try:
        print("# warming every profile", file=sys.stderr)
        for code in load_catalogue().municipalities:
            _get(f"{base}/kommune/{code}")
        for name_of_import, args, note in imports:
            warm = _best(profile)
            floor = _best(f"{base}/static/klagestat.css")
            _import(db, *args)
            first = _get(profile)
            report(f"web_profile_first_request_after_{name_of_import}", first, warm, floor,
                   goal_seconds=GOAL_SECONDS, within_goal=first < GOAL_SECONDS, import_note=note,
                   baseline_note="the same profile from memory before the import (best of 5)",
                   floor_note="the server's style sheet (best of 5)")
            _best(profile)  # warm again before the next import
    finally:
        stop_server(server)


def main() -> None:
    from run import report  # bench/run.py, beside this file: the one format of the benchmark lines

    work = Path(tempfile.mkdtemp(prefix="klagestat-bench-first-"))
    try:
        run(work, report)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
