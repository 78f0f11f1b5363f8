"""An import killed half-way leaves the database as it was.

A statistics-bank file of a million cells (every municipality, 40 provisions, four outcomes,
every quarter and year 2013-2025) takes the importer a few seconds to write. The test starts the
real command, waits until the database shows it is writing (SQLite: the write-ahead log grows;
PostgreSQL: the cell table's files grow, uncommitted), kills it with SIGKILL (no clean-up
handlers run), and checks that the database holds exactly what it held before. Then it imports
the same file to the end and checks it is there once. It runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import (
    BASELINE_FIGURES,
    OUTCOMES,
    db_count,
    dump_db,
    is_postgres,
    municipality_names,
    popen_cli,
    rates_json,
    run_cli,
)

YEARS = range(2013, 2026)
LAWS = {"1 Serviceloven": ("1", 30), "2 Barnets lov": ("2", 10)}  # 40 provisions in all
WRITE_STARTED = 4 * 1024 * 1024  # bytes written (SQLite's -wal file, PostgreSQL's cell table) that show it
START_TIMEOUT = 60  # seconds to wait for the import to start writing


def _provisions() -> dict[str, list[str]]:
    out = {}
    for law, (prefix, n) in LAWS.items():
        # A numeric prefix under the law row and a paragraph of its own: "1.7 Ydelse 7 - § 207".
        out[law] = [f"{prefix}.{i} Ydelse {i} - § {200 + i}" for i in range(1, n + 1)]
    return out


def _periods(year: int) -> list[int]:
    return [2, 3, 4] if year == 2013 else [1, 2, 3, 4]


def write_big_statbank_csv(path: Path) -> int:
    """A valid ANKEAST2-like file: year rows are the sums of their quarters, law rows the sums of
    their provisions. Returns the number of cells (lines after the header)."""
    areas = municipality_names() + ["Hele landet"]
    provisions = _provisions()
    n = 0
    with path.open("w", encoding="utf-8", newline="\n") as f:
        f.write("OMRÅDE;LOVGRUNDLAG;AFGØRELSE;TID;INDHOLD\n")
        for a, area in enumerate(areas):
            lines = []
            for year in YEARS:
                quarters = _periods(year)
                for law, labels in provisions.items():
                    # counts[label][outcome][quarter]
                    counts = {
                        label: [[(a * 7 + p * 3 + o * 5 + q + year) % 11 for q in quarters] for o in range(4)]
                        for p, label in enumerate(labels)
                    }
                    for qi, q in enumerate(quarters + [0]):
                        period = f"{year}K{q}" if q else str(year)

                        def value(label, o):
                            c = counts[label][o]
                            return c[qi] if q else sum(c)

                        for o, outcome in enumerate(OUTCOMES):
                            lines.append(f"{area};{law};{outcome};{period};{sum(value(lb, o) for lb in labels)}\n")
                            for label in labels:
                                lines.append(f"{area};{label};{outcome};{period};{value(label, o)}\n")
            f.writelines(lines)
            n += len(lines)
    return n


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> tuple[Path, int]:
    path = tmp_path_factory.mktemp("big") / "ankeast2-alle-kommuner.csv"
    cells = write_big_statbank_csv(path)
    assert cells >= 1_000_000
    return path, cells


def _written(db: str) -> Callable[[], int]:
    """How many bytes the database has written since now, uncommitted ones included."""
    if is_postgres(db):
        def cell_table() -> int:
            return db_count(db, "SELECT pg_total_relation_size('statbank_cell')")
        start = cell_table()
        return lambda: cell_table() - start
    wal = Path(db + "-wal")
    start = wal.stat().st_size if wal.exists() else 0
    return lambda: (wal.stat().st_size if wal.exists() else 0) - start


def test_an_import_killed_half_way_leaves_the_database_as_it_was(baseline_database, big_file):
    big, cells = big_file
    db = baseline_database
    before = dump_db(db)
    rates_before = rates_json(db, "--year", "2024")
    assert db_count(db, "SELECT count(*) FROM vintage") == 1

    written = _written(db)
    proc = popen_cli("import", "statbank", big, db=db)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if written() > WRITE_STARTED:
                break
            if proc.poll() is not None:
                out, err = proc.communicate()
                pytest.fail(f"the import ended (exit {proc.returncode}) before it was seen writing; "
                            f"make the file bigger.\n{out.decode()}\n{err.decode()}")
            if time.monotonic() > deadline:
                pytest.fail(f"the import did not start writing within {START_TIMEOUT} s")
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the import finished before it was killed"

    # Nothing of the killed import is visible: no vintage, no cells, no slots.
    assert dump_db(db) == before
    assert rates_json(db, "--year", "2024") == rates_before

    # The same file imports to the end afterwards, once.
    result = run_cli("import", "statbank", big, "--as-of", "2025-06-01", db=db, timeout=300)
    assert result.code == 0, str(result)
    assert db_count(db, "SELECT count(*) FROM vintage") == 2
    assert db_count(db, "SELECT cell_count FROM vintage WHERE as_of = '2025-06-01'") == cells
    assert db_count(db, "SELECT count(*) FROM statbank_cell WHERE line IS NOT NULL AND vintage_id = "
                        "(SELECT id FROM vintage WHERE as_of = '2025-06-01')") == cells

    # The older import is still there, under the newer one.
    older = rates_json(db, "--year", "2024", "--as-of", "2025-03-01", "--municipality", "Allerød",
                       "--map", "adult-disability")
    allerod = [r for r in older if r["municipality_code"] == "201"][0]
    expected = BASELINE_FIGURES["Allerød"]["1.2 Voksne - merudgifter - § 100"]
    assert (allerod["upheld"], allerod["changed"], allerod["remitted"], allerod["dismissed"]) == expected
