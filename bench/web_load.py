"""The web app under load: 32 clients at once on the public pages, against a floor.

Builds the demo database in a temporary folder, starts `klagestat serve` on it (a subprocess on a
free port, as a user would run it), warms up with one request to each page (its time is reported as
"warmup_seconds": the first visitors' wait, before any cache is filled), then 32 clients, each
on its own HTTP/1.1 keep-alive connection, fetch a fixed number of pages: the front-page map
(`/?year=Y&map=M`, the years 2013-2025 × the three maps) and the municipality profiles
(`/kommune/{code}`, all 98), shuffled. Every latency is recorded; a non-200 answer is an error.

Floor: the same client, the same 32 connections, fetching `/static/klagestat.css` from the same
server as many times: what the server and this client cost when the page itself costs nothing.
There is no analyst's baseline for a web page, so `baseline_seconds` is the floor's too (see
`baseline_note`).

One JSON line, as bench/run.py's others, with latencies in milliseconds; "ratio_to_floor" here is
p95 / floor p95, and "within_budget" says whether p95 stays within 50 ms.

The client is asyncio's raw streams with hand-written requests: client and server share two
cores, and the fewer of them the client takes, the more the figures say about the server.

Run alone: .venv/bin/python bench/web_load.py   (or from bench/run.py, `make bench`)
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

from klagestat.catalogue import load_catalogue
from klagestat.demo.build import build_demo
from klagestat.demo.generator import DEFAULT_YEARS

HOST = "127.0.0.1"
CLIENTS = 32
REQUESTS = 1_600  # pages in the measured run (50 per client); the floor fetches as many
TIME_LIMIT = 120.0  # seconds: a run stops here, however far it got (and says how far)
BUDGET_P95_MS = 50.0
MAPS = ("social", "child-disability", "adult-disability")


def page_paths() -> list[str]:
    """Every map page and every profile page, once each."""
    maps = [f"/?year={year}&map={m}" for year in DEFAULT_YEARS for m in MAPS]
    profiles = [f"/kommune/{code}" for code in sorted(load_catalogue().municipalities)]
    return maps + profiles


# ---- the server -----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def klagestat_command() -> list[str]:
    script = Path(sys.executable).parent / "klagestat"
    return [str(script)] if script.exists() else [sys.executable, "-m", "klagestat.cli"]


def start_server(db: Path | str, log: Path, *options: str) -> tuple[subprocess.Popen, str]:
    """`klagestat serve OPTIONS` on `db` on a free port; returns the process and its base URL
    once /healthz answers."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "KLAGESTAT_DB"}
    with open(log, "wb") as err:
        server = subprocess.Popen([*klagestat_command(), "serve", "--db", str(db), "--host", HOST, "--port", str(port),
                                   *options], stdout=subprocess.DEVNULL, stderr=err, env=env)
    base = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"klagestat serve stopped (exit {server.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return server, base
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"klagestat serve did not answer /healthz within 60 s:\n{log.read_text()}")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


# ---- the client -----------------------------------------------------------------------------------

async def read_response(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 response (Content-Length or chunked body); return its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readuntil(b"\r\n")  # the empty trailer
    return status


async def client(port: int, queue: list[str], latencies: list[float], errors: list[str], deadline: float,
                 tls: ssl.SSLContext | None = None) -> None:
    """One keep-alive connection taking paths from the shared queue until it is empty (over TLS
    with `tls`)."""
    reader, writer = await asyncio.open_connection(HOST, port, ssl=tls)
    try:
        while queue and time.perf_counter() < deadline:
            path = queue.pop()
            request = f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept: text/html\r\n\r\n".encode()
            start = time.perf_counter()
            try:
                writer.write(request)
                status = await read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError) as e:  # the server closed it: reconnect
                errors.append(f"{path}: {type(e).__name__}")
                writer.close()
                reader, writer = await asyncio.open_connection(HOST, port, ssl=tls)
                continue
            latencies.append(time.perf_counter() - start)
            if status != 200:
                errors.append(f"{path}: {status}")
    finally:
        writer.close()


async def load(port: int, paths: list[str], tls: ssl.SSLContext | None = None) -> dict:
    """Fetch `paths` over CLIENTS connections at once; latencies (s), errors, wall time."""
    queue = list(reversed(paths))  # pop() from the end takes them in order
    latencies: list[float] = []
    errors: list[str] = []
    start = time.perf_counter()
    await asyncio.gather(*(client(port, queue, latencies, errors, start + TIME_LIMIT, tls) for _ in range(CLIENTS)))
    return {"latencies": latencies, "errors": errors, "seconds": time.perf_counter() - start}


def run_load(port: int, paths: list[str], tls: ssl.SSLContext | None = None) -> dict:
    return asyncio.run(load(port, paths, tls))


def ms(latencies: list[float], q: float) -> float:
    return round(float(np.percentile(latencies, q)) * 1000, 2)


# ---- the benchmark --------------------------------------------------------------------------------

def web_benchmark(db: Path, log: Path) -> dict:
    pages = page_paths()
    workload = [pages[i % len(pages)] for i in range(REQUESTS)]
    random.Random(7).shuffle(workload)
    server, base = start_server(db, log)
    port = int(base.rsplit(":", 1)[1])
    try:
        warm_up = run_load(port, pages)  # every page once: what the first visitors wait for
        run_load(port, ["/static/klagestat.css"] * (CLIENTS * 4))
        measured = run_load(port, workload)
        floor = run_load(port, ["/static/klagestat.css"] * REQUESTS)
    finally:
        stop_server(server)
    done, floor_done = len(measured["latencies"]), len(floor["latencies"])
    p95, floor_p95 = ms(measured["latencies"], 95), ms(floor["latencies"], 95)
    return {
        "benchmark": f"web_map_and_profile_{CLIENTS}_clients",
        "seconds": round(measured["seconds"], 4),
        "baseline_seconds": round(floor["seconds"], 4),
        "floor_seconds": round(floor["seconds"], 4),
        "ratio_to_floor": round(p95 / floor_p95, 2),
        "requests": done,
        "requests_planned": REQUESTS,
        "clients": CLIENTS,
        "p50_ms": ms(measured["latencies"], 50),
        "p95_ms": p95,
        "p99_ms": ms(measured["latencies"], 99),
        "max_ms": round(max(measured["latencies"]) * 1000, 2),
        "requests_per_second": round(done / measured["seconds"], 1),
        "errors": len(measured["errors"]),
        "error_examples": sorted(set(measured["errors"]))[:5],
        "floor_p50_ms": ms(floor["latencies"], 50),
        "floor_p95_ms": floor_p95,
        "floor_p99_ms": ms(floor["latencies"], 99),
        "floor_requests_per_second": round(floor_done / floor["seconds"], 1),
        "floor_errors": len(floor["errors"]),
        "warmup_seconds": round(warm_up["seconds"], 2),
        "warmup_pages": len(pages),
        "warmup_errors": len(warm_up["errors"]),
        "budget_p95_ms": BUDGET_P95_MS,
        "within_budget": p95 <= BUDGET_P95_MS and not measured["errors"],
        "baseline_note": "no analyst baseline for a web page: baseline_seconds is the floor's",
        "floor_note": f"{REQUESTS} × /static/klagestat.css, same client, {CLIENTS} connections, same server",
        "ratio_note": "ratio_to_floor is p95_ms / floor_p95_ms; seconds: the measured run's wall time",
    }


def main(work: Path | None = None) -> None:
    """Build the demo database in `work` (a temporary folder if not given) and print the line."""
    own = work is None
    work = Path(tempfile.mkdtemp(prefix="klagestat-web-bench-")) if own else work
    work.mkdir(parents=True, exist_ok=True)
    try:
        print(f"# building the demo database in {work}", file=sys.stderr)
        db = work / "klagestat-demo.db"
        build_demo(str(db), work / "demo")
        print(f"# {CLIENTS} clients, {REQUESTS} pages, against klagestat serve", file=sys.stderr)
        print(json.dumps(web_benchmark(db, work / "server.log")), flush=True)
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
