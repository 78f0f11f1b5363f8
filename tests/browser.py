"""The browser tests' shared parts (a pytest plugin, named in conftest.py): Debian's Chromium
driven by Playwright, a tab that fails the test on anything that leaves 127.0.0.1, a script
error or a broken resource, and `klagestat serve` started on a free port. A module with browser
tests defines its own `server` fixture (with `serve_klagestat`) and calls `skip_without_browser()`
at the top.

Without /usr/bin/chromium those modules are skipped, unless KLAGESTAT_REQUIRE_BROWSER=1 (.ci/run
sets it): then they fail. Playwright never downloads a browser of its own.
"""

from __future__ import annotations

import os
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from nginx_proxy import wait_until_answering

from conftest import cli_command, free_port, is_postgres

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("KLAGESTAT_REQUIRE_BROWSER") == "1"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SECRET = "en-hemmelighed-til-browsertestene-0123456789"
RESOURCES = ("stylesheet", "script", "image", "font")  # what a page loads besides itself


def skip_without_browser() -> None:
    """At the top of a browser test module: skip it when there is no Chromium (or Playwright),
    unless the run requires the browser tests."""
    if not REQUIRE_BROWSER and not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (.ci/run installs it; KLAGESTAT_REQUIRE_BROWSER=1 makes this a "
                    "failure)", allow_module_level=True)
    if not REQUIRE_BROWSER:
        pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    """The environment of the server and of the commands run against its database: a config folder
    and pseudonym key of the tests' own, never a developer's database."""
    env = {k: v for k, v in os.environ.items() if k not in ("KLAGESTAT_DB", "KLAGESTAT_SECRET_FILE")}
    env.update(XDG_CONFIG_HOME=str(tmp_path_factory.mktemp("browser-config")), KLAGESTAT_SECRET=SECRET)
    return env


def klagestat(env: dict, *args, db, stdin: str | None = None) -> str:
    """Run `klagestat ARGS --db DB`; fail the test with its output unless it succeeds."""
    proc = subprocess.run(cli_command(*args, db=db), input=stdin, capture_output=True, text=True, env=env, timeout=180)
    assert proc.returncode == 0, f"klagestat {' '.join(map(str, args))}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


class Server:
    def __init__(self, url: str, db: Path, log: Path):
        self.url, self.db, self.log = url, db, log

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def serve_klagestat(env: dict, db, folder: Path, *args: str, port: int | None = None,
                    ready: str = "/healthz") -> Iterator[Server]:
    """`klagestat serve ARGS --db DB` on 127.0.0.1 (on `port`, else a free one) until the block
    ends; ready when `ready` answers 200."""
    port = port or free_port()
    log = folder / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(cli_command("serve", "--host", "127.0.0.1", "--port", str(port), *args, db=db),
                                   stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(url + ready, process, log)
        yield Server(url, db if is_postgres(db) else Path(db), log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Debian's Chromium, headless, with a fresh profile; one context (Playwright wants the profile
    folder given as launch_persistent_context's user_data_dir, not as --user-data-dir)."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"no Chromium at {CHROMIUM}, and KLAGESTAT_REQUIRE_BROWSER=1 says the browser tests must run "
                    "(.ci/run installs it with apt-get install chromium)")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, locale="da-DK", viewport={"width": 1280, "height": 900})
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser, server):
    """A new tab with no cookies. Fails the test if the page asked for anything outside 127.0.0.1
    (blocked), raised a script error, failed to load a stylesheet, script or image, or if the
    server logged a traceback meanwhile."""
    browser.clear_cookies()
    tab = browser.new_page()
    tab.set_default_timeout(20_000)
    outside: list[str] = []
    script_errors: list[str] = []
    broken: list[str] = []

    def only_local(route):
        if urllib.parse.urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    def check_response(response):
        if response.request.resource_type in RESOURCES and response.status >= 400:
            broken.append(f"{response.status} {response.url}")

    def check_failure(request):
        if request.resource_type in RESOURCES and request.url not in outside and request.failure != "net::ERR_ABORTED":
            broken.append(f"{request.failure} {request.url}")

    tab.route("**/*", only_local)
    tab.on("pageerror", lambda error: script_errors.append(str(error)))
    tab.on("response", check_response)
    tab.on("requestfailed", check_failure)
    log_before = len(server.log_text())
    yield tab
    tab.close()
    assert not outside, f"requests outside 127.0.0.1 (blocked; the pages must work offline): {outside}"
    assert not script_errors, f"script errors: {script_errors}"
    assert not broken, f"resources that did not load: {broken}"
    new_log = server.log_text()[log_before:]
    assert "Traceback" not in new_log and '"level": "error"' not in new_log, f"the server logged an error:\n{new_log}"


def go(page: Page, server: Server, path: str, status: int = 200):
    response = page.goto(server.url + path)
    assert response is not None and response.status == status, \
        f"{path}: {response.status if response else 'no response'} (expected {status})\n{page.inner_text('body')[:2000]}"
    return response


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def path_of(page: Page) -> str:
    return urllib.parse.urlsplit(page.url).path
