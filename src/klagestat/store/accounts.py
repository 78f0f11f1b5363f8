"""Users of the case area, their sessions, and failed logins.

Passwords are hashed by the caller (argon2, `web/accounts.py`); sessions are stored as a hash of
the browser's token, so the database alone never lets anyone in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from klagestat.domain.cpr import mask_cpr

from .schema import login_failure, user_account, web_session


@dataclass(frozen=True)
class User:
    id: int
    email: str
    municipality_code: str
    role: str
    password_hash: str


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _user(row) -> User | None:
    return None if row is None else User(row.id, row.email, row.municipality_code, row.role, row.password_hash)


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


def start_session(conn: Connection, user: User, token: str, lifetime: dt.timedelta) -> None:
    now = _now()
    conn.execute(delete(web_session).where(web_session.c.expires_at < now))  # tidy up the expired
    conn.execute(insert(web_session).values(token_hash=token_hash(token), user_id=user.id, created_at=now,
                                            expires_at=now + lifetime))


def session_user(conn: Connection, token: str) -> User | None:
    row = conn.execute(
        select(user_account).join(web_session, web_session.c.user_id == user_account.c.id)
        .where(web_session.c.token_hash == token_hash(token), web_session.c.expires_at > _now())
    ).first()
    return _user(row)


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
