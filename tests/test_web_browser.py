"""The web app end to end, in a real headless Chromium (Debian's, driven by Playwright) against a
real `klagestat serve` on a copy of the demo database.

What a person does: open the map, follow a municipality (by mouse and by keyboard) to its profile,
sort the table, compare, log in, import a register with bad rows and see them, open a case, and
not reach another municipality's case. Every request that leaves 127.0.0.1 is blocked and fails the
test (the pages must work offline), and so does a script error or a failed stylesheet, script or
image (tests/browser.py). Screenshots of the main pages go to test-artifacts/screenshots/ for a
person to look at.
"""

from __future__ import annotations

import re
import urllib.parse

import pytest

from browser import Server, go, klagestat, path_of, screenshot, serve_klagestat, skip_without_browser
from test_import_cases import case, write_cases_csv

from conftest import copy_db

skip_without_browser()
from playwright.sync_api import Page, expect  # noqa: E402 - after the skip

ANALYST = ("analytiker@alleroed.dk", "Et langt kodeord til testen 42")
LEJRE_CASE = "LEJRE-HEMMELIG-1"  # a case of Lejre's; an Allerød user must never reach it


# ---- the server -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(demo_db, tmp_path_factory, env):
    """`klagestat serve` on a copy of the demo database, on a free port, until the module ends."""
    folder = tmp_path_factory.mktemp("browser-server")
    db = copy_db(demo_db, folder / "klagestat.db")
    with serve_klagestat(env, db, folder) as running:
        yield running


@pytest.fixture(scope="module")
def analyst(server, env) -> tuple[str, str]:
    """An analyst of Allerød, added with the command line while the server runs."""
    email, password = ANALYST
    klagestat(env, "users", "add", "--email", email, "--municipality", "Allerød", "--role", "analyst",
              "--password-stdin", db=server.db, stdin=password + "\n")
    return ANALYST


@pytest.fixture(scope="module")
def lejre_case(server, env, tmp_path_factory) -> str:
    """A case in Lejre's register (imported with the command line while the server runs)."""
    path = write_cases_csv(tmp_path_factory.mktemp("lejre") / "lejre.csv", [case(LEJRE_CASE)])
    klagestat(env, "import", "cases", path, "--municipality", "Lejre", db=server.db)
    return LEJRE_CASE


# ---- the browser ----------------------------------------------------------------------------------


def log_in(page: Page, server: Server, email: str, password: str) -> None:
    go(page, server, "/login")
    form = page.locator('form[action="/login"][method="post"]')
    expect(form.locator('input[name="csrf_token"]')).to_have_count(1)
    form.locator('input[name="email"]').fill(email)
    form.locator('input[name="password"]').fill(password)
    form.get_by_role("button", name="Log ind").click()
    page.wait_for_url(re.compile(r"/sager$"))


# ---- the public pages -----------------------------------------------------------------------------

def test_the_map_is_in_danish_and_a_municipality_opens_its_profile(page, server):
    go(page, server, "/")
    assert page.locator("html").get_attribute("lang") == "da"
    links = page.locator('a[href^="/kommune/"]')
    assert links.count() >= 98, f"{links.count()} municipality links on the map page"
    screenshot(page, "01-map")

    page.locator('a[href="/kommune/201"]').first.click()
    page.wait_for_url(re.compile(r"/kommune/201$"))
    assert page.locator("html").get_attribute("lang") == "da"
    expect(page.locator("h1")).to_contain_text("Allerød")
    screenshot(page, "02-profile")


def test_a_municipality_can_be_reached_with_the_keyboard(page, server):
    go(page, server, "/")
    href = None
    for _ in range(300):
        page.keyboard.press("Tab")
        href = page.evaluate("document.activeElement && document.activeElement.getAttribute('href')")
        if href and href.startswith("/kommune/"):
            break
    assert href and href.startswith("/kommune/"), "Tab never reached a municipality link"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(href) + "$"))
    expect(page.locator("h1")).to_be_visible()


def _number(text: str) -> float | None:
    """A Danish number in a cell ("48,9 %", "1.234"), or None."""
    found = re.search(r"-?\d[\d.]*(,\d+)?", text.replace("\u2212", "-"))
    return float(found.group().replace(".", "").replace(",", ".")) if found else None


def test_the_table_under_the_map_sorts_when_a_header_is_clicked(page, server):
    go(page, server, "/")
    buttons = page.locator("table th button")
    if buttons.count() == 0:
        pytest.skip("the table under the map has no sort buttons (yet)")
    table = buttons.first.locator("xpath=ancestor::table[1]")
    headers = table.locator("thead th")
    rows = table.locator("tbody tr")
    assert rows.count() >= 98

    def column(index: int) -> list[float]:
        cells = rows.evaluate_all(f"rows => rows.map(r => r.children[{index}] ? r.children[{index}].innerText : '')")
        return [n for n in map(_number, cells) if n is not None]

    # The first column with numbers in it and a sort button in its header.
    for index in range(headers.count()):
        button = headers.nth(index).locator("button")
        if button.count() and len(column(index)) >= 50:
            break
    else:
        pytest.fail("no numeric column with a sort button")
    button.click()
    first = column(index)
    assert first in (sorted(first), sorted(first, reverse=True)), f"not sorted after one click: {first[:10]}…"
    button.click()
    second = column(index)
    assert second in (sorted(second), sorted(second, reverse=True)) and second != first, \
        f"a second click does not sort the other way: {second[:10]}…"
    assert headers.nth(index).get_attribute("aria-sort") in ("ascending", "descending")


def test_the_comparison_page_compares_the_municipalities_asked_for(page, server):
    go(page, server, "/sammenlign?kommune=201&kommune=350")
    assert page.locator("html").get_attribute("lang") == "da"
    expect(page.locator("table").first).to_contain_text("Allerød")
    expect(page.locator("table").first).to_contain_text("Lejre")
    screenshot(page, "03-comparison")


def test_the_map_fits_a_phone_screen(page, server):
    page.set_viewport_size({"width": 390, "height": 844})
    go(page, server, "/")
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways on a phone: {widths[0]}px wide in {widths[1]}px"
    screenshot(page, "08-map-phone")
    page.locator('a[href="/kommune/201"]').first.click()
    page.wait_for_url(re.compile(r"/kommune/201$"))
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the profile scrolls sideways on a phone: {widths[0]}px wide in {widths[1]}px"
    screenshot(page, "09-profile-phone")


# ---- the case area ------------------------------------------------------------------------------------

def test_the_case_list_needs_a_login(page, server):
    response = page.goto(server.url + "/sager")
    assert path_of(page) == "/login" or response.status in (401, 403), f"/sager without login: {response.status} {page.url}"
    assert page.locator('a[href^="/sager/"]').count() == 0


def test_an_analyst_logs_in_sees_the_cases_opens_one_and_logs_out(page, server, analyst):
    go(page, server, "/login")
    screenshot(page, "04-login")
    log_in(page, server, *analyst)
    links = page.locator('table a[href^="/sager/sag/"]')
    assert links.count() > 0, "no cases listed for Allerød (the demo has a register)"
    expect(page.locator("table").first).to_contain_text("ALL-")
    screenshot(page, "05-cases")

    link = links.first
    sags_id = link.inner_text().strip()
    link.click()
    page.wait_for_url(re.compile(r"/sager/sag/[^/]+$"))
    assert urllib.parse.unquote(path_of(page)) == f"/sager/sag/{sags_id}"
    expect(page.locator("main")).to_contain_text(sags_id)
    screenshot(page, "07-case")

    page.get_by_role("button", name="Log ud").click()
    page.wait_for_load_state()
    response = page.goto(server.url + "/sager")
    assert path_of(page) == "/login" or response.status in (401, 403), "still logged in after Log ud"


def test_an_import_with_bad_rows_shows_them_before_and_after(page, server, analyst, tmp_path):
    area = "Browsertestens område"  # only these cases: the list shows them on its first page when filtered
    rows = [
        case("WEB-OK-1", omraade=area),
        case("WEB Sag ø 2", omraade=area, udfald="hjemvist", aarsag="begrundelse"),  # a space and a ø: quoted
        case("WEB-BAD-1", omraade=area, klagedato="31-02-2024"),  # line 4: no such date
        case("WEB-BAD-2", omraade=area, udfald="delvis medhold"),  # line 5: no such outcome
    ]
    path = write_cases_csv(tmp_path / "klageregister.csv", rows)
    log_in(page, server, *analyst)
    go(page, server, "/sager/import")
    page.locator('input[type="file"][name="file"]').set_input_files(str(path))
    page.get_by_role("button", name="Vis forhåndsvisning").click()
    page.wait_for_load_state()

    def rejected() -> str:
        table = page.locator("table#afviste")
        expect(table).to_be_visible()
        assert table.locator("tbody tr").count() == 2, table.inner_text()
        return table.inner_text()

    shown = rejected()
    for expected in ("4", "klagedato", "31-02-2024", "5", "udfald", "delvis medhold"):
        assert expected in shown, f"{expected!r} is not among the rejected rows:\n{shown}"
    screenshot(page, "06-import-preview")

    page.get_by_role("button", name="Importér").click()
    page.wait_for_load_state()
    after = rejected()
    assert "31-02-2024" in after and "delvis medhold" in after
    screenshot(page, "06b-import-result")

    go(page, server, "/sager")
    page.locator("form[action=\"/sager\"] select[name=\"area\"]").select_option(area)
    page.get_by_role("button", name="Vis", exact=True).click()
    page.wait_for_load_state()
    assert page.locator('table a[href^="/sager/sag/"]').all_inner_texts() == ["WEB Sag ø 2", "WEB-OK-1"], \
        page.url + "\n" + page.inner_text("main")[:1500]
    link = page.locator(f'a[href="/sager/sag/{urllib.parse.quote("WEB Sag ø 2")}"]')
    expect(link).to_have_count(1)
    link.click()
    page.wait_for_url(re.compile(r"/sager/sag/WEB"))
    expect(page.locator("main")).to_contain_text("WEB Sag ø 2")


def test_another_municipalitys_case_is_not_found(page, server, analyst, lejre_case):
    log_in(page, server, *analyst)
    assert page.locator(f'a[href="/sager/sag/{lejre_case}"]').count() == 0
    go(page, server, f"/sager/sag/{lejre_case}", status=404)
    expect(page.locator("h1")).to_contain_text("Siden findes ikke")
    screenshot(page, "10-not-found")
