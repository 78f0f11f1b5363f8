"""The web app as a production service under load: 32 clients through nginx (TLS, the server block
of deploy/nginx-klagestat.conf) to `klagestat serve --workers 2` on PostgreSQL, next to one
`klagestat serve` on SQLite without a proxy (the laptop set-up, as bench/web_load.py measures it),
the same pages in the same run.

Both databases hold the demo's statistics and population, built here. PostgreSQL is a new database on KLAGESTAT_TEST_PG's
server when that is set, else a throwaway server of its own (bench/pg_server.py). Each set-up is
warmed with every page twice (so each worker has built it), then measured on the same shuffled
workload as web_load; its floor is `/static/klagestat.css` the same number of times through the
same path (with nginx and TLS for the proxy). Goal: p95 under 50 ms with 0 errors in both.

Run alone: .venv/bin/python bench/proxy_load.py   (or from bench/run.py, `make bench`)
"""

from __future__ import annotations

import json
import random
import shutil
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

import pg_server  # bench/pg_server.py
import web_load  # bench/web_load.py
from klagestat import api
from klagestat.demo.build import build_demo, import_demo_statistics

# The proxy set-up is the one the proxy tests run (tests/nginx_proxy.py), with their certificate maker.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from nginx_proxy import nginx_in_front, unverified  # noqa: E402
from saml_idp import make_key_pair  # noqa: E402

WORKERS = 2
WARM_PASSES = 8  # at most; a worker builds its own cache, and which worker a connection reaches is the kernel's pick


def measure(port: int, pages: list[str], workload: list[str], tls=None) -> dict:
    """Warm (every page, again and again, until no page takes half a second: each worker has built
    them, and its background warming is done), then the workload and its floor."""
    for passes in range(1, WARM_PASSES + 1):
        warm = web_load.run_load(port, pages, tls)
        if max(warm["latencies"]) < 0.5:
            break
    measured = web_load.run_load(port, workload, tls)
    floor = web_load.run_load(port, ["/static/klagestat.css"] * len(workload), tls)
    done = len(measured["latencies"])
    return {
        "seconds": round(measured["seconds"], 4),
        "p50_ms": web_load.ms(measured["latencies"], 50),
        "p95_ms": web_load.ms(measured["latencies"], 95),
        "p99_ms": web_load.ms(measured["latencies"], 99),
        "requests": done,
        "requests_per_second": round(done / measured["seconds"], 1),
        "errors": len(measured["errors"]),
        "error_examples": sorted(set(measured["errors"]))[:5],
        "floor_seconds": round(floor["seconds"], 4),
        "floor_p95_ms": web_load.ms(floor["latencies"], 95),
        "floor_errors": len(floor["errors"]),
        "warm_passes": passes,
    }


def proxy_benchmark(work: Path) -> dict:
    pages = web_load.page_paths()
    workload = [pages[i % len(pages)] for i in range(web_load.REQUESTS)]
    random.Random(7).shuffle(workload)
    sqlite_db = work / "klagestat-demo.db"
    print("# building the demo database on SQLite", file=sys.stderr)
    build_demo(str(sqlite_db), work / "demo-sqlite")
    server, base = web_load.start_server(sqlite_db, work / "sqlite-server.log")
    try:
        direct = measure(int(base.rsplit(":", 1)[1]), pages, workload)
    finally:
        web_load.stop_server(server)

    with ExitStack() as stack:
        pg_db = stack.enter_context(pg_server.postgresql())
        print("# importing the demo's statistics and population into PostgreSQL", file=sys.stderr)
        (work / "demo-pg").mkdir()
        engine = api.open_database(pg_db)
        try:
            import_demo_statistics(engine, work / "demo-pg")  # the demo build itself makes only SQLite files
        finally:
            engine.dispose()
        server, base = web_load.start_server(pg_db, work / "pg-server.log", "--workers", str(WORKERS),
                                             "--forwarded-allow-ips", "127.0.0.1")
        stack.callback(web_load.stop_server, server)
        key, cert = make_key_pair(work, "tls")
        (work / "nginx").mkdir()
        url = stack.enter_context(nginx_in_front(work / "nginx", [int(base.rsplit(":", 1)[1])], cert, key))
        proxied = measure(int(url.rsplit(":", 1)[1]), pages, workload, unverified())

    budget = web_load.BUDGET_P95_MS
    return {
        "benchmark": f"web_nginx_tls_{WORKERS}_workers_postgresql_{web_load.CLIENTS}_clients",
        "seconds": proxied["seconds"],
        "baseline_seconds": direct["seconds"],
        "floor_seconds": proxied["floor_seconds"],
        "ratio_to_floor": round(proxied["p95_ms"] / proxied["floor_p95_ms"], 2),
        "ratio_to_baseline": round(proxied["p95_ms"] / direct["p95_ms"], 2),
        "clients": web_load.CLIENTS,
        "proxy_postgresql": proxied,
        "direct_sqlite_1_worker": direct,
        "budget_p95_ms": budget,
        "within_budget": all(r["p95_ms"] <= budget and not r["errors"] for r in (proxied, direct)),
        "baseline_note": "baseline: 1 worker on SQLite, no proxy, same pages and client, same run",
        "floor_note": "floor: /static/klagestat.css as many times through nginx and TLS to the same workers",
        "ratio_note": "ratio_to_floor: proxied p95 / its floor's p95; ratio_to_baseline: proxied p95 / direct p95",
    }


def main(work: Path | None = None) -> None:
    own = work is None
    work = Path(tempfile.mkdtemp(prefix="klagestat-proxy-bench-")) if own else work
    work.mkdir(parents=True, exist_ok=True)
    try:
        print(json.dumps(proxy_benchmark(work)), flush=True)
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
