"""Imports don't take the site down (issue 11): on SQLite an import holds the database file's one
write lock for its whole length, and every page view and login writes (the audit log, sessions,
failed logins). Those live in the access file beside the database (store/database.py), so they
never wait for an import; a second import of the same register waits for the first instead of
failing half-way.
"""

from __future__ import annotations

import csv
import sqlite3
import time
from pathlib import Path

import pytest

from klagestat.web.app import create_app

from conftest import db_rows, is_postgres, popen_cli
from web_helpers import REGISTER_HEADER, SECRET, add_user, case, client_for, log_in, logged_in, text_of, write_register

EMAIL = "analytiker@lejre.dk"


@pytest.fixture(autouse=True)
def own_secret(monkeypatch):
    monkeypatch.setenv("KLAGESTAT_SECRET", SECRET)


def big_register(path: Path, rows: int) -> Path:
    """A register of `rows` valid cases (a few seconds' import), written straight to disk."""
    template = case("S")
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=";", lineterminator="\r\n")
        writer.writerow(REGISTER_HEADER)
        for i in range(rows):
            writer.writerow([f"B{i:07d}" if h == "sags_id" else template.get(h, "") for h in REGISTER_HEADER])
    return path


def database_with_a_user(tmp_path: Path) -> Path:
    db = tmp_path / "klagestat.db"
    add_user(db, EMAIL, "Lejre", "analyst")
    register = write_register(tmp_path / "lille.csv", [case("S-1"), case("S-2", udfald="hjemvist")])
    process = popen_cli("import", "cases", register, "--municipality", "Lejre", db=db)
    assert process.wait(120) == 0, process.stderr.read().decode()
    return db


def visit(client, failures: list) -> None:
    """What a caseworker does: the list, a case, the analyses."""
    for path in ("/sager", "/sager/sag/S-1", "/sager/analyser"):
        response = client.get(path)
        if response.status_code != 200:
            failures.append(f"GET {path}: {response.status_code} {text_of(response)[:200]}")


def log_in_once(app, failures: list) -> None:
    response = log_in(client_for(app), EMAIL)
    if response.status_code != 303:
        failures.append(f"log ind: {response.status_code} {text_of(response)[:200]}")


def test_page_views_and_logins_never_wait_for_the_write_lock_of_an_import(tmp_path):
    db = database_with_a_user(tmp_path)
    app = create_app(str(db))
    importer = sqlite3.connect(db, timeout=0)  # holds the main file's write lock, as an import does
    importer.execute("BEGIN IMMEDIATE")
    importer.execute("UPDATE case_record SET line = line")
    try:
        failures: list[str] = []
        client = logged_in(app, EMAIL)
        visit(client, failures)
        log_in_once(app, failures)
        assert failures == []
    finally:
        importer.rollback()
        importer.close()
    actions = [a for (a,) in db_rows(db, "SELECT action FROM audit_event ORDER BY id")]
    assert actions.count("log ind") == 2 and "se sag" in actions and "se sagsliste" in actions


def _holds_write_lock(db: Path) -> bool:
    probe = sqlite3.connect(db, timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.rollback()
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


def test_zero_errors_on_page_views_and_logins_during_a_large_import(tmp_path):
    db = database_with_a_user(tmp_path)
    register = big_register(tmp_path / "stor.csv", 150_000)
    app = create_app(str(db))
    client = logged_in(app, EMAIL)
    failures: list[str] = []
    importing = popen_cli("import", "cases", register, "--municipality", "Lejre", db=db)
    deadline = time.monotonic() + 120
    while importing.poll() is None and not _holds_write_lock(db) and time.monotonic() < deadline:
        time.sleep(0.01)
    rounds = 0
    while importing.poll() is None and time.monotonic() < deadline:
        visit(client, failures)
        log_in_once(app, failures)
        rounds += 1
    assert importing.wait(120) == 0, importing.stderr.read().decode()
    assert failures == []
    assert rounds >= 3, f"only {rounds} rounds of page views during the import"
    assert db_rows(db, "SELECT COUNT(*) FROM case_record")[0][0] == 150_002


def test_a_second_import_of_the_same_register_waits_for_the_first(tmp_path, database):
    register = big_register(tmp_path / "stor.csv", 40_000)
    first = popen_cli("import", "cases", register, "--municipality", "Lejre", db=database)
    second = popen_cli("import", "cases", register, "--municipality", "Lejre", db=database)
    outputs = [(p.wait(180), p.stdout.read().decode(), p.stderr.read().decode()) for p in (first, second)]
    for code, out, err in outputs:
        assert code == 0, err
        assert "Traceback" not in err
    assert db_rows(database, "SELECT COUNT(*) FROM case_import")[0][0] == 1
    assert db_rows(database, "SELECT COUNT(*) FROM case_record")[0][0] == 40_000
    if not is_postgres(database):
        assert not _holds_write_lock(Path(database))
