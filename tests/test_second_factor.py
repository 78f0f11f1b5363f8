"""Password logins with a second factor (TOTP), password login switched off, and a single sign-on
user's empty password, over HTTP on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

import pyotp
import pytest

from klagestat import api
from klagestat.store import accounts
from klagestat.web.app import create_app

from web_helpers import PASSWORD, add_user, client_for, log_in, logged_in, post

ADMIN, ANALYST = "admin@alleroed.dk", "analytiker@alleroed.dk"


@pytest.fixture
def app(database):
    add_user(database, ADMIN, "Allerød", "admin")
    add_user(database, ANALYST, "Allerød", "analyst")
    return create_app(database, password_login=True)


def _code_form(client, response) -> str:
    assert response.status_code == 303 and response.headers["location"].startswith("/login/kode"), response.text[:500]
    return client.get(response.headers["location"]).text


def _code(client, code: str):
    return client.post("/login/kode", data={"code": code, "next": "/sager", "csrf_token": csrf_token_of_code_page(client)})


def csrf_token_of_code_page(client) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login/kode").text)
    assert found
    return found[1]


def test_an_admin_requires_a_code_and_each_password_user_sets_it_up_at_the_next_login(app):
    admin = logged_in(app, ADMIN)
    assert post(admin, "/sager/brugere/engangskode", {"required": "ja"}).status_code == 303
    assert 'name="required" value="ja" checked' in admin.get("/sager/brugere").text
    refused = post(admin, "/sager/brugere", {"email": "ikke en adresse", "role": "reader", "password": "kort"})
    assert refused.status_code == 422 and 'name="required" value="ja" checked' in refused.text  # not lost on a bad form

    analyst = client_for(app)
    page = _code_form(analyst, log_in(analyst, ANALYST))
    assert "<svg" in page and "Scan QR-koden" in page  # the set-up: a QR code drawn on the server
    secret = re.search(r"Nøgle: <code>([A-Z2-7 ]+)</code>", page)[1].replace(" ", "")
    assert analyst.get("/sager").status_code == 303  # the password alone is no session

    assert _code(analyst, "000000" if pyotp.TOTP(secret).now() != "000000" else "111111").status_code == 401
    answer = _code(analyst, pyotp.TOTP(secret).now())
    assert answer.status_code == 303 and answer.headers["location"] == "/sager"
    assert analyst.get("/sager").status_code == 200

    again = client_for(app)  # the next login asks for the code of the secret set up, without a new QR code
    page = _code_form(again, log_in(again, ANALYST))
    assert "<svg" not in page
    assert _code(again, pyotp.TOTP(secret).now()).status_code == 303
    assert again.get("/sager").status_code == 200


def _awaiting_code(app, database) -> tuple[object, str]:
    """The analyst, who has set up a code, logged in with the password: the browser and the secret."""
    engine = api.open_database(database)
    secret = pyotp.random_base32()
    with engine.begin() as conn:
        accounts.set_totp_secret(conn, accounts.user_by_email(conn, ANALYST), secret)
    client = client_for(app)
    _code_form(client, log_in(client, ANALYST))
    return client, secret


def test_a_user_who_has_set_up_a_code_needs_it_even_when_it_is_not_required(app, database):
    client, secret = _awaiting_code(app, database)
    assert client.get("/sager").status_code == 303
    assert _code(client, pyotp.TOTP(secret).now()).status_code == 303
    assert client.get("/sager").status_code == 200


def test_wrong_codes_are_throttled_like_passwords(app, database):
    client, secret = _awaiting_code(app, database)
    wrong = "123456" if pyotp.TOTP(secret).now() != "123456" else "654321"
    statuses = [_code(client, wrong).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    assert _code(client, pyotp.TOTP(secret).now()).status_code == 429  # even the right one, for now


def test_password_login_can_be_switched_off(database):
    add_user(database, ANALYST, "Allerød", "analyst")
    app = create_app(database, password_login=False)
    client = client_for(app)
    page = client.get("/login")
    assert 'name="password"' not in page.text
    token = client.cookies["klagestat_csrf"]  # the page has no form to read it from
    answer = client.post("/login", data={"email": ANALYST, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 403 and "slået fra" in answer.text
    assert client.get("/sager").status_code == 303


def test_a_single_sign_on_user_has_no_password_that_works(app, database):
    engine = api.open_database(database)
    with engine.begin() as conn:
        accounts.saml_login(conn, external_id="idp|sso-1", email="sso@alleroed.dk", display_name="S. S. O.",
                            municipality_code="201", role="admin")
    client = client_for(app)
    # The dummy hash's own password, which an empty stored hash once fell back to.
    for password in ("", "klagestat: no such user"):
        assert log_in(client, "sso@alleroed.dk", password).status_code in (401, 422)
