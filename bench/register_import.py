"""The register import benchmark: 1,000,000 generated case rows into SQLite.

klagestat (`api.import_cases`: parse, validate, pseudonymise, mask, hash, insert) against the
floor: the same CSV read with csv.reader and its cells inserted by a raw sqlite3 executemany
into the same table and indexes, in one transaction, with no checks at all. klagestat reads and
checks the file on the second core while it inserts (ingest/child_process.py); the floor uses one.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import sqlite3
import time
from pathlib import Path

from klagestat import api
from klagestat.store.database import open_database, sqlite_files
from klagestat.store.register import RECORD_COLUMNS

BASES = ("SEL § 100", "SEL § 85", "Serviceloven § 83", "barnets lov §§ 87-88", "Barnets lov § 32",
         "Aktivloven § 81", "SEL § 112", "Serviceloven § 41", "Pensionsloven § 14", "SEL § 107")
OUTCOMES = ("stadfæstet", "stadfæstet", "stadfæstet", "hjemvist", "hjemvist", "ændret", "afvist", "")
COMMITTEES = ("Børn og Unge", "Social og Sundhed", "Beskæftigelse", "Ældre og Sundhed")
HEADER = ("sags_id", "cpr", "lovgrundlag", "omraade", "afgoerelsesdato", "klagedato", "genvurdering",
          "klageinstans", "videresendt", "instans_afgoerelsesdato", "udfald", "aarsag", "beskrivelse", "laering")


def write_register(path: Path, rows: int, seed: int = 1) -> Path:
    """A register as municipalities export it: ;-separated, dd-mm-yyyy dates, a CPR column."""
    rng = random.Random(seed)
    start = dt.date(2013, 1, 1)
    citizens = [f"{1 + i % 28:02d}{1 + i // 28 % 12:02d}{i % 100:02d}-{1000 + i % 9000:04d}" for i in range(50_000)]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADER)
        for i in range(rows):
            complained = start + dt.timedelta(days=rng.randrange(4700))
            decided = complained - dt.timedelta(days=rng.randrange(3, 30))
            forwarded = complained + dt.timedelta(days=rng.randrange(10, 40))
            outcome = rng.choice(OUTCOMES)
            body = forwarded + dt.timedelta(days=rng.randrange(60, 500)) if outcome else None
            if body and body > dt.date(2025, 12, 31):
                body, outcome = None, ""
            writer.writerow((
                f"S{i:07d}", rng.choice(citizens), rng.choice(BASES), rng.choice(COMMITTEES),
                f"{decided:%d-%m-%Y}", f"{complained:%d-%m-%Y}", "fastholdt", "", f"{forwarded:%d-%m-%Y}",
                f"{body:%d-%m-%Y}" if body else "", outcome,
                "oplysningsgrundlag" if outcome == "hjemvist" else "", "Klage over afgørelse", "",
            ))
    return path


def fresh(path: Path) -> Path:
    for p in sqlite_files(path):
        p.unlink(missing_ok=True)
    return path


def klagestat_import(file: Path, db: Path) -> None:
    os.environ.setdefault("KLAGESTAT_SECRET", "benchmark-secret-0123456789abcdef")
    engine = open_database(str(fresh(db)))
    report = api.import_cases(engine, file, "Allerød")
    engine.dispose()
    assert report.info.rejected_count == 0, report.reject_problems()[:3]


def raw_executemany(file: Path, db: Path) -> None:
    """The floor: the same cells into the same table and indexes, no parsing or checks."""
    engine = open_database(str(fresh(db)))  # the real schema, indexes included
    engine.dispose()
    con = sqlite3.connect(db)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-262144"):  # as klagestat's own
        con.execute(f"PRAGMA {pragma}")
    marks = ", ".join("?" * len(RECORD_COLUMNS))
    sql = f"INSERT INTO case_record ({', '.join(RECORD_COLUMNS)}) VALUES ({marks})"
    with open(file, encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter=";")
        next(reader)
        # municipality, the 18 values (cells as text, law and provision unparsed), version, import, line, hash
        rows = [("201", r[0], r[1], r[2], None, None, r[3], r[4], r[5], r[6], None, "Ankestyrelsen", r[8], r[9],
                 r[10] or None, r[10], r[11], r[12], r[13], 1, 1, i, r[0]) for i, r in enumerate(reader, start=2)]
    with con:
        con.executemany(sql, rows)
    con.close()


def timed(func, *args) -> float:
    start = time.perf_counter()
    func(*args)
    return time.perf_counter() - start
