"""Opening the database: a SQLite file or a PostgreSQL URL, migrated to the newest schema."""

from __future__ import annotations

import os
import zlib
from importlib import resources
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, delete, event, false, inspect, select, text
from sqlalchemy.exc import OperationalError

from .schema import ACCESS, ACCESS_TABLES, SQLITE_AUDIT_TRIGGERS, pseudonym_key

DEFAULT_DB = "klagestat.db"
ENV_VAR = "KLAGESTAT_DB"
BUSY_TIMEOUT_MS = 10_000  # SQLite: how long a statement waits for another connection's write lock
IMPORT_WAIT_SECONDS = 600  # how long an import waits for another import to finish


class DatabaseBusy(Exception):
    """Another import held the database for longer than an import waits."""


def database_url(db: str | None) -> str:
    """`--db`, else KLAGESTAT_DB, else klagestat.db; a plain path means a SQLite file."""
    value = db or os.environ.get(ENV_VAR) or DEFAULT_DB
    if value.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser()}"


def sqlite_path(url: str) -> Path | None:
    """The main file of a SQLite URL; None for an in-memory database or another kind of URL."""
    if not url.startswith("sqlite:///"):
        return None
    name = url.removeprefix("sqlite:///")
    return None if name in ("", ":memory:") else Path(name)


def access_file(path: Path) -> Path:
    """The file beside a SQLite database that holds its users, sessions, failed logins and audit
    log (schema.ACCESS): klagestat.db → klagestat.access.db."""
    return path.with_name(f"{path.stem}.{ACCESS}{path.suffix}")


def sqlite_files(path: Path) -> list[Path]:
    """Every file a SQLite database of klagestat's consists of (the two databases and SQLite's
    side files): what to copy, back up or remove together."""
    return [p.with_name(p.name + suffix) for p in (path, access_file(path)) for suffix in ("", "-wal", "-shm", "-journal")]


def _sqlite_connect(access: str):
    def connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"ATTACH DATABASE ? AS {ACCESS}", (access,))
        for schema in ("main", ACCESS):
            # WAL lets readers (the web app) go on while an import writes; NORMAL is durable in WAL
            # mode except for the last transactions on power loss, never corrupting.
            cursor.execute(f"PRAGMA {schema}.journal_mode=WAL")
            cursor.execute(f"PRAGMA {schema}.synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()
    return connect


def bulk_write_settings(conn) -> None:
    """For a connection about to write a million rows: 256 MB of SQLite page cache, so the
    indexes are updated in memory. Not the default: it makes SQLite's GROUP BY sorts slower."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA cache_size=-262144")


def wait_for_other_imports(conn: Connection, name: str) -> None:
    """Take the right to import `name` (a municipality's register, the statistics) for the rest
    of the transaction, waiting up to IMPORT_WAIT_SECONDS while another import has it.

    Taken before the import reads anything, so a second import of the same file sees the first's
    result instead of failing half-way on a duplicate. PostgreSQL: an advisory lock on the name
    (imports of other names go on in parallel). SQLite: one writer per file, so the lock is the
    file's write lock, taken by a write that changes nothing.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {IMPORT_WAIT_SECONDS * 1000}")
        try:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": zlib.crc32(name.encode())})
        except OperationalError as error:  # lock_timeout
            raise DatabaseBusy(name) from error
        conn.exec_driver_sql("SET LOCAL lock_timeout = DEFAULT")
        return
    conn.exec_driver_sql(f"PRAGMA busy_timeout={IMPORT_WAIT_SECONDS * 1000}")
    try:
        conn.execute(delete(pseudonym_key).where(false()))
    except OperationalError as error:  # "database is locked"
        raise DatabaseBusy(name) from error
    finally:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def _alembic_config(connection):
    from alembic.config import Config  # alembic is imported only to migrate: opening a current database is quick

    config = Config()
    config.set_main_option("script_location", str(resources.files("klagestat.store") / "migrations"))
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration (a no-op when it is current).

    Several processes may open a new database at once (two imports started together, web
    workers starting): the first to take the schema lock migrates, the others wait for it and
    then find the schema current. Checked once without the lock, so an open of a current
    database never waits for a running import."""
    with engine.connect() as connection:
        if schema_is_current(connection):
            return
    from alembic import command

    with engine.begin() as connection:
        _lock_schema(connection)
        if _revision(connection) != newest_revision():
            command.upgrade(_alembic_config(connection), "head")
        if connection.dialect.name == "sqlite":
            create_access_tables(connection)


def newest_revision() -> str:
    """The newest migration's revision: each migration file is named after its revision
    ("0005_population.py" is revision "0005"; a test holds the files to it)."""
    versions = resources.files("klagestat.store") / "migrations" / "versions"
    return max(p.name.split("_", 1)[0] for p in versions.iterdir() if p.name[:4].isdigit() and p.name.endswith(".py"))


def _revision(connection: Connection) -> str | None:
    """The database's schema revision, as Alembic records it; None for a new database."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(select(text("version_num")).select_from(text("alembic_version"))).scalar()


def schema_is_current(connection: Connection) -> bool:
    """Whether the database has the newest schema (and, on SQLite, its access file)."""
    if _revision(connection) != newest_revision():
        return False
    return connection.dialect.name != "sqlite" or _has_access_tables(connection)


def _lock_schema(connection: Connection) -> None:
    """Hold the right to change the schema until the transaction ends. PostgreSQL: an advisory
    lock (its DDL is transactional). SQLite: the write lock on the main and the access file,
    taken before the first statement, as DDL does not start a transaction on its own."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": zlib.crc32(b"klagestat schema")})
        return
    # A migration of a big database may take long: wait as long as for an import.
    connection.exec_driver_sql(f"PRAGMA busy_timeout={IMPORT_WAIT_SECONDS * 1000}")
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def _has_access_tables(connection: Connection) -> bool:
    return inspect(connection).has_table(ACCESS_TABLES[0].name, schema=ACCESS)


def create_access_tables(connection) -> None:
    """The access file's tables, when the file is new beside a database that already has its
    schema (a main file copied or restored without it): an installation without users yet."""
    if _has_access_tables(connection):
        return
    for table in ACCESS_TABLES:
        table.create(connection, checkfirst=True)
    for statement in SQLITE_AUDIT_TRIGGERS:
        connection.exec_driver_sql(statement)


def make_engine(url: str, **options) -> Engine:
    """An engine for a database URL, with klagestat's connection settings (the access file
    attached on SQLite) and no migration."""
    # hide_parameters: a failed statement is logged without its values.
    if url.startswith("sqlite"):
        engine = create_engine(url, hide_parameters=True, **options)
        path = sqlite_path(url)
        event.listen(engine, "connect", _sqlite_connect(":memory:" if path is None else str(access_file(path))))
        return engine
    return create_engine(url, hide_parameters=True, execution_options={"schema_translate_map": {ACCESS: None}},
                         **options)


def open_database(db: str | None = None, *, create: bool = True) -> Engine:
    url = database_url(db)
    path = sqlite_path(url)
    if path is not None and path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    if create:
        migrate(engine)
    return engine
