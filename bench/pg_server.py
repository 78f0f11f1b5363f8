"""A PostgreSQL database for a benchmark: a new database on the server in KLAGESTAT_TEST_PG when
it is set (as the tests use), else a throwaway server of its own, made as .ci/run makes one
(Debian's PostgreSQL binaries, a temporary data folder, loopback only, removed afterwards)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def _admin(url: str, statement: str) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


@contextmanager
def postgresql() -> Iterator[str]:
    """The URL of a new, empty database, dropped (or its server stopped) afterwards."""
    given = os.environ.get("KLAGESTAT_TEST_PG", "").strip()
    if given:
        name = f"klagestat_bench_{uuid.uuid4().hex[:10]}"
        _admin(given, f'CREATE DATABASE "{name}"')
        try:
            yield make_url(given).set(database=name).render_as_string(hide_password=False)
        finally:
            _admin(given, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    with _throwaway_server() as url:
        yield url


@contextmanager
def _throwaway_server() -> Iterator[str]:
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not binaries:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql), and KLAGESTAT_TEST_PG is not set")
    bin_dir = binaries[-1]
    folder = tempfile.mkdtemp(prefix="klagestat-bench-pg-")
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(folder, "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = os.path.join(folder, "data")

    def run(*args: str) -> None:
        subprocess.run([*as_postgres, *args], check=True, cwd=folder, stdout=subprocess.DEVNULL)

    run(f"{bin_dir}/initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
    options = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder} "
               "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
    run(f"{bin_dir}/pg_ctl", "-D", data, "-l", os.path.join(folder, "server.log"), "-w", "-o", options, "start")
    try:
        run(f"{bin_dir}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "klagestat_bench")
        yield f"postgresql://postgres@127.0.0.1:{port}/klagestat_bench"
    finally:
        run(f"{bin_dir}/pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)
