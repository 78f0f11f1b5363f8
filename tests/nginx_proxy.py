"""nginx in front of klagestat, as deploy/nginx-klagestat.conf sets it up, for the proxy tests
(tests/test_proxy.py) and the benchmark (bench/proxy_load.py): Debian's nginx on a loopback port
with TLS (a self-signed certificate made here), every file it writes in one folder. Also the one
wait for a started server to answer (`wait_until_answering`), which tests/browser.py uses too."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DEPLOYED = Path(__file__).resolve().parents[1] / "deploy" / "nginx-klagestat.conf"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_answering(url: str, process: subprocess.Popen, log: Path, *, context: ssl.SSLContext | None = None,
                         seconds: float = 60) -> None:
    """Wait until `url` answers 200; fail with the server's log if its process stops or time runs out."""
    deadline = time.monotonic() + seconds
    while True:
        assert process.poll() is None, f"{process.args[0]} stopped (exit {process.returncode}):\n{_text(log)}"
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as answer:
                if answer.status == 200:
                    return
        except OSError:
            assert time.monotonic() < deadline, f"no answer from {url} in {seconds:.0f} s:\n{_text(log)}"
            time.sleep(0.2)


def _text(log: Path) -> str:
    return log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""


def unverified() -> ssl.SSLContext:
    """A TLS client context that takes the test's self-signed certificate."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return context


def nginx_config(folder: Path, port: int, upstreams: list[int], cert: Path, key: Path) -> Path:
    """The deployed server block with this test's ports and certificate, in a main configuration
    that keeps every file nginx writes in `folder`."""
    block = DEPLOYED.read_text(encoding="utf-8")
    block = block.replace("    server 127.0.0.1:8000;\n", "".join(f"    server 127.0.0.1:{p};\n" for p in upstreams))
    block = block.replace("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;")
    block = block.replace("listen 80;", f"listen 127.0.0.1:{_free_port()};")
    block = block.replace("/etc/ssl/certs/klagestat.crt", str(cert)).replace("/etc/ssl/private/klagestat.key", str(key))
    assert str(cert) in block and f"127.0.0.1:{upstreams[-1]}" in block, "deploy/nginx-klagestat.conf has changed shape"
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    config = folder / "nginx.conf"
    config.write_text(f"""{'user root;' if os.geteuid() == 0 else ''}
worker_processes 1;
daemon off;
pid {folder / 'nginx.pid'};
error_log {folder / 'error.log'} warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
{temp}
{block}
}}
""", encoding="utf-8")
    return config



@contextmanager
def nginx_in_front(folder: Path, upstreams: list[int], cert: Path, key: Path) -> Iterator[str]:
    """nginx with the deployed server block in front of klagestat on `upstreams` until the block
    ends; yields its https:// address once /readyz answers through it."""
    port = _free_port()
    config = nginx_config(folder, port, upstreams, cert, key)
    log = folder / "error.log"
    nginx = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(config), "-e", str(log)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"https://127.0.0.1:{port}"
    try:
        wait_until_answering(url + "/readyz", nginx, log, context=unverified())
        yield url
    finally:
        nginx.send_signal(signal.SIGQUIT)
        try:
            nginx.wait(timeout=20)
        except subprocess.TimeoutExpired:
            nginx.kill()
            nginx.wait()
