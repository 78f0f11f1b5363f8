"""`make bench`: klagestat's speed next to a baseline and a floor measured in the same run.

Each benchmark prints one JSON line:
    {"benchmark": NAME, "seconds": S, "baseline_seconds": B, "floor_seconds": F, "ratio_to_floor": S/F}
- seconds: klagestat doing the job;
- baseline: what an analyst would otherwise do with the same file (pandas read_csv + groupby);
- floor: the least work that can give the answer (a raw sqlite3 executemany of the same rows;
  a single SQL GROUP BY).
The register analyses (`register_*`, and `register_plan_effect_10_initiatives`: an action plan of
10 initiatives against every municipality's register) also carry "budget_seconds" (1.0: each
analysis of every municipality over 13 years must stay within it), "within_budget" and "cases"; their baseline is
loading the whole register into pandas, their floor one pass over the table.
`report_danmarkskort_all_municipalities_docx` (bench/reports.py) writes the 98 municipalities'
committee cases for one year as Word files, against a 60-second budget ("budget_seconds",
"within_budget"); its baseline and floor are described in the line ("baseline_note", "floor_note").
`import_talportal_csv_national_all_years` (bench/talportal_import.py): the same counts as the
Talportal's CSV, against the statistics-bank import of them (baseline) and the same floor.
`web_map_and_profile_32_clients` (bench/web_load.py) loads `klagestat serve` with 32 clients on the
map and profile pages: latency percentiles against a floor (a static file, same client, same server)
and a 50 ms p95 budget.
`case_area_during_1m_register_import` and `export_cases_1m_rows_{csv,xlsx}` (bench/case_area_load.py):
page views and logins while a million-row register is imported (errors: goal 0), and exports of
the whole register (the server's peak memory against an export of no rows: goal under 2×).
`cli_help` and `cli_rates_one_municipality` (bench/cli_start.py): how long a command waits before it
answers (goals 0.3 s and 1 s), against starting Python at all (the floor).
`web_profile_first_request_after_*` (bench/first_request.py): a profile requested right after a
register import and two statistics imports while `klagestat serve` runs (goal 0.5 s), next to the
same profile from memory (baseline) and a static file (floor).
`check_committee_case_docx` / `_pdf` (bench/check_text.py): `klagestat check` of a committee case of
about 20 pages (goal: seconds), next to reading its text alone (the floor; no tool is a baseline).
`web_nginx_tls_2_workers_postgresql_32_clients` (bench/proxy_load.py): the same load through nginx
with TLS to `klagestat serve --workers 2` on PostgreSQL, next to one worker on SQLite without a
proxy (baseline) and a static file through nginx (floor); p95 and requests per second of both, goal
p95 under 50 ms with 0 errors.
The machine is noisy, so each figure is the best of a few runs and only the ratios mean much.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import case_area_load  # bench/case_area_load.py, beside this file
import check_text  # bench/check_text.py
import cli_start  # bench/cli_start.py
import first_request  # bench/first_request.py
import proxy_load  # bench/proxy_load.py
import register_import  # bench/register_import.py
import reports  # bench/reports.py
import talportal_import  # bench/talportal_import.py
import web_load  # bench/web_load.py
from klagestat import api
from klagestat.analysis import register as register_analysis
from klagestat.analysis.figures import GroupBy, grouping, load_coverage
from klagestat.analysis.plan_effect import plan_effect
from klagestat.catalogue import load_catalogue
from klagestat.demo.generator import DEFAULT_SEED, DEFAULT_YEARS, write_demo_file
from klagestat.store.database import open_database, sqlite_files
from klagestat.store.register import insert_cases
from timing import best_of  # bench/timing.py

CELL_COLUMNS = "vintage_id, line, year, quarter, area_code, basis_id, outcome, count"


def fresh(path: Path) -> Path:
    for p in sqlite_files(path):
        p.unlink(missing_ok=True)
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


# ---- the complaint register ---------------------------------------------------------------------

REGISTER_CASES = 400_000
REGISTER_YEARS = list(range(2013, 2026))  # 13 years of decisions by the complaint bodies
REGISTER_BUDGET = 1.0  # seconds per analysis, all municipalities, all years
REGISTER_TODAY = dt.date(2025, 12, 31)  # cases not decided by then are pending
COMMITTEES = ("Børne- og Ungeudvalget", "Social- og Sundhedsudvalget", "Ældreudvalget", "Beskæftigelsesudvalget",
              "Økonomiudvalget")
OTHER_BODIES = ("Klagenævnet for Specialundervisning", "Styrelsen for Patientklager", "Folketingets Ombudsmand")
REASONS = ("oplysningsgrundlag", "begrundelse", "partshoering", "materiel", "ny_praksis", "nye_oplysninger", "andet")


def register_rows(count: int = REGISTER_CASES, seed: int = 7):
    """A national register of `count` complaint cases over 13 years, in RECORD_COLUMNS order: all
    98 municipalities (by population), a realistic mix of provisions, reassessments, complaint
    bodies and outcomes, citizens with repeat complaints, and the newest cases still pending."""
    rng = np.random.default_rng(seed)
    catalogue = load_catalogue()
    codes = sorted(catalogue.municipalities)
    population = np.array([max(catalogue.municipalities[c].population, 1) for c in codes], dtype=float)
    municipality = rng.choice(len(codes), size=count, p=population / population.sum())
    # Citizens: most complain once; a fifth of the cases come from a small pool per municipality,
    # so some citizens complain again and again (one municipality saw 16 cases from 3 citizens).
    repeat = rng.random(count) < 0.2
    citizen = np.where(repeat, rng.integers(0, 300, size=count), rng.integers(1_000, 10**9, size=count))
    no_citizen = rng.random(count) < 0.08
    keys = list(catalogue.provisions)
    weights = rng.pareto(1.2, size=len(keys)) + 0.2
    provision = rng.choice(len(keys), size=count, p=weights / weights.sum())
    basis_kind = rng.choice(3, size=count, p=[0.9, 0.07, 0.03])  # provision, law only, typed text only
    committee = rng.choice(len(COMMITTEES) + 1, size=count, p=[0.3, 0.3, 0.2, 0.1, 0.05, 0.05])
    first_day = dt.date(REGISTER_YEARS[0] - 1, 6, 1).toordinal()
    last_day = dt.date(REGISTER_YEARS[-1], 12, 1).toordinal()
    decided_on = rng.integers(first_day, last_day, size=count)
    complained_on = decided_on + rng.integers(3, 29, size=count)
    reassessment = rng.choice(4, size=count, p=[0.78, 0.05, 0.09, 0.08])  # upheld, partly, reversed, not recorded
    reassessed_on = complained_on + rng.integers(5, 45, size=count)
    forwarded_on = reassessed_on + rng.integers(1, 10, size=count)
    body = rng.choice(len(OTHER_BODIES) + 1, size=count, p=[0.9, 0.05, 0.03, 0.02])
    body_decided_on = forwarded_on + rng.gamma(3.0, 80.0, size=count).astype(np.int64) + 20
    outcome = rng.choice(4, size=count, p=[0.55, 0.08, 0.30, 0.07])
    reason_count = rng.choice(3, size=count, p=[0.15, 0.6, 0.25])
    reason_pick = rng.integers(0, len(REASONS), size=(count, 2))
    today = REGISTER_TODAY.toordinal()
    outcomes = ("upheld", "changed", "remitted", "dismissed")
    labels = {"upheld": "stadfæstet", "changed": "ændret", "remitted": "hjemvist", "dismissed": "afvist", None: None}
    results = ("upheld", "partly", "reversed", None)
    day = dt.date.fromordinal
    for i in range(count):
        code = codes[municipality[i]]
        key = keys[provision[i]]
        law_id = key.split(":")[0]
        law = catalogue.laws[law_id].name
        kind = basis_kind[i]
        paragraph = key.split(":")[1].replace("+", " og ")
        typed = f"{law} § {paragraph}" if kind != 2 else f"Paragraf {paragraph} (ukendt lov)"
        reassessed = results[reassessment[i]]
        forwarded = reassessed != "reversed" and complained_on[i] + 40 < today
        decided = forwarded and body_decided_on[i] <= today
        result = outcomes[outcome[i]] if decided else None
        reasons = None
        if result in ("changed", "remitted") and reason_count[i]:
            reasons = ";".join(dict.fromkeys(REASONS[r] for r in reason_pick[i, :reason_count[i]]))
        yield (
            code, f"S{i:07d}", None if no_citizen[i] else f"c{code}-{citizen[i]}", typed,
            law_id if kind != 2 else None, key if kind == 0 else None,
            COMMITTEES[committee[i]] if committee[i] < len(COMMITTEES) else None,
            day(decided_on[i]), day(complained_on[i]),
            reassessed, day(reassessed_on[i]) if reassessed else None,
            "Ankestyrelsen" if body[i] == 0 else OTHER_BODIES[body[i] - 1],
            day(forwarded_on[i]) if forwarded else None, day(body_decided_on[i]) if decided else None,
            result, labels[result], reasons, None, None, 1, 1, i + 2, f"{i:064x}",
        )


def build_register(db: Path, count: int = REGISTER_CASES) -> None:
    engine = open_database(str(fresh(db)))
    with engine.begin() as conn:
        insert_cases(conn, register_rows(count))
    engine.dispose()


def register_benchmarks(db: Path) -> None:
    """Each register analysis over every municipality and all 13 years, against the 1-second budget.
    Baseline: loading the whole register into pandas (where an analyst would start); floor: one
    pass over the table in SQLite."""
    print(f"# building a register of {REGISTER_CASES:,} cases in {db}", file=sys.stderr)
    build_register(db)
    con = sqlite3.connect(db)
    floor = best_of(3, lambda: con.execute(
        "SELECT COUNT(*), MAX(body_decision_date), MAX(complaint_date) FROM case_record").fetchall())
    baseline = best_of(2, lambda: pd.read_sql("SELECT * FROM case_record", con))
    con.close()
    engine = open_database(str(db))
    runs = {
        "decision_years": lambda c: register_analysis.decision_years(c, None, REGISTER_YEARS),
        "durations": lambda c: register_analysis.durations(c, None, REGISTER_YEARS),
        "reassessment": lambda c: register_analysis.reassessment(c, None, REGISTER_YEARS),
        "repeat_complainants": lambda c: register_analysis.repeat_complainants(c, None, REGISTER_YEARS),
        "reversal_reasons": lambda c: register_analysis.reversal_reasons(c, None, REGISTER_YEARS),
        "clusters": lambda c: register_analysis.clusters(c, None, REGISTER_YEARS),
        "pending": lambda c: register_analysis.pending(c, None, REGISTER_YEARS, REGISTER_TODAY),
        "per_thousand": lambda c: register_analysis.per_thousand(c, None, REGISTER_YEARS, _bench_decisions()),
        "plan_effect_10_initiatives": lambda c: plan_effect(c, catalogue, None, plan),
    }
    catalogue, plan = load_catalogue(), _bench_plan()
    with engine.connect() as conn:
        for name, run in runs.items():
            seconds = best_of(3, lambda: run(conn))
            report(f"register_{name}", seconds, baseline, floor, budget_seconds=REGISTER_BUDGET,
                   within_budget=seconds <= REGISTER_BUDGET, cases=REGISTER_CASES)
    engine.dispose()


def _bench_plan():
    """An action plan of 10 initiatives on provisions and laws the register has, starting 2020-2024."""
    from klagestat.domain.plan import Initiative, Plan

    targets = (("SEL § 100",), ("SEL § 85",), ("Barnets lov §§ 87-88",), ("SEL § 83",), ("SEL § 41",),
               ("Serviceloven",), ("Barnets lov",), ("SEL § 107", "SEL § 108"), ("aktivloven",), ())
    return Plan("Benchmark", initiatives=tuple(
        Initiative(f"Initiativ {i + 1}", start=dt.date(2020 + i % 5, 1 + i, 1), provisions=provisions)
        for i, provisions in enumerate(targets)))


def _bench_decisions():
    """Numbers of decisions per committee and year, as a user's decisions file gives them."""
    from klagestat.ingest.decisions_file import DecisionCount, DecisionsFile

    rows = [DecisionCount(area, year, 50_000, line) for line, (area, year) in enumerate(
        ((a, y) for a in (*COMMITTEES, "I alt") for y in REGISTER_YEARS), start=2)]
    return DecisionsFile("afgoerelser.csv", tuple(rows), "UTF-8")


REGISTER_IMPORT_ROWS = 1_000_000


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

        # The same counts as the Talportal's CSV: against the statistics-bank import (the
        # baseline) and the same floor, the raw insert of the counts.
        talportal = work / "talportal.csv"
        talportal_rows = talportal_import.write_talportal(file, talportal)
        statbank_seconds = seconds
        seconds = best_of(2, lambda: klagestat_import(talportal, work / "talportal.db"))
        report("import_talportal_csv_national_all_years", seconds, statbank_seconds, floor, rows=talportal_rows,
               baseline_note="the statistics-bank import of the same counts", target_ratio_to_floor=2)

        engine = open_database(str(work / "klagestat.db"))
        years = ",".join(str(y) for y in DEFAULT_YEARS)
        table = api.rates(engine, years)
        seconds = best_of(3, lambda: api.rates(engine, years))
        engine.dispose()
        membership = map_grouping(work / "klagestat.db")
        floor = min(single_group_by(work / "klagestat.db", membership) for _ in range(3))
        report("rates_every_municipality_map_year", seconds, baseline, floor, rows=len(table.rows))

        register_benchmarks(work / "register.db")

        # The register import: 1,000,000 case rows, against a raw executemany of the same cells.
        print("# generating a 1,000,000-row register", file=sys.stderr)
        register = register_import.write_register(work / "register.csv", REGISTER_IMPORT_ROWS)
        seconds = register_import.timed(register_import.klagestat_import, register, work / "cases.db")
        floor = register_import.timed(register_import.raw_executemany, register, work / "cases-floor.db")
        baseline = best_of(1, lambda: pd.read_csv(register, sep=";", dtype=str, keep_default_na=False))
        report("import_cases_1m_rows", seconds, baseline, floor, rows=REGISTER_IMPORT_ROWS,
               rows_per_second=round(REGISTER_IMPORT_ROWS / seconds), target_rows_per_second=50_000,
               target_ratio_to_floor=2)
        print("# the case area during a 1,000,000-row import, and exports of the whole register", file=sys.stderr)
        case_area_load.run(work, register, work / "cases.db", REGISTER_IMPORT_ROWS)

        reports.danmarkskort_benchmark(work / "reports", report)

        check_text.check_benchmark(work / "check", report)

        cli_start.run(work / "cli", report)

        first_request.run(work / "first-request", report)

        web_load.main(work / "web")

        proxy_load.main(work / "proxy")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
