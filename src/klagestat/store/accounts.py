"""Users of the case area, their sessions, failed logins, the second factor, and the SAML
requests and assertions of single sign-on.

Passwords are hashed by the caller (argon2, `web/accounts.py`); sessions are stored as a hash of
the browser's token, so the database alone never lets anyone in. Everything here is in the
database, not in a process's memory: every web worker sees the same sessions and the same used
assertions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from klagestat.domain.cpr import mask_cpr

from .schema import access_setting, login_failure, saml_assertion, saml_request, user_account, web_session


@dataclass(frozen=True)
class User:
    id: int
    email: str
    municipality_code: str
    role: str
    password_hash: str  # "" for a user of single sign-on only
    external_id: str | None = None  # "issuer|subject" of a single sign-on user
    display_name: str | None = None
    totp_secret: str | None = None

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)


@dataclass(frozen=True)
class PendingLogin:
    """A password login awaiting its second factor: the user and, while setting it up, the new
    secret offered."""

    user: User
    enrolment: str | None


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _user(row) -> User | None:
    return None if row is None else User(row.id, row.email, row.municipality_code, row.role, row.password_hash,
                                         row.external_id, row.display_name, row.totp_secret)


def normal_email(email: str) -> str:
    """As stored and compared; a CPR number typed as a login is masked before it is kept in the
    failed logins (`users add` refuses such an address)."""
    return mask_cpr(email.strip().casefold())


def user_by_email(conn: Connection, email: str) -> User | None:
    return _user(conn.execute(select(user_account).where(user_account.c.email == normal_email(email))).first())


def add_user(conn: Connection, email: str, municipality_code: str, role: str, password_hash: str) -> User:
    """A new user, or the existing one with a new municipality, role and password (so the
    command can reset a password); their sessions end either way."""
    existing = user_by_email(conn, email)
    values = {"municipality_code": municipality_code, "role": role, "password_hash": password_hash}
    if existing is None:
        conn.execute(insert(user_account).values(email=normal_email(email), created_at=_now(), **values))
    else:
        conn.execute(update(user_account).where(user_account.c.id == existing.id).values(**values))
        conn.execute(delete(web_session).where(web_session.c.user_id == existing.id))
    return user_by_email(conn, email)


def users_of(conn: Connection, municipality_code: str) -> list[User]:
    rows = conn.execute(select(user_account).where(user_account.c.municipality_code == municipality_code)
                        .order_by(user_account.c.email))
    return [_user(r) for r in rows]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(conn: Connection, user: User, token: str, lifetime: dt.timedelta, *, pending: bool = False,
                  enrolment: str | None = None, saml_name_id: str | None = None,
                  saml_session_index: str | None = None) -> None:
    """A session for `user` under `token`. `pending`: the password was right, the second factor
    is still to come (`enrolment`: the new secret offered). A SAML session keeps its NameID and
    session index for single logout."""
    now = _now()
    conn.execute(delete(web_session).where(web_session.c.expires_at < now))  # tidy up the expired
    conn.execute(insert(web_session).values(token_hash=token_hash(token), user_id=user.id, created_at=now,
                                            expires_at=now + lifetime, second_factor_pending=pending,
                                            totp_enrolment=enrolment, saml_name_id=saml_name_id,
                                            saml_session_index=saml_session_index))


def _session(token: str):
    return (select(user_account, web_session.c.second_factor_pending, web_session.c.totp_enrolment,
                   web_session.c.saml_name_id, web_session.c.saml_session_index)
            .join(web_session, web_session.c.user_id == user_account.c.id)
            .where(web_session.c.token_hash == token_hash(token), web_session.c.expires_at > _now()))


def session_user(conn: Connection, token: str) -> User | None:
    """The user of a whole session (a pending second factor is not one)."""
    return _user(conn.execute(_session(token).where(web_session.c.second_factor_pending.is_(False))).first())


def pending_login(conn: Connection, token: str) -> PendingLogin | None:
    row = conn.execute(_session(token).where(web_session.c.second_factor_pending.is_(True))).first()
    return None if row is None else PendingLogin(_user(row), row.totp_enrolment)


def saml_session(conn: Connection, token: str) -> tuple[str, str | None] | None:
    """The NameID (XML) and session index of a SAML session, for a single logout."""
    row = conn.execute(_session(token)).first()
    return None if row is None or row.saml_name_id is None else (row.saml_name_id, row.saml_session_index)


def end_saml_sessions(conn: Connection, matches) -> int:
    """End the SAML sessions for which `matches(name_id_xml, session_index)` is true (a logout
    the identity provider started); how many ended."""
    rows = conn.execute(select(web_session.c.token_hash, web_session.c.saml_name_id, web_session.c.saml_session_index)
                        .where(web_session.c.saml_name_id.is_not(None))).all()
    ended = [r.token_hash for r in rows if matches(r.saml_name_id, r.saml_session_index)]
    if ended:
        conn.execute(delete(web_session).where(web_session.c.token_hash.in_(ended)))
    return len(ended)


def end_session(conn: Connection, token: str) -> None:
    conn.execute(delete(web_session).where(web_session.c.token_hash == token_hash(token)))


def record_login_failure(conn: Connection, email: str, client: str) -> None:
    """Every login attempt is recorded as a failure *before* its password is checked, in a
    transaction of its own, and only then are the failures counted: so parallel attempts always
    count each other (the n-th to commit sees at least n), and no more than the limit get their
    password checked. A successful login clears them (`clear_login_failures`)."""
    conn.execute(insert(login_failure).values(email=normal_email(email), client=client, at=_now()))


def recent_login_failures(conn: Connection, email: str, client: str, window: dt.timedelta) -> tuple[int, int]:
    """Failures in the last `window`: (for this e-mail, from this client address)."""
    since = _now() - window
    conn.execute(delete(login_failure).where(login_failure.c.at < since))  # older ones no longer count
    same_email = login_failure.c.email == normal_email(email)
    same_client = login_failure.c.client == client
    by_email, by_client = conn.execute(
        select(func.count().filter(same_email), func.count().filter(same_client))
        .where(login_failure.c.at >= since, or_(same_email, same_client))
    ).one()
    return by_email, by_client


def clear_login_failures(conn: Connection, email: str) -> None:
    conn.execute(delete(login_failure).where(login_failure.c.email == normal_email(email)))


# ---- the second factor ---------------------------------------------------------------------------

def set_totp_secret(conn: Connection, user: User, secret: str | None) -> None:
    conn.execute(update(user_account).where(user_account.c.id == user.id).values(totp_secret=secret))


def totp_required(conn: Connection, municipality_code: str) -> bool:
    """Whether the municipality's admin requires a second factor of every password user."""
    return bool(conn.execute(select(access_setting.c.totp_required)
                             .where(access_setting.c.municipality_code == municipality_code)).scalar())


def set_totp_required(conn: Connection, municipality_code: str, required: bool) -> None:
    conn.execute(delete(access_setting).where(access_setting.c.municipality_code == municipality_code))
    conn.execute(insert(access_setting).values(municipality_code=municipality_code, totp_required=required))


# ---- single sign-on --------------------------------------------------------------------------------

SAML_REQUEST_LIFETIME = dt.timedelta(minutes=15)  # a login at the identity provider may take a while


def remember_saml_request(conn: Connection, request_id: str, next_page: str) -> None:
    now = _now()
    conn.execute(delete(saml_request).where(saml_request.c.created_at < now - SAML_REQUEST_LIFETIME))
    conn.execute(insert(saml_request).values(id=request_id, next=next_page, created_at=now))


def saml_requests(conn: Connection, request_ids: set[str]) -> dict[str, str]:
    """Of `request_ids`, those we sent and still wait for: id → the page the user was going to."""
    rows = conn.execute(select(saml_request.c.id, saml_request.c.next)
                        .where(saml_request.c.id.in_(request_ids),
                               saml_request.c.created_at >= _now() - SAML_REQUEST_LIFETIME))
    return {r.id: r.next for r in rows}


def use_saml_request(conn: Connection, request_id: str) -> bool:
    """Mark the request answered; False if another answer used it first (a request is answered once)."""
    return conn.execute(delete(saml_request).where(saml_request.c.id == request_id)).rowcount == 1


def assertion_used(conn: Connection, assertion_ids: set[str]) -> bool:
    """Whether any of these assertions was used before (a replay: refused, whatever else it says)."""
    return bool(assertion_ids) and conn.execute(
        select(func.count()).where(saml_assertion.c.id.in_(assertion_ids))).scalar() > 0


def use_assertion(conn: Connection, assertion_id: str, valid_until: dt.datetime) -> bool:
    """Record the assertion as used; False when it was used before (a replay). The row stays until
    the assertion could no longer be accepted anyway."""
    conn.execute(delete(saml_assertion).where(saml_assertion.c.expires_at < _now()))
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    # One statement, so two workers given the same assertion at once can't both take it.
    inserted = conn.execute(dialect_insert(saml_assertion).values(id=assertion_id, expires_at=valid_until)
                            .on_conflict_do_nothing().returning(saml_assertion.c.id))
    return inserted.first() is not None  # (rowcount says -1 on PostgreSQL here)


class SamlUserConflict(Exception):
    """The assertion's e-mail belongs to a user of another municipality."""


def saml_login(conn: Connection, *, external_id: str, email: str, display_name: str | None,
               municipality_code: str, role: str) -> User:
    """The user the identity provider has just vouched for, created or updated (just in time): its
    municipality and role are what this login's assertion says, so a role removed at the
    identity provider is removed here. A password user of the same municipality and e-mail
    becomes this user (and keeps the password); one of another municipality is a conflict."""
    values = {"municipality_code": municipality_code, "role": role, "display_name": display_name}
    existing = _user(conn.execute(select(user_account).where(user_account.c.external_id == external_id)).first())
    by_email = user_by_email(conn, email)
    if by_email is not None and (existing is None or by_email.id != existing.id):
        if existing is not None or by_email.municipality_code != municipality_code or by_email.external_id is not None:
            raise SamlUserConflict()
        existing = by_email
    if existing is None:
        conn.execute(insert(user_account).values(email=normal_email(email), password_hash="", created_at=_now(),
                                                 external_id=external_id, **values))
    else:
        if existing.municipality_code != municipality_code:  # moved: no session of the old one lives on
            conn.execute(delete(web_session).where(web_session.c.user_id == existing.id))
        conn.execute(update(user_account).where(user_account.c.id == existing.id)
                     .values(external_id=external_id, email=normal_email(email), **values))
    return _user(conn.execute(select(user_account).where(user_account.c.external_id == external_id)).first())
