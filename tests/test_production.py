"""Running klagestat as a service: several worker processes on one database, liveness and
readiness, and a backup that gives back identical pages."""

from __future__ import annotations

import json
import sqlite3
import time
import urllib.error
import urllib.request

import pytest

from browser import serve_klagestat
from klagestat.web.app import create_app

from conftest import copy_db, fresh_pg_database, run_cli
from web_helpers import PASSWORD, add_user, client_for, log_in

PAGES = ("/", "/kommune/201", "/kommune/350?year=2023", "/sammenlign?kommune=201&kommune=350",
         "/api/rates?year=2024&municipality=201", "/kommune/201/omgoerelsesprocenter.csv")


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_workers_share_one_postgresql_database(tmp_path, env):
    with fresh_pg_database() as db, serve_klagestat(env, db, tmp_path, "--workers", "2", ready="/readyz") as server:
        pids = set()
        deadline = time.monotonic() + 30
        while len(pids) < 2 and time.monotonic() < deadline:  # the kernel hands connections to either
            assert _get(server.url + "/readyz") == (200, {"status": "ok", "database": "ok"})
            pids = {json.loads(line)["pid"] for line in server.log_text().splitlines()
                    if line.startswith("{") and '"route": "/readyz"' in line}
        assert len(pids) == 2, f"requests answered by {pids}"
        assert '"level": "error"' not in server.log_text()


def test_readyz_says_when_the_schema_is_not_the_newest(tmp_path):
    db = tmp_path / "klagestat.db"
    app = create_app(str(db))
    client = client_for(app)
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok", "database": "ok"}
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0007'")
    answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.json()["database"] == "skemaet er ikke det nyeste"
    assert client.get("/healthz").status_code == 200  # alive all the same


def test_a_backup_restored_gives_identical_pages(demo_db, tmp_path):
    live = copy_db(demo_db, tmp_path / "klagestat.db")
    add_user(live, "analytiker@alleroed.dk", "Allerød", "analyst")
    running = create_app(str(live))  # a server using the database while the backup is taken
    assert log_in(client_for(running), "analytiker@alleroed.dk").status_code == 303
    made = run_cli("backup", "--out", tmp_path / "kopi.db", db=live)
    assert made.code == 0, made.stderr
    restored = tmp_path / "genskabt" / "klagestat.db"
    restored.parent.mkdir()
    done = run_cli("restore", tmp_path / "kopi.db", db=restored)
    assert done.code == 0, done.stderr
    original, copy = client_for(running), client_for(create_app(str(restored)))
    for path in PAGES:
        assert copy.get(path).text == original.get(path).text, path
    # The users and the audit log came along: the analyst logs in to the copy, and sees the same cases.
    assert log_in(copy, "analytiker@alleroed.dk", PASSWORD).status_code == 303
    assert log_in(original, "analytiker@alleroed.dk", PASSWORD).status_code == 303
    assert copy.get("/sager").text.count("/sager/sag/") == original.get("/sager").text.count("/sager/sag/") > 0


@pytest.mark.parametrize(("args", "words"), [
    (("backup", "--out", "{tmp}/kopi.db"), "findes allerede"),
    (("restore", "{tmp}/klagestat.db"), "findes allerede"),
    (("restore", "{tmp}/ikke-en-kopi.txt"), "ikke en sikkerhedskopi"),
])
def test_backup_and_restore_refuse_in_danish(demo_db, tmp_path, args, words):
    live = copy_db(demo_db, tmp_path / "klagestat.db")
    (tmp_path / "ikke-en-kopi.txt").write_text("hej", encoding="utf-8")
    assert run_cli("backup", "--out", tmp_path / "kopi.db", db=live).code == 0
    result = run_cli(*(a.format(tmp=tmp_path) for a in args), db=live)
    assert result.code == 2 and words in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_backup_of_a_file_that_is_no_database_is_refused_in_danish(tmp_path):
    (tmp_path / "tilfaeldig.db").write_bytes(bytes(range(256)) * 400)
    result = run_cli("backup", "--out", tmp_path / "kopi.db", db=tmp_path / "tilfaeldig.db")
    assert result.code == 2 and "ikke en klagestat-database" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "kopi.db").exists()


def test_backup_of_postgresql_points_to_pg_dump(tmp_path):
    with fresh_pg_database() as db:
        result = run_cli("backup", "--out", tmp_path / "kopi.db", db=db)
    assert result.code == 2 and "pg_dump" in result.stderr

