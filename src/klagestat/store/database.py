"""Opening the database: a SQLite file or a PostgreSQL URL, migrated to the newest schema."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event

DEFAULT_DB = "klagestat.db"
ENV_VAR = "KLAGESTAT_DB"


def database_url(db: str | None) -> str:
    """`--db`, else KLAGESTAT_DB, else klagestat.db; a plain path means a SQLite file."""
    value = db or os.environ.get(ENV_VAR) or DEFAULT_DB
    if value.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser()}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (the web app) go on while an import writes; NORMAL is durable in WAL mode
    # except for the last transactions on power loss, never corrupting.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def bulk_write_settings(conn) -> None:
    """For a connection about to write a million rows: 256 MB of SQLite page cache, so the
    indexes are updated in memory. Not the default: it makes SQLite's GROUP BY sorts slower."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA cache_size=-262144")


def _alembic_config(connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("klagestat.store") / "migrations"))
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration (a no-op when it is current)."""
    with engine.begin() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        config = _alembic_config(connection)
        head = ScriptDirectory.from_config(config).get_current_head()
        if current != head:
            command.upgrade(config, "head")


def open_database(db: str | None = None, *, create: bool = True) -> Engine:
    url = database_url(db)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if path.parent and not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, hide_parameters=True)  # a failed statement is logged without its values
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if create:
        migrate(engine)
    return engine
