"""`make bench`: klagestat's speed next to a baseline and a floor measured in the same run.

Each benchmark prints one JSON line:
    {"benchmark": NAME, "seconds": S, "baseline_seconds": B, "floor_seconds": F, "ratio_to_floor": S/F}
- seconds: klagestat doing the job;
- baseline: what an analyst would otherwise do with the same file (pandas read_csv + groupby);
- floor: the least work that can give the answer (a raw sqlite3 executemany of the same rows;
  a single SQL GROUP BY).
The machine is noisy, so each figure is the best of a few runs and only the ratios mean much.
"""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from klagestat import api
from klagestat.analysis.figures import GroupBy, grouping, load_coverage
from klagestat.catalogue import load_catalogue
from klagestat.demo.generator import DEFAULT_SEED, DEFAULT_YEARS, write_demo_file
from klagestat.store.database import open_database

CELL_COLUMNS = "vintage_id, line, year, quarter, area_code, basis_id, outcome, count"


def best_of(runs: int, func) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return path


def report(name: str, seconds: float, baseline: float, floor: float, **extra) -> None:
    line = {"benchmark": name, "seconds": round(seconds, 4), "baseline_seconds": round(baseline, 4),
            "floor_seconds": round(floor, 4), "ratio_to_floor": round(seconds / floor, 2), **extra}
    print(json.dumps(line), flush=True)


def pandas_groupby(file: Path) -> pd.DataFrame:
    frame = pd.read_csv(file, sep=";", na_values=[".."], keep_default_na=False)
    frame["year"] = frame["TID"].str.slice(0, 4)
    return frame.groupby(["OMRÅDE", "LOVGRUNDLAG", "AFGØRELSE", "year"])["INDHOLD"].sum()


def raw_executemany(file: Path, db: Path) -> None:
    """The floor of an import: read the rows and insert them, in one transaction, nothing else."""
    con = sqlite3.connect(fresh(db))
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute(f"CREATE TABLE statbank_cell ({CELL_COLUMNS})")
    con.execute("CREATE INDEX ix ON statbank_cell (vintage_id, year, quarter, area_code, basis_id)")
    with open(file, encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter=";")
        next(reader)
        rows = [(1, i, r[3], 0, r[0], r[1], r[2], r[4]) for i, r in enumerate(reader, start=2)]
    with con:
        con.executemany(f"INSERT INTO statbank_cell VALUES ({', '.join('?' * 8)})", rows)
    con.close()


def klagestat_import(file: Path, db: Path) -> None:
    engine = open_database(str(fresh(db)))
    api.import_statbank(engine, [file])
    engine.dispose()


def map_grouping(db: Path) -> list[tuple]:
    """Which legal bases count in which map each year: the catalogue's answer, as rows."""
    engine = open_database(str(db))
    years = list(DEFAULT_YEARS)
    catalogue = load_catalogue()
    with engine.connect() as conn:
        coverage = load_coverage(conn, years, None)
        rows, _ = grouping(coverage, catalogue, years, GroupBy("map", tuple(catalogue.maps)))
    engine.dispose()
    return rows


def single_group_by(db: Path, rows: list[tuple]) -> float:
    """The floor of the recomputation: one GROUP BY giving every municipality × map × year ×
    outcome count, with the map membership already in a table (no intervals, no funnel)."""
    con = sqlite3.connect(db)
    con.execute("CREATE TEMP TABLE map_basis (vintage_id, basis_id, year, grp, law_key)")
    con.executemany("INSERT INTO map_basis VALUES (?, ?, ?, ?, ?)", rows)
    start = time.perf_counter()
    con.execute(
        "SELECT c.year, c.area_code, m.grp, c.outcome, SUM(c.count) FROM map_basis m "
        "JOIN statbank_cell c ON c.vintage_id = m.vintage_id AND c.year = m.year AND c.quarter = 0 "
        "AND c.basis_id = m.basis_id GROUP BY c.year, c.area_code, m.grp, c.outcome"
    ).fetchall()
    elapsed = time.perf_counter() - start
    con.close()
    return elapsed


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="klagestat-bench-"))
    try:
        print(f"# generating the national all-years file in {work}", file=sys.stderr)
        file = write_demo_file(work, DEFAULT_YEARS, seed=DEFAULT_SEED)
        rows = sum(1 for _ in open(file, encoding="utf-8")) - 1

        seconds = best_of(2, lambda: klagestat_import(file, work / "klagestat.db"))
        baseline = best_of(2, lambda: pandas_groupby(file))
        floor = best_of(2, lambda: raw_executemany(file, work / "floor.db"))
        report("import_statbank_national_all_years", seconds, baseline, floor, rows=rows)
        # The analyst's way to the same figures is the same read_csv + groupby: one baseline.

        engine = open_database(str(work / "klagestat.db"))
        years = ",".join(str(y) for y in DEFAULT_YEARS)
        table = api.rates(engine, years)
        seconds = best_of(3, lambda: api.rates(engine, years))
        engine.dispose()
        membership = map_grouping(work / "klagestat.db")
        floor = min(single_group_by(work / "klagestat.db", membership) for _ in range(3))
        report("rates_every_municipality_map_year", seconds, baseline, floor, rows=len(table.rows))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
