"""Helpers for the tests of the case area (/sager) over HTTP with FastAPI's test client: users,
logging in with the CSRF token a browser would send, register files, and reading pages.

Nothing here mocks klagestat: the app runs on a real database, users are made with the real
`api.add_user`, registers are real CSV files imported by the real importer.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from lxml import html as lxml_html

from klagestat import api

SESSION_COOKIE = "klagestat_session"
CSRF_COOKIE = "klagestat_csrf"
SECRET = "en-hemmelighed-til-webtestene-0123456789"
PASSWORD = "en-god-adgangskode-1"

REGISTER_HEADER = ("sags_id", "cpr", "lovgrundlag", "omraade", "afgoerelsesdato", "klagedato", "genvurdering",
                   "klageinstans", "videresendt", "instans_afgoerelsesdato", "udfald", "aarsag", "beskrivelse",
                   "laering")

# The test regex of tests/test_report_complaints.py: ten digits, maybe with a dash or space after six.
CPR_SHAPED = re.compile(r"(?<!\d)\d{6}[-\u2010\u2013 ]?\d{4}(?!\d)")


def case(sags_id: str, **values) -> dict:
    """One register row: a decided SEL § 100 case (2024) unless told otherwise."""
    row = {"sags_id": sags_id, "lovgrundlag": "SEL § 100", "omraade": "Social og Sundhed",
           "afgoerelsesdato": "01-02-2024", "klagedato": "15-02-2024", "genvurdering": "fastholdt",
           "videresendt": "01-03-2024", "instans_afgoerelsesdato": "10-09-2024", "udfald": "stadfæstet"}
    row.update(values)
    return row


def register_bytes(rows: Iterable[dict], header=REGISTER_HEADER) -> bytes:
    """A semicolon CSV register as Excel writes it (UTF-8, CRLF, quoted where needed)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for r in rows:
        writer.writerow([r.get(h, "") for h in header])
    return buffer.getvalue().encode("utf-8")


def write_register(path: Path, rows: Iterable[dict], header=REGISTER_HEADER) -> Path:
    path.write_bytes(register_bytes(rows, header))
    return path


def add_user(db, email: str, municipality: str, role: str, password: str = PASSWORD):
    engine = api.open_database(str(db))
    try:
        return api.add_user(engine, email, municipality, role, password)
    finally:
        engine.dispose()


def client_for(app, *, address: str = "testclient", https: bool = False) -> TestClient:
    """A browser: its own cookies, redirects not followed (the tests look at them)."""
    return TestClient(app, base_url="https://testserver" if https else "http://testserver",
                      follow_redirects=False, client=(address, 50000))


def csrf_token(client: TestClient) -> str:
    """The CSRF token the browser's forms carry, read from a page's form as a browser has it: the
    login page's before login, a case-area page's (tied to the session) after."""
    logged_in = any(name.endswith(SESSION_COOKIE) for name in client.cookies.keys())
    page = client.get("/sager/klagerapport" if logged_in else "/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, f"no CSRF token in the form of {page.url} ({page.status_code})"
    return found[1]


def log_in(client: TestClient, email: str, password: str = PASSWORD, next: str | None = None) -> httpx.Response:
    """Post the login form as a browser does (CSRF token from the cookie, in the form)."""
    data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    if next is not None:
        data["next"] = next
    return client.post("/login", data=data)


def logged_in(app, email: str, password: str = PASSWORD, **kwargs) -> TestClient:
    client = client_for(app, **kwargs)
    response = log_in(client, email, password)
    assert response.status_code == 303, f"{email} could not log in: {response.status_code} {response.text[:500]}"
    return client


def post(client: TestClient, url: str, data: dict | None = None, **kwargs) -> httpx.Response:
    """A form post carrying the browser's CSRF token, as every form of the case area does."""
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client)}, **kwargs)


def upload(client: TestClient, content: bytes, name: str = "register.csv", *, csrf: bool = True,
           media_type: str = "text/csv") -> httpx.Response:
    data = {"csrf_token": csrf_token(client)} if csrf else {}
    return client.post("/sager/import", data=data, files={"file": (name, content, media_type)})


def confirm_token(preview: httpx.Response) -> str:
    """The token of the preview page's confirm form."""
    tokens = tree(preview).xpath('//form[@action="/sager/import/bekraeft"]//input[@name="token"]/@value')
    assert len(tokens) == 1, f"no confirm form in the preview:\n{preview.text[:3000]}"
    return tokens[0]


def tree(response: httpx.Response):
    return lxml_html.fromstring(response.text)


def text_of(response: httpx.Response) -> str:
    """The page's visible text, whitespace collapsed."""
    return " ".join(tree(response).text_content().split())


def table(response: httpx.Response, xpath: str) -> tuple[list[str], list[list[str]]]:
    """(headers, rows of cell texts) of the one table the xpath finds."""
    found = tree(response).xpath(xpath)
    assert len(found) == 1, f"{len(found)} tables at {xpath}"
    t = found[0]
    headers = [" ".join(th.text_content().split()) for th in t.xpath("./thead/tr/th")]
    rows = [[" ".join(c.text_content().split()) for c in tr.xpath("./th|./td")] for tr in t.xpath("./tbody/tr")]
    return headers, rows


def case_ids_on(response: httpx.Response) -> list[str]:
    """The case ids of a list page, in order (the row headers of its table)."""
    return [" ".join(th.text_content().split()) for th in tree(response).xpath("//table[contains(@class,'sortable')]/tbody/tr/th")]


def listed_total(response: httpx.Response) -> int:
    """The total the list page states ("568 sager" / "1 sag"), Danish thousands separators allowed."""
    match = re.search(r"(\d[\d.]*) sag(?:er)?\b", text_of(response))
    assert match, f"no total on the page:\n{text_of(response)[:2000]}"
    return int(match.group(1).replace(".", ""))


def csv_rows(response: httpx.Response) -> list[list[str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def xlsx_rows(response: httpx.Response) -> list[list]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(response.content))
    return [list(r) for r in workbook.active.iter_rows(values_only=True)]


def cookie_headers(response: httpx.Response, name: str) -> list[str]:
    return [h for h in response.headers.get_list("set-cookie") if h.split("=", 1)[0].strip() == name]


def cookie_attributes(header: str) -> dict[str, str]:
    """The attributes of one Set-Cookie header, lower-cased names ("httponly": "")."""
    attributes = {}
    for part in header.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        attributes[name.lower()] = value
    return attributes
