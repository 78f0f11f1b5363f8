"""klagestat as a production service: Debian's nginx, with TLS (a self-signed certificate made
here) and the server block in deploy/nginx-klagestat.conf, in front of two `klagestat serve`
processes on one PostgreSQL database, and Chromium through it.

Cookies are Secure, HttpOnly, SameSite and __Host-; answers carry HSTS; redirects stay on https;
a login made in one process holds in the other; a statistics import is seen by both at once.
`pytest -k proxy` selects these. They need nginx and PostgreSQL (.ci/run provides both): without
them they skip, unless KLAGESTAT_REQUIRE_BROWSER=1 says the run must have them.
"""

from __future__ import annotations

import json
import re
from contextlib import ExitStack
from pathlib import Path

import pytest

from browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    REQUIRE_BROWSER,
    Server,
    klagestat,
    serve_klagestat,
    skip_without_browser,
)
from nginx_proxy import NGINX, nginx_in_front
from saml_idp import make_key_pair

from conftest import (
    BASELINE_FIGURES,
    P85,
    fresh_pg_database,
    statbank_rows,
    write_statbank_csv,
)

skip_without_browser()
if not Path(NGINX).exists():
    if REQUIRE_BROWSER:
        pytest.fail("no nginx, and KLAGESTAT_REQUIRE_BROWSER=1 says the proxy tests must run (.ci/run installs it)",
                    pytrace=False)
    pytest.skip("no nginx (.ci/run installs it)", allow_module_level=True)

ANALYST = ("analytiker@alleroed.dk", "Et langt kodeord til proxytesten 7")


class Proxied(Server):
    def __init__(self, url: str, db: str, workers: list[Server]):
        self.url, self.db, self.workers = url, db, workers
        self.log = workers[0].log

    def log_text(self) -> str:
        return "".join(w.log_text() for w in self.workers)

    def access_lines(self) -> list[list[dict]]:
        """Each worker's access log lines (JSON)."""
        return [[json.loads(line) for line in w.log_text().splitlines() if '"event": "request"' in line]
                for w in self.workers]


@pytest.fixture(scope="module")
def server(tmp_path_factory, env):
    """nginx on https://127.0.0.1:PORT in front of two `klagestat serve` processes on one new
    PostgreSQL database with the baseline statistics and an analyst of Allerød."""
    folder = tmp_path_factory.mktemp("proxy")
    with fresh_pg_database() as db, ExitStack() as stack:
        statistics = write_statbank_csv(folder / "ankeast1-2024.csv", statbank_rows(BASELINE_FIGURES))
        klagestat(env, "import", "statbank", statistics, "--as-of", "2025-03-01", db=db)
        klagestat(env, "users", "add", "--email", ANALYST[0], "--municipality", "Allerød", "--role", "analyst",
                  "--password-stdin", db=db, stdin=ANALYST[1] + "\n")
        workers = []
        for number in (1, 2):
            place = folder / f"worker{number}"
            place.mkdir()
            workers.append(stack.enter_context(serve_klagestat(env, db, place, "--forwarded-allow-ips", "127.0.0.1")))
        key, cert = make_key_pair(folder, "tls")
        url = stack.enter_context(nginx_in_front(folder, [int(w.url.rsplit(":", 1)[1]) for w in workers], cert, key))
        yield Proxied(url, db, workers)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):  # this module's: the test certificate is self-signed
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-proxy")), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, locale="da-DK", ignore_https_errors=True)
        try:
            yield context
        finally:
            context.close()


def _log_in(page, server) -> None:
    answer = page.goto(server.url + "/sager")
    assert answer is not None and page.url.startswith(server.url + "/login"), page.url  # redirected, still https
    form = page.locator('form[action="/login"][method="post"]')
    form.locator('input[name="email"]').fill(ANALYST[0])
    form.locator('input[name="password"]').fill(ANALYST[1])
    form.get_by_role("button", name="Log ind").click()
    page.wait_for_url(re.compile(re.escape(server.url) + r"/sager$"))


def test_proxy_cookies_are_secure_httponly_samesite_and_hsts_is_sent(page, server):
    answer = page.goto(server.url + "/")
    assert answer is not None and answer.status == 200
    assert answer.headers["strict-transport-security"].startswith("max-age=")
    _log_in(page, server)
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert set(cookies) == {"__Host-klagestat_session", "__Host-klagestat_csrf"}, cookies
    for cookie in cookies.values():
        assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"


def test_proxy_a_login_in_one_worker_holds_in_the_other(page, server):
    _log_in(page, server)
    before = [len(lines) for lines in server.access_lines()]
    for _ in range(6):
        answer = page.goto(server.url + "/sager")
        assert answer is not None and answer.status == 200 and page.url == server.url + "/sager"
    served = [[line for line in lines[count:] if line["route"] == "/sager" and line["status"] == 200]
              for lines, count in zip(server.access_lines(), before)]
    assert all(served), f"each worker should have served the logged-in page: {[len(s) for s in served]}"
    assert {line["user"] for lines in served for line in lines} == {served[0][0]["user"]} != {None}
    assert all(line["https"] for lines in served for line in lines)  # X-Forwarded-Proto believed from nginx


def test_proxy_a_statistics_import_is_seen_by_both_workers(page, server, env, tmp_path):
    def pages() -> list[str]:
        found = []
        for _ in range(4):  # nginx alternates: each worker answers twice
            answer = page.goto(server.url + "/kommune/201?year=2024")
            assert answer is not None and answer.status == 200
            found.append(page.inner_text("main"))
        return found

    before = pages()
    assert len(set(before)) == 1
    figures = {**BASELINE_FIGURES, "Allerød": {**BASELINE_FIGURES["Allerød"], P85: (10, 12, 3, 1)}}
    newer = write_statbank_csv(tmp_path / "ankeast1-2024-rettet.csv", statbank_rows(figures))
    klagestat(env, "import", "statbank", newer, "--as-of", "2025-06-01", db=server.db)
    after = pages()
    assert len(set(after)) == 1 and after[0] != before[0], "a worker still showed the figures from before the import"
    rates = json.loads(page.goto(server.url + "/api/rates?year=2024&municipality=201&map=social").text())
    assert rates[0]["reversed"] == 28


def test_proxy_workers_log_json_lines_without_personal_data(page, server):
    _log_in(page, server)
    page.goto(server.url + "/sager/sag/010190-1234")  # a CPR-shaped case id, and a case page
    lines = server.log_text().splitlines()
    assert all(line.startswith("klagestat kører på") for line in lines if not line.startswith("{")), lines
    for line in (line for line in lines if line.startswith("{")):
        record = json.loads(line)  # every log line is JSON
        assert "analytiker@alleroed.dk" not in line and "0101901234" not in line and "010190" not in line, line
        assert "127.0.0.1" not in json.dumps(record.get("client", "")), line
    assert any(r.get("route") == "/sager/sag/{case_id:path}" for lines in server.access_lines() for r in lines)
