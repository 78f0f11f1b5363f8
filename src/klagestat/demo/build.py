"""The demo build: generate the synthetic statistics-bank file and population, import them, compute
the summary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

from klagestat import api
from klagestat.analysis.rates import RateTable
from klagestat.api import ImportReport
from klagestat.catalogue import load_catalogue
from klagestat.store.database import database_url, sqlite_files, sqlite_path

from .generator import DEFAULT_SEED, DEFAULT_YEARS, write_demo_file
from .population import write_demo_population
from .register import MUNICIPALITY, demo_register

# The demo's vintage date: fixed, so that a rebuild gives the same database contents.
AS_OF = dt.date(2026, 6, 1)
REGISTER_FILE = "klageregister-allerod.csv"
# The demo's logins to Allerød's case area (demo data only; printed by `klagestat demo`).
DEMO_PASSWORD = "klagestat-demo"
DEMO_USERS = (("analytiker@allerod.demo", "analyst"), ("admin@allerod.demo", "admin"))


def _remove_database(db: str) -> None:
    """Delete an existing demo database (its files and SQLite's side files); it holds only demo data."""
    path = sqlite_path(database_url(db))
    if path is None:
        raise ValueError(f"the demo builds a SQLite file, not {db!r}")
    for p in sqlite_files(path):
        p.unlink(missing_ok=True)


def build_demo(db: str, folder: Path, progress: Callable[[str], None] | None = None) -> RateTable:
    """Build the demo database at `db` from a freshly generated file in `folder`.

    Returns the national summary for 2013-2025 (what `klagestat demo` prints). Re-running gives
    the same result: the file is deterministic and the database is rebuilt from scratch.
    """

    def say(message: str) -> None:
        if progress:
            progress(message)

    _remove_database(db)
    engine = api.open_database(db)
    try:
        report = import_demo_statistics(engine, Path(folder), say)
        say("Genererer et syntetisk klageregister for Allerød")
        register = Path(folder) / REGISTER_FILE
        with engine.connect() as conn:
            demo_register(conn, load_catalogue(), report.vintage.id, register)
        api.import_cases(engine, register, MUNICIPALITY, synthetic=True)
        for email, role in DEMO_USERS:
            api.add_user(engine, email, MUNICIPALITY, role, DEMO_PASSWORD)
        say("Beregner")
        return api.rates(engine, years=",".join(str(y) for y in DEFAULT_YEARS), national_only=True)
    finally:
        engine.dispose()


def import_demo_statistics(engine: Engine, folder: Path, say: Callable[[str], None] = lambda _: None) -> ImportReport:
    """The demo's public part, on any database: its statistics and population, generated in
    `folder` and imported as synthetic (the statistics' import report)."""
    say("Genererer syntetiske statistikbanktal")
    path = write_demo_file(folder, DEFAULT_YEARS, seed=DEFAULT_SEED)
    say("Importerer")
    [report] = api.import_statbank(engine, [path], as_of=AS_OF, synthetic=True)
    say("Genererer et syntetisk folketal")
    api.import_population(engine, [write_demo_population(folder, DEFAULT_YEARS)], as_of=AS_OF, synthetic=True)
    return report
