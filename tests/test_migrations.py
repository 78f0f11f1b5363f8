"""The schema migrations, on SQLite and on PostgreSQL.

- An empty database upgraded to the newest revision has exactly the tables, columns and indexes
  of `klagestat.store.schema.metadata` (what the code expects).
- Every migration, one step at a time, keeps the statistics a database already holds.
- Processes that open a new database at the same moment (imports started together, web
  workers) create its schema once: none of them fails.
- A database left at the first revision, holding statistics, opens with today's klagestat: it is
  migrated to the newest revision and `klagestat rates` gives the same JSON as before.

The revisions are read from the migration scripts, so a new migration is covered without
changing this file.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, UniqueConstraint, insert, inspect, select
from sqlalchemy.schema import BLANK_SCHEMA

from klagestat.store.database import _alembic_config, open_database
from klagestat.store.schema import metadata

from conftest import (
    BASELINE_FIGURES,
    P100,
    _cli_env,
    copy_db,
    dump_db,
    rate_row,
    rates_json,
    run_cli,
    statbank_rows,
    write_statbank_csv,
)

SCRIPTS = ScriptDirectory(str(resources.files("klagestat.store") / "migrations"))
REVISIONS = [r.revision for r in reversed(list(SCRIPTS.walk_revisions()))]  # oldest first
FIRST, HEAD = REVISIONS[0], SCRIPTS.get_current_head()
STEPS = list(zip(REVISIONS, REVISIONS[1:]))

# The statistics-bank tables of the first revision, parents first.
STATISTICS = ("vintage", "statbank_basis", "statbank_cell", "statbank_slot")


def upgrade(db: str, revision: str) -> None:
    """Upgrade the database to exactly this revision, as klagestat's own migrate() does."""
    engine = open_database(db, create=False)
    try:
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), revision)
    finally:
        engine.dispose()


def revision_of(db: str) -> str | None:
    engine = open_database(db, create=False)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def template_statistics(baseline_template) -> dict[str, list[dict]]:
    """The rows the importer wrote for the baseline file, table by table."""
    engine = open_database(str(baseline_template), create=False)
    try:
        with engine.connect() as conn:
            tables = MetaData()
            tables.reflect(conn, only=STATISTICS)
            return {name: [dict(r) for r in conn.execute(select(tables.tables[name])).mappings()]
                    for name in STATISTICS}
    finally:
        engine.dispose()


def insert_statistics(db: str, rows: dict[str, list[dict]]) -> None:
    """Write the statistics into the tables as they are at the database's current revision
    (their columns only), the way an importer of that time would: the database numbers the
    vintages, so its id sequence goes on from them."""
    engine = open_database(db, create=False)
    try:
        with engine.begin() as conn:
            tables = MetaData()
            tables.reflect(conn, only=STATISTICS)
            new_ids = {}
            vintage = tables.tables["vintage"]
            for row in rows["vintage"]:
                values = {k: v for k, v in row.items() if k in vintage.c and k != "id"}
                new_ids[row["id"]] = conn.execute(insert(vintage).values(values)).inserted_primary_key[0]
            for name in STATISTICS[1:]:
                table = tables.tables[name]
                conn.execute(insert(table), [
                    {k: (new_ids[v] if k == "vintage_id" else v) for k, v in row.items() if k in table.c}
                    for row in rows[name]
                ])
    finally:
        engine.dispose()


def statistics_dump(db: str) -> dict[str, list[tuple]]:
    return {name: rows for name, rows in dump_db(db).items() if name in STATISTICS}


# ---- an empty database ------------------------------------------------------------------------------

def expected_metadata(dialect: str) -> MetaData:
    """The schema as this database holds it: on PostgreSQL the access tables' schema name is
    translated away (store/database.make_engine), on SQLite it is the attached access file."""
    if dialect == "sqlite":
        return metadata
    translated = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(translated, schema=None, referred_schema_fn=lambda *_: BLANK_SCHEMA)
    return translated


def test_upgrading_an_empty_database_gives_the_tables_of_the_schema(database):
    engine = open_database(database)
    try:
        with engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == HEAD
            found = inspect(conn)
            expected = expected_metadata(conn.dialect.name)
            schemas = {t.schema for t in expected.tables.values()}
            held = {f"{s}.{n}" if s else n for s in schemas for n in found.get_table_names(schema=s)}
            assert held - {"alembic_version"} == set(expected.tables)
            for table in expected.tables.values():
                name, schema = table.name, table.schema
                columns = {c["name"]: c["nullable"] for c in found.get_columns(name, schema=schema)}
                assert columns == {c.name: c.nullable for c in table.columns}, name
                assert (found.get_pk_constraint(name, schema=schema)["constrained_columns"]
                        == [c.name for c in table.primary_key]), name
                indexes = {i["name"]: (tuple(i["column_names"]), bool(i["unique"]))
                           for i in found.get_indexes(name, schema=schema) if "duplicates_constraint" not in i}
                assert indexes == {i.name: (tuple(c.name for c in i.columns), bool(i.unique)) for i in table.indexes}, name
                unique = {tuple(u["column_names"]) for u in found.get_unique_constraints(name, schema=schema)}
                assert unique == {tuple(c.name for c in u.columns) for u in table.constraints
                                  if isinstance(u, UniqueConstraint)}, name
            # And everything else Alembic can compare (types, foreign keys …): no differences.
            context = MigrationContext.configure(conn, opts={"include_schemas": True})
            assert compare_metadata(context, expected) == []
    finally:
        engine.dispose()


# Waits for the start file, so every process opens the database at the same moment.
OPEN_AT_ONCE = """
import os, sys, time
from klagestat.store.database import open_database
while not os.path.exists(sys.argv[2]):
    time.sleep(0.001)
open_database(sys.argv[1]).dispose()
"""


def test_processes_opening_a_new_database_at_once_create_its_schema_once(database, tmp_path):
    start = tmp_path / "start"
    processes = [subprocess.Popen([sys.executable, "-c", OPEN_AT_ONCE, str(database), str(start)],
                                  stderr=subprocess.PIPE, env=_cli_env()) for _ in range(6)]
    time.sleep(3)  # every process has its imports done and waits for the start file
    start.touch()
    for process in processes:
        assert process.wait(120) == 0, process.stderr.read().decode()
    assert revision_of(database) == HEAD


# ---- migrations with data --------------------------------------------------------------------------

@pytest.mark.parametrize(("before", "after"), STEPS, ids=[f"{a}-{b}" for a, b in STEPS])
def test_each_migration_keeps_the_statistics(database, baseline_template, before, after):
    upgrade(database, before)
    insert_statistics(database, template_statistics(baseline_template))
    held = statistics_dump(database)
    assert all(held[name] for name in STATISTICS)

    upgrade(database, after)

    assert revision_of(database) == after
    # Every row is still there, with the columns it had (a migration may add columns).
    now = statistics_dump(database)
    width = {name: len(rows[0]) for name, rows in held.items()}
    assert {name: [r[: width[name]] for r in rows] for name, rows in now.items()} == held


def test_a_database_at_the_first_revision_opens_with_its_statistics(database, baseline_template, tmp_path):
    expected = rates_json(copy_db(baseline_template, tmp_path / "reference.db"), "--year", "2024")
    upgrade(database, FIRST)
    insert_statistics(database, template_statistics(baseline_template))
    held = statistics_dump(database)

    # Any command opens the database, and so migrates it to the newest revision.
    assert rates_json(database, "--year", "2024") == expected
    assert revision_of(database) == HEAD
    width = {name: len(rows[0]) for name, rows in held.items()}
    assert {name: [r[: width[name]] for r in rows] for name, rows in statistics_dump(database).items()} == held

    # And it takes new imports: a later download wins over the migrated figures.
    newer = {"Allerød": dict(BASELINE_FIGURES["Allerød"], **{P100: (1, 0, 1, 0)})}
    f = write_statbank_csv(tmp_path / "nyere.csv", statbank_rows(newer))
    result = run_cli("import", "statbank", f, "--as-of", dt.date(2025, 6, 1).isoformat(), db=database)
    assert result.code == 0, str(result)
    rows = rates_json(database, "--year", "2024", "--municipality", "Allerød", "--map", "adult-disability")
    assert (rate_row(rows, "201", "adult-disability")["merits"]) == 2


def test_each_migration_file_is_named_after_its_revision_so_the_newest_is_known_without_alembic():
    from klagestat.store.database import newest_revision

    for revision in REVISIONS:
        script = SCRIPTS.get_revision(revision)
        assert Path(script.path).name.split("_", 1)[0] == revision
    assert newest_revision() == HEAD
