"""Single sign-on end to end: a real `klagestat serve --saml` and a real SAML identity provider
(pysaml2's, tests/saml_idp.py) on loopback, driven by Chromium through Playwright as a municipal
employee would: klagestat's login button, the IdP's page, the POSTed assertion, the case area.

Login, roles that follow the IdP's on every login, a second municipality's user who sees only its
own cases, single logout both ways, and every refusal (each a Danish page, an audit-log line and no
session). `pytest -k saml` selects these.
"""

from __future__ import annotations

import urllib.parse
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import pytest

from browser import Server, go, klagestat, screenshot, serve_klagestat, skip_without_browser
from test_import_cases import case, write_cases_csv

from conftest import BACKENDS, db_rows, free_port, fresh_pg_database

skip_without_browser()
from saml_idp import IdP, Person, make_key_pair  # noqa: E402 - after the skip

ALLEROD_CVR, LEJRE_CVR = "11111111", "22222222"  # test values; the settings map them to the codes
LEJRE_CASE = "LEJRE-SAML-1"

PEOPLE = {
    "anna": Person("a1b2c3-anna", "anna@alleroed.dk", "Anna Analytiker", ALLEROD_CVR, ["analytiker"]),
    "lars": Person("d4e5f6-lars", "lars@lejre.dk", "Lars Læser", LEJRE_CVR, ["laeser"]),
}


@pytest.fixture(scope="module")
def idp(tmp_path_factory) -> IdP:
    return IdP(tmp_path_factory.mktemp("idp"), free_port(), people=dict(PEOPLE))


def _settings(folder: Path, base_url: str, idp: IdP) -> Path:
    key, cert = make_key_pair(folder, "sp")
    path = folder / "saml.toml"
    path.write_text(f"""
[sp]
base_url = "{base_url}"
key_file = "{key}"
cert_file = "{cert}"

[idp]
metadata_file = "{idp.metadata_file}"
label = "Test-IdP"

[roles]
laeser = "reader"
analytiker = "analyst"
administrator = "admin"

[cvr]
"{ALLEROD_CVR}" = "201"
"{LEJRE_CVR}" = "350"
""", encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=BACKENDS)
def server(request, tmp_path_factory, env, idp):
    """`klagestat serve --saml` on a new database (SQLite, then PostgreSQL), the IdP told its
    metadata (fetched from /saml/metadata, as the municipality registers it), and a case in
    Lejre's register."""
    folder = tmp_path_factory.mktemp(f"saml-server-{request.param}")
    with ExitStack() as stack:
        db = stack.enter_context(fresh_pg_database()) if request.param == "postgresql" else folder / "klagestat.db"
        port = free_port()
        settings = _settings(folder, f"http://127.0.0.1:{port}", idp)
        running = stack.enter_context(serve_klagestat(env, db, folder, "--saml", str(settings), port=port,
                                                      ready="/saml/metadata"))
        with urllib.request.urlopen(running.url + "/saml/metadata") as answer:
            idp.trust(answer.read().decode())
        http = idp.serve()
        stack.callback(http.server_close)
        stack.callback(http.shutdown)
        path = write_cases_csv(folder / "lejre.csv", [case(LEJRE_CASE)])
        klagestat(env, "import", "cases", path, "--municipality", "Lejre", db=db)
        yield running


@pytest.fixture(autouse=True)
def idp_behaves(idp):
    idp.mode = "ok"
    idp.people = dict(PEOPLE)
    yield


def saml_login(page, server: Server, who: str, shot: str | None = None) -> None:
    """From klagestat's login page through the IdP and back."""
    go(page, server, "/login?next=/sager")
    if shot:
        screenshot(page, shot)
    page.get_by_role("link", name="Log ind med Test-IdP").click()
    page.get_by_role("link", name=PEOPLE[who].name if who in PEOPLE else who).click()
    page.wait_for_load_state()


def arrived(page, path: str) -> None:
    """Wait until the browser is at `path`; else fail with where it is and what it shows."""
    try:
        page.wait_for_url(lambda url: urllib.parse.urlsplit(url).path == path, timeout=15_000)
    except Exception:
        pytest.fail(f"expected {path}, at {page.url}:\n{page.inner_text('body')[:1500]}")


def _session_cookies(page) -> list[dict]:
    return [c for c in page.context.cookies() if "klagestat_session" in c["name"]]


def _audit(server: Server) -> list[tuple]:
    return db_rows(server.db, "SELECT user_email, municipality_code, action, target FROM audit_event ORDER BY id")


def _user(server: Server, email: str):
    [user] = db_rows(server.db, "SELECT municipality_code, role, display_name, password_hash FROM user_account "
                                "WHERE email = ?", email)
    return user


def test_saml_metadata_names_our_endpoints_and_key(server):
    with urllib.request.urlopen(server.url + "/saml/metadata") as answer:
        assert answer.headers["Content-Type"].startswith("application/samlmetadata+xml")
        xml = answer.read().decode()
    assert f'Location="{server.url}/saml/acs"' in xml
    assert f'Location="{server.url}/saml/logout"' in xml
    assert 'AuthnRequestsSigned="true"' in xml and 'WantAssertionsSigned="true"' in xml
    assert "<ns1:X509Certificate>" in xml or "X509Certificate>" in xml


def test_saml_login_creates_the_user_with_the_idps_role_and_municipality(page, server, idp):
    saml_login(page, server, "anna", shot="20-login-saml-and-password")
    arrived(page, "/sager")
    assert "Allerød" in page.inner_text("header")
    assert idp.last_authn_request.requested_authn_context.authn_context_class_ref[0].text.endswith("/Substantial")
    assert _user(server, "anna@alleroed.dk")[:3] == ("201", "analyst", "Anna Analytiker")
    assert _user(server, "anna@alleroed.dk")[3] == ""  # no password: this user can only come by SAML
    go(page, server, "/sager/import")  # an analyst may import
    assert ("anna@alleroed.dk", "201", "log ind (SAML)", "rolle analyst") in _audit(server)
    cookie = _session_cookies(page)[0]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"


def test_saml_an_encrypted_assertion_is_read_with_our_key(page, server, idp):
    idp.mode = "encrypted"
    saml_login(page, server, "lars")
    arrived(page, "/sager")
    assert "Lejre" in page.inner_text("header")


def test_saml_roles_removed_at_the_idp_are_removed_here(page, server, idp):
    idp.people["anna"] = Person(**{**PEOPLE["anna"].__dict__, "roles": ["laeser"]})
    saml_login(page, server, "anna")
    arrived(page, "/sager")
    assert _user(server, "anna@alleroed.dk")[1] == "reader"
    go(page, server, "/sager/import", status=403)


def test_saml_a_second_municipalitys_user_sees_only_its_own_cases(page, server):
    saml_login(page, server, "lars")
    arrived(page, "/sager")
    assert "Lejre" in page.inner_text("header")
    go(page, server, f"/sager/sag/{LEJRE_CASE}")
    page.context.clear_cookies()
    saml_login(page, server, "anna")
    arrived(page, "/sager")
    go(page, server, f"/sager/sag/{LEJRE_CASE}", status=404)


def test_saml_logout_from_klagestat_ends_the_login_at_the_idp_too(page, server, idp):
    saml_login(page, server, "anna")
    arrived(page, "/sager")
    before = len(idp.logout_requests)
    page.get_by_role("button", name="Log ud").click()
    arrived(page, "/saml/logout")
    assert "Du er logget ud" in page.inner_text("h1")
    assert len(idp.logout_requests) == before + 1  # signed: the IdP checks it
    assert idp.logout_requests[-1].name_id.text == idp.name_ids["a1b2c3-anna"].text
    page.goto(server.url + "/sager")
    assert "/login" in page.url


def test_saml_logout_started_at_the_idp_ends_the_session_here(page, server, idp):
    saml_login(page, server, "anna")
    arrived(page, "/sager")
    page.goto(idp.logout_request_url(PEOPLE["anna"], server.url + "/saml/logout"))
    arrived(page, "/slo")
    assert "Logget ud hos identitetsudbyderen" in page.inner_text("body")
    page.goto(server.url + "/sager")
    assert "/login" in page.url


def test_saml_a_logout_request_the_idp_did_not_sign_is_refused(page, server, idp):
    saml_login(page, server, "anna")
    arrived(page, "/sager")
    before = len(_audit(server))
    page.goto(idp.logout_request_url(PEOPLE["anna"], server.url + "/saml/logout", sign=False))
    assert "ikke signeret" in page.inner_text("main")
    assert [line[3] for line in _audit(server)[before:]] == ["logout-unsigned"]
    go(page, server, "/sager")  # still logged in


def test_saml_an_idp_clock_a_minute_ahead_is_within_the_skew_allowed(page, server, idp):
    idp.mode = "clock-ahead"
    saml_login(page, server, "anna")
    arrived(page, "/sager")


REFUSALS = {
    # mode: words of the Danish page, the audit line's reason
    "unsigned": ("ikke signeret", "unsigned"),
    "wrong-key": ("Signaturen", "bad-signature"),
    "wrapping": ("forkert opbygning", "malformed"),
    "wrapping-hidden": ("ikke signeret", "unsigned"),
    "expired": ("udløbet", "expired"),
    "not-yet-valid": ("ikke gyldigt endnu", "not-yet-valid"),
    "wrong-audience": ("en anden tjeneste", "wrong-audience"),
    "wrong-recipient": ("en anden adresse", "wrong-recipient"),
    "unknown-request": ("ikke på et login, klagestat har bedt om", "unsolicited"),
}


@pytest.mark.parametrize("mode", list(REFUSALS))
def test_saml_refuses_a_bad_response(page, server, idp, mode):
    idp.mode = mode
    _refused(page, server, "anna", *REFUSALS[mode], shot="21-saml-refused" if mode == "expired" else None)


def _refused(page, server: Server, who: str, words: str, reason: str, shot: str | None = None) -> None:
    before = len(_audit(server))
    saml_login(page, server, who)
    arrived(page, "/saml/acs")
    if shot:
        screenshot(page, shot)
    assert page.inner_text("h1") == "Login afvist"
    assert words in page.inner_text("main"), page.inner_text("main")
    assert not _session_cookies(page)
    new = _audit(server)[before:]
    assert [line[2:] for line in new] == [("login afvist (SAML)", reason)], new
    page.goto(server.url + "/sager")
    assert "/login" in page.url


def test_saml_refuses_a_replayed_assertion(page, server, idp):
    saml_login(page, server, "anna")
    arrived(page, "/sager")
    page.context.clear_cookies()
    before = len(_audit(server))
    page.goto(idp.url + "/replay")  # the same response, posted again
    arrived(page, "/saml/acs")
    assert "allerede brugt" in page.inner_text("main")
    assert not _session_cookies(page)
    assert [line[3] for line in _audit(server)[before:]] == ["replayed"]


@pytest.mark.parametrize(("change", "words", "reason"), [
    ({"assurance": "Low"}, "sikringsniveau Lav", "assurance-too-low"),
    ({"cvr": "99999999"}, "kender ikke den kommune", "municipality-unknown"),
    ({"roles": ["kantinebruger"]}, "ingen rolle", "no-role"),
    ({"user_id": "010190-1234"}, "CPR-nummer", "cpr-subject"),  # never stored, so never a user's id
])
def test_saml_refuses_a_login_we_cannot_place(page, server, idp, change, words, reason):
    idp.people["anna"] = Person(**{**PEOPLE["anna"].__dict__, **change})
    _refused(page, server, "anna", words, reason)
