"""Shared helpers for the tests: real files, real databases (SQLite and PostgreSQL), the real
command line.

Nothing here mocks klagestat. Tests write statistics-bank files the way users get them
(semicolon CSV in the encodings Windows tools write, JSON-stat), run the installed `klagestat`
command as a subprocess and read the database it wrote.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tomllib
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import Connection, Engine, MetaData, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from klagestat.store.database import access_file, sqlite_files
from klagestat.store.schema import ACCESS

# CI shares two cores with other work: a slow example is not a failure, so no per-example deadline.
settings.register_profile("klagestat", deadline=None)
settings.load_profile("klagestat")

pytest_plugins = ["browser"]  # the browser tests' fixtures (tests/browser.py)

# ---- the command line ---------------------------------------------------------------------------

_SCRIPT = Path(sys.executable).parent / "klagestat"
# The console script the venv installs is what users run; fall back to the module if it's missing.
KLAGESTAT = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "klagestat.cli"]


@dataclass(frozen=True)
class CliResult:
    code: int
    stdout: str
    stderr: str

    @property
    def out(self) -> str:
        """stdout with runs of whitespace collapsed (Rich may wrap long lines)."""
        return squash(self.stdout)

    @property
    def err(self) -> str:
        """stderr with runs of whitespace collapsed (Rich may wrap long lines)."""
        return squash(self.stderr)

    def __str__(self) -> str:  # shown by pytest when an assertion on a result fails
        return f"exit {self.code}\n--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"


def _cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("KLAGESTAT_DB", None)  # a developer's own database must never be touched
    return env


def cli_command(*args: str | os.PathLike, db: str | os.PathLike | None = None) -> list[str]:
    cmd = [*KLAGESTAT, *map(str, args)]
    if db is not None:
        cmd += ["--db", str(db)]
    return cmd


def run_cli(*args: str | os.PathLike, db: str | os.PathLike | None = None,
            cwd: str | os.PathLike | None = None, timeout: float = 180) -> CliResult:
    """Run `klagestat ARGS [--db DB]` and return exit code, stdout and stderr (as text)."""
    proc = subprocess.run(
        cli_command(*args, db=db), capture_output=True, cwd=cwd, env=_cli_env(), timeout=timeout,
    )
    return CliResult(proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"))


def popen_cli(*args: str | os.PathLike, db: str | os.PathLike | None = None,
              cwd: str | os.PathLike | None = None) -> subprocess.Popen:
    """Start `klagestat ARGS [--db DB]` without waiting for it."""
    return subprocess.Popen(
        cli_command(*args, db=db), stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, env=_cli_env(),
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (the kernel's pick for port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def problem_lines(result: CliResult, file: str | os.PathLike) -> list[str]:
    """The problems an import printed for FILE, one string each ("FILE, linje 3, kolonne …: …")."""
    name = str(file)
    parts = result.err.split(f"- {name}")
    return [name + p for p in parts[1:]]


def assert_problem(result: CliResult, file: str | os.PathLike, *, line: int | None = None,
                   column: str | None = None, value: str | None = None, says: str | None = None,
                   position: str = "linje") -> str:
    """Assert that one problem names FILE and the given line, column and value; return it."""
    candidates = problem_lines(result, file)
    assert candidates, f"no problem names the file {file}:\n{result}"
    wanted = []
    if line is not None:
        wanted.append(f"{position} {line}")
    if column is not None:
        wanted.append(f"kolonne {column}")
    if value is not None:
        wanted.append(f"(værdi: {value!r})")
    for p in candidates:
        # "FILE, linje 3, kolonne INDHOLD (værdi: '3,5'): message"
        if value is not None:
            marker = f" (værdi: {value!r}): "
            if marker not in p:
                continue
            place = p.split(marker, 1)[0]
        else:
            place = re.split(r" \(værdi: |: ", p, maxsplit=1)[0]
        if line is not None and not re.search(rf"(^|, ){re.escape(position)} {line}(,|$)", place):
            continue
        if column is not None and not re.search(rf"(^|, )kolonne {re.escape(column)}(,|$)", place):
            continue
        if says is not None and says.lower() not in p.lower():
            continue
        return p
    raise AssertionError(
        f"no problem with {wanted} {('saying ' + repr(says)) if says else ''} in:\n{result}"
    )


# ---- statistics-bank files ----------------------------------------------------------------------

HEADER = ("OMRÅDE", "LOVGRUNDLAG", "AFGØRELSE", "TID", "INDHOLD")
OUTCOMES = ("Stadfæstet", "Ændret/ophævet", "Hjemvist", "Afvist/henvist")
TOTAL_OUTCOME = "I alt"
NA = ".."

# The law-level row each numeric prefix belongs to.
LAW_ROWS = {"1": "1 Serviceloven", "2": "2 Barnets lov"}

# Provisions used by most tests, with the maps they belong to in 2024 (maps.toml).
P41 = "1.1 Børn - merudgifter - § 41"  # child-disability (old serviceloven provision), social
P100 = "1.2 Voksne - merudgifter - § 100"  # adult-disability, social
P85 = "1.3 Voksne - socialpædagogisk støtte - § 85"  # social only
P87 = "2.1 Tabt arbejdsfortjeneste - §§ 87-88"  # child-disability, social
P32 = "2.2 Støttende indsatser - § 32"  # social only
PROVISION_MAPS = {
    P41: {"social", "child-disability"},
    P100: {"social", "adult-disability"},
    P85: {"social"},
    P87: {"social", "child-disability"},
    P32: {"social"},
}
MAPS = ("social", "child-disability", "adult-disability")


def write_statbank_csv(path: Path, rows, *, encoding: str = "utf-8", header=HEADER, delimiter: str = ";",
                       newline: str = "\n", bom: bool = False) -> Path:
    """Write a statistics-bank CSV: a header and one line per row, in the given encoding.

    Values are written as given (ints become text; None becomes '..'), so a test can write any
    bad value it likes. `bom=True` writes UTF-8 with a byte-order mark as Excel does.
    """
    lines = []
    if header is not None:
        lines.append(delimiter.join(header))
    for row in rows:
        lines.append(delimiter.join(NA if v is None else str(v) for v in row))
    text = newline.join(lines) + newline
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return path


def law_of(provision: str) -> str:
    return LAW_ROWS[provision.split(".", 1)[0]]


def statbank_rows(figures: dict, period: str = "2024", *, law_rows: bool = True,
                  outcome_totals: bool = True) -> list[tuple]:
    """Rows of a consistent statistics-bank table.

    figures: {area label: {provision label: (upheld, changed, remitted, dismissed)}}; a count
    may be None for '..'. Law rows ("1 Serviceloven") are the sums of their provisions (of the
    known ones where a provision is '..'), "I alt" rows the sums of the four outcomes ('..' when
    one of them is).
    """
    rows = []
    for area, provisions in figures.items():
        laws: dict[str, list] = {}
        for label, counts in provisions.items():
            laws.setdefault(law_of(label), []).append(counts)
        for law, parts in laws.items():
            if law_rows:
                sums = [sum(p[i] for p in parts if p[i] is not None) for i in range(4)]
                rows += _outcome_rows(area, law, period, sums, outcome_totals)
            for label, counts in provisions.items():
                if law_of(label) == law:
                    rows += _outcome_rows(area, label, period, counts, outcome_totals)
    return rows


def _outcome_rows(area, basis, period, counts, outcome_totals) -> list[tuple]:
    rows = [(area, basis, o, period, c) for o, c in zip(OUTCOMES, counts)]
    if outcome_totals:
        total = None if any(c is None for c in counts) else sum(counts)
        rows.append((area, basis, TOTAL_OUTCOME, period, total))
    return rows


def map_counts(provisions: dict, map_code: str) -> dict:
    """Expected outcome counts of one area's map from its provisions (None if any is '..')."""
    parts = [c for label, c in provisions.items() if map_code in PROVISION_MAPS[label]]
    if any(v is None for c in parts for v in c):
        return {"upheld": None, "changed": None, "remitted": None, "dismissed": None}
    u, c, r, d = (sum(p[i] for p in parts) for i in range(4))
    return {"upheld": u, "changed": c, "remitted": r, "dismissed": d}


def rate_of(counts: dict) -> float | None:
    if counts["upheld"] is None:
        return None
    merits = counts["upheld"] + counts["changed"] + counts["remitted"]
    return None if merits == 0 else (counts["changed"] + counts["remitted"]) / merits


# The database every bad-input test starts from: one good import of these figures for 2024.
BASELINE_FIGURES = {
    "Allerød": {P41: (5, 1, 2, 1), P100: (6, 0, 4, 0), P85: (10, 2, 3, 1), P87: (3, 1, 4, 0), P32: (7, 0, 1, 2)},
    "Ærø": {P41: (1, 0, 1, 0), P100: (2, 1, 0, 0), P85: (4, 0, 2, 0), P87: (1, 0, 0, 1), P32: (2, 1, 0, 0)},
    "Hele landet": {P41: (900, 120, 610, 80), P100: (1200, 90, 720, 60), P85: (2500, 300, 900, 200),
                    P87: (700, 100, 650, 40), P32: (1800, 150, 600, 120)},
}
BASELINE_AS_OF = "2025-03-01"
BASELINE_FILE = "ankeast1-2024.csv"


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """The demo database (synthetic statistics for all 98 municipalities 2013–2025 and Allerød's
    register), built once for the tests that only read it; a test that writes copies it first."""
    from klagestat.demo.build import build_demo

    folder = tmp_path_factory.mktemp("demo")
    db = folder / "klagestat-demo.db"
    build_demo(str(db), folder, progress=lambda _: None)
    return db


@pytest.fixture(autouse=True)
def no_real_secret(tmp_path_factory, monkeypatch):
    """No test reads or creates a developer's real pseudonym key (~/.config/klagestat/secret):
    every test has a config folder of its own, unless it sets one itself."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
    monkeypatch.delenv("KLAGESTAT_SECRET", raising=False)
    monkeypatch.delenv("KLAGESTAT_SECRET_FILE", raising=False)


# ---- the database ---------------------------------------------------------------------------------
# The store and import tests take their database from the fixtures below and so run twice: on a
# SQLite file and on PostgreSQL. PostgreSQL needs a server: KLAGESTAT_TEST_PG names one (a database on it that the tests may connect to, as a user
# that may create databases); each test gets a database of its own there, dropped afterwards.
# Without KLAGESTAT_TEST_PG the PostgreSQL tests are skipped, saying why. .ci/run sets it.

PG_ENV = "KLAGESTAT_TEST_PG"
BACKENDS = ("sqlite", "postgresql")


def is_postgres(db: str | os.PathLike) -> bool:
    return str(db).startswith(("postgresql://", "postgres://"))


def _engine(db: str | os.PathLike, **kwargs) -> Engine:
    """An engine for a database path or URL as klagestat reads `--db` (no migration, no pool)."""
    from klagestat.store.database import database_url, make_engine

    return make_engine(database_url(str(db)), poolclass=NullPool, **kwargs)


@contextmanager
def _connect(db: str | os.PathLike) -> Iterator[Connection]:
    engine = _engine(db)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def _named(sql: str, args: tuple) -> tuple[str, dict]:
    """SQL with `?` parameters (as the tests once wrote for sqlite3) as named ones for text()."""
    parts = sql.split("?")
    if len(parts) - 1 != len(args):
        raise ValueError(f"{len(parts) - 1} '?' in {sql!r}, {len(args)} values")
    named = parts[0] + "".join(f":p{i}{part}" for i, part in enumerate(parts[1:]))
    return named, {f"p{i}": v for i, v in enumerate(args)}


def dump_db(db: str | os.PathLike) -> dict[str, list[tuple]]:
    """Every row of every table but alembic_version, sorted: equal dumps mean nothing changed.

    Comparable between two dumps of the same database (SQLite or PostgreSQL), not across the two.
    """
    with _connect(db) as conn:
        tables = MetaData()
        tables.reflect(conn)
        if conn.dialect.name == "sqlite":  # the users, sessions and audit log beside it
            tables.reflect(conn, schema=ACCESS)
        return {name: sorted((tuple(r) for r in conn.execute(select(t))), key=repr)
                for name, t in sorted(tables.tables.items()) if name != "alembic_version"}


def db_rows(db: str | os.PathLike, sql: str, *args, **params) -> list[tuple]:
    """The rows of a query: `?` parameters (positional) or `:name` ones (keywords)."""
    if args:
        sql, params = _named(sql, args)
    with _connect(db) as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def db_count(db: str | os.PathLike, sql: str, *args, **params) -> int:
    """The first value of the first row of a query (a count, mostly)."""
    return db_rows(db, sql, *args, **params)[0][0]


def checkpoint(db: str | os.PathLike) -> None:
    """Fold SQLite's write-ahead log into the database file, so the file alone holds everything.
    (PostgreSQL: nothing to do; its files are not copied.)"""
    if is_postgres(db):
        return
    for path in (Path(db), access_file(Path(db))):
        con = sqlite3.connect(str(path))
        try:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            con.close()


def copy_db(source: str | os.PathLike, target: str | os.PathLike):
    """Copy a database: SQLite files (with their WAL files) or, on PostgreSQL, a database
    created from the source as its template (the target URL names the new database, which must
    not exist; nobody may be connected to the source)."""
    if is_postgres(source):
        name = make_url(str(target)).database
        _admin_execute(str(source), f'CREATE DATABASE "{name}" TEMPLATE "{make_url(str(source)).database}"')
        return target
    for s, t in zip(sqlite_files(Path(source)), sqlite_files(Path(target)), strict=True):
        if s.exists():
            shutil.copyfile(s, t)
    return Path(target)


def _admin_execute(url: str, *statements: str) -> None:
    """Statements that must run outside a transaction (CREATE/DROP DATABASE)."""
    engine = _engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


_pg_problem: dict[str, str | None] = {}  # URL -> why it cannot be used (None: it can), asked once


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def pg_server() -> str:
    """The URL in KLAGESTAT_TEST_PG, or skip the test saying why PostgreSQL cannot be used."""
    url = os.environ.get(PG_ENV, "").strip()
    if not url:
        pytest.skip(f"PostgreSQL: no server given (set {PG_ENV}=postgresql://USER@HOST:PORT/DATABASE "
                    "to run the tests on PostgreSQL too; .ci/run starts one)")
    if url not in _pg_problem:
        try:
            engine = _engine(url, connect_args={"connect_timeout": 5})
            try:
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
            finally:
                engine.dispose()
            _pg_problem[url] = None
        except Exception as e:  # noqa: BLE001 - any failure to connect means: skip, saying why
            _pg_problem[url] = " ".join(str(getattr(e, "orig", None) or e).split())
    if _pg_problem[url] is not None:
        pytest.skip(f"PostgreSQL: cannot connect to {_shown(url)}: {_pg_problem[url]} "
                    f"(set {PG_ENV} to a server that accepts connections)")
    return url


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """A new, empty PostgreSQL database on the KLAGESTAT_TEST_PG server, dropped afterwards."""
    server = pg_server()
    name = f"klagestat_t_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    _admin_execute(server, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        _admin_execute(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS, ids=BACKENDS)
def make_database(request, tmp_path) -> Iterator[Callable[[], str]]:
    """Makes new, empty databases on one backend (the test runs once for each): a SQLite path
    in tmp_path (the file is not created yet) or a PostgreSQL URL of a database of its own."""
    if request.param == "postgresql":
        pg_server()  # skip now, before the test starts, when there is no server
    made: list[str] = []
    with ExitStack() as stack:
        def make() -> str:
            if request.param == "sqlite":
                db = str(tmp_path / ("klagestat.db" if not made else f"klagestat-{len(made) + 1}.db"))
            else:
                db = stack.enter_context(fresh_pg_database())
            made.append(db)
            return db

        yield make


@pytest.fixture
def database(make_database) -> str:
    """An empty database, once on SQLite and once on PostgreSQL: a path (not yet created) or a
    postgresql:// URL. klagestat creates the schema on first use."""
    return make_database()


@pytest.fixture
def baseline_database(database, baseline_template) -> str:
    """A database holding one good import (BASELINE_FIGURES, 2024, as of 2025-03-01), once on
    SQLite (a copy of the template file) and once on PostgreSQL (the same file imported)."""
    if not is_postgres(database):
        copy_db(baseline_template, database)
        return database
    from klagestat import api

    engine = api.open_database(database)
    try:
        api.import_statbank(engine, [baseline_template.parent / BASELINE_FILE],
                            as_of=dt.date.fromisoformat(BASELINE_AS_OF))
    finally:
        engine.dispose()
    return database


def rates_json(db, *args: str) -> list[dict]:
    result = run_cli("rates", *args, "--format", "json", db=db)
    assert result.code == 0, str(result)
    return json.loads(result.stdout)


def rate_row(rows: list[dict], code: str, map_code: str | None = None, group: str | None = None) -> dict:
    found = [r for r in rows if r["municipality_code"] == code
             and (map_code is None or r["map"] == map_code) and (group is None or r["group"] == group)]
    assert len(found) == 1, f"expected one row for {code} {map_code} {group}, got {found}"
    return found[0]


def municipality_names() -> list[str]:
    """The 98 municipality names from the package catalogue."""
    import klagestat

    path = Path(klagestat.__file__).parent / "catalogue" / "municipalities.toml"
    return [m["name"] for m in tomllib.loads(path.read_text(encoding="utf-8"))["municipalities"]]


@pytest.fixture(scope="session")
def baseline_template(tmp_path_factory) -> Path:
    """A SQLite file holding the baseline import (BASELINE_FILE beside it), made once."""
    folder = tmp_path_factory.mktemp("baseline")
    csv_file = write_statbank_csv(folder / BASELINE_FILE, statbank_rows(BASELINE_FIGURES))
    db = folder / "template.db"
    result = run_cli("import", "statbank", csv_file, "--as-of", BASELINE_AS_OF, db=db, cwd=folder)
    assert result.code == 0, str(result)
    checkpoint(db)
    return db


@pytest.fixture
def baseline_db(baseline_template, tmp_path) -> Path:
    """A SQLite file holding one good import (BASELINE_FIGURES, 2024, as of 2025-03-01), for
    tests about SQLite itself; the others use baseline_database."""
    return copy_db(baseline_template, tmp_path / "klagestat.db")


@pytest.fixture
def empty_db(tmp_path) -> Path:
    """A path for a SQLite file klagestat will create on first use (SQLite only; see `database`)."""
    return tmp_path / "klagestat.db"


def write_jsonstat(path: Path, rows, *, bom: bool = False, index_as_list: bool = False) -> Path:
    """Write the rows of a complete table as a JSON-stat 2.0 dataset, values in row-major order.

    Dimensions OMRÅDE, LOVGRUNDLAG, AFGØRELSE, TID and ContentsCode (one category), each
    category list in first-seen order; None or '..' becomes a null value (not available).
    """
    dims = [[], [], [], []]
    cells = {}
    for row in rows:
        for d, label in zip(dims, row[:4]):
            if label not in d:
                d.append(label)
        cells[tuple(row[:4])] = None if row[4] in (None, NA) else int(row[4])
    size = [len(d) for d in dims] + [1]
    values = []
    for a in dims[0]:
        for b in dims[1]:
            for o in dims[2]:
                for t in dims[3]:
                    assert (a, b, o, t) in cells, f"the table is not complete: {(a, b, o, t)}"
                    values.append(cells[(a, b, o, t)])

    def dimension(label: str, categories: list[str]) -> dict:
        codes = [str(i) for i in range(len(categories))]
        index = codes if index_as_list else {c: i for i, c in enumerate(codes)}
        return {"label": label, "category": {"index": index, "label": dict(zip(codes, categories))}}

    doc = {
        "version": "2.0",
        "class": "dataset",
        "label": "Afgjorte klagesager efter område, lovgrundlag, afgørelse og tid",
        "source": "Ankestyrelsen",
        "id": ["OMRÅDE", "LOVGRUNDLAG", "AFGØRELSE", "TID", "ContentsCode"],
        "size": size,
        "dimension": {
            "OMRÅDE": dimension("område", dims[0]),
            "LOVGRUNDLAG": dimension("lovgrundlag", dims[1]),
            "AFGØRELSE": dimension("afgørelse", dims[2]),
            "TID": dimension("tid", dims[3]),
            "ContentsCode": {"label": "indhold", "category": {"index": {"ANKE": 0}, "label": {"ANKE": "Afgjorte sager"}}},
        },
        "value": values,
    }
    data = json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path
