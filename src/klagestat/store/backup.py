"""A backup of a SQLite installation, and putting one back: the main file and its access file
(users, sessions, audit log) copied together, as one moment, with SQLite's online backup, so a
server may keep running while the backup is taken. PostgreSQL is backed up with pg_dump (README,
Drift)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .database import access_file
from .schema import ACCESS


def copy_installation(source: Path, target: Path) -> None:
    """Copy the database `source` (and its access file) to `target` (and its access file), both
    read in one read transaction: an import or a login while it runs is in both or in neither."""
    reader = sqlite3.connect(source)
    try:
        reader.execute(f"ATTACH DATABASE ? AS {ACCESS}", (str(access_file(source)),))
        reader.execute("BEGIN")
        for schema in ("main", ACCESS):  # the snapshot starts at the first read of each file
            reader.execute(f"SELECT count(*) FROM {schema}.sqlite_master").fetchone()
        for schema, path in (("main", target), (ACCESS, access_file(target))):
            writer = sqlite3.connect(path)
            try:
                reader.backup(writer, name=schema)
            finally:
                writer.close()
        reader.rollback()
    finally:
        reader.close()


def is_installation(path: Path) -> bool:
    """Whether `path` is a klagestat database (it has a schema version)."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            return conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'").fetchone()[0] == 1
    except sqlite3.DatabaseError:
        return False
