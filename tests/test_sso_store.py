"""What single sign-on and the second factor keep in the database, on SQLite and PostgreSQL: a
request answered once, an assertion used once (also when two workers get it at the same moment),
users made and updated just in time, and a pending session that is no session."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest

from klagestat import api
from klagestat.domain.accounts import hash_password
from klagestat.store import accounts


@pytest.fixture
def engine(database):
    engine = api.open_database(database)
    yield engine
    engine.dispose()


def test_sso_a_request_is_answered_once(engine):
    with engine.begin() as conn:
        accounts.remember_saml_request(conn, "id-1", "/sager/analyser")
    with engine.begin() as conn:
        assert accounts.saml_requests(conn, {"id-1", "id-ukendt"}) == {"id-1": "/sager/analyser"}
        assert accounts.use_saml_request(conn, "id-1")
    with engine.begin() as conn:
        assert not accounts.use_saml_request(conn, "id-1")
        assert accounts.saml_requests(conn, {"id-1"}) == {}


def test_sso_an_assertion_is_used_once_even_by_two_workers_at_once(engine):
    valid_until = dt.datetime.now() + dt.timedelta(minutes=10)  # (an id past its time is let go)

    def use(_) -> bool:
        with engine.begin() as conn:
            return accounts.use_assertion(conn, "assertion-7", valid_until)

    with ThreadPoolExecutor(8) as pool:
        assert sorted(pool.map(use, range(8))) == [False] * 7 + [True]
    with engine.begin() as conn:
        assert accounts.assertion_used(conn, {"assertion-7", "andet"})
        assert not accounts.assertion_used(conn, {"andet"})


def test_sso_a_user_is_made_and_updated_just_in_time(engine):
    with engine.begin() as conn:
        first = accounts.saml_login(conn, external_id="idp|u1", email="Anna@Alleroed.dk", display_name="Anna",
                                    municipality_code="201", role="analyst")
    with engine.begin() as conn:
        again = accounts.saml_login(conn, external_id="idp|u1", email="anna@alleroed.dk", display_name="Anna A.",
                                    municipality_code="201", role="reader")
    assert (first.id, first.role, first.email, first.has_password) == (again.id, "analyst", "anna@alleroed.dk", False)
    assert (again.role, again.display_name) == ("reader", "Anna A.")


def test_sso_a_password_user_of_the_same_municipality_is_taken_over_and_another_is_refused(engine):
    with engine.begin() as conn:
        accounts.add_user(conn, "lars@lejre.dk", "350", "admin", hash_password("et langt kodeord 123"))
        accounts.add_user(conn, "bo@alleroed.dk", "201", "reader", hash_password("et langt kodeord 123"))
    with engine.begin() as conn:
        lars = accounts.saml_login(conn, external_id="idp|lars", email="lars@lejre.dk", display_name=None,
                                   municipality_code="350", role="analyst")
    assert lars.role == "analyst" and lars.has_password and lars.external_id == "idp|lars"
    with pytest.raises(accounts.SamlUserConflict), engine.begin() as conn:
        accounts.saml_login(conn, external_id="idp|bo", email="bo@alleroed.dk", display_name=None,
                            municipality_code="350", role="admin")
    with engine.begin() as conn:
        assert accounts.user_by_email(conn, "bo@alleroed.dk").municipality_code == "201"


def test_sso_a_session_awaiting_its_code_is_no_session(engine):
    with engine.begin() as conn:
        user = accounts.add_user(conn, "kim@alleroed.dk", "201", "reader", hash_password("et langt kodeord 123"))
        accounts.start_session(conn, user, "ventende", dt.timedelta(minutes=10), pending=True, enrolment="ABC")
        accounts.start_session(conn, user, "hel", dt.timedelta(minutes=10))
    with engine.begin() as conn:
        assert accounts.session_user(conn, "ventende") is None
        assert accounts.pending_login(conn, "ventende").enrolment == "ABC"
        assert accounts.session_user(conn, "hel").email == "kim@alleroed.dk"
        assert accounts.pending_login(conn, "hel") is None
