"""Logging in and out, sessions, CSRF tokens, login throttling and roles.

- The session cookie holds a random token; the database holds only its hash (store/accounts).
  The cookie is HttpOnly and SameSite=Lax, and Secure when the page is served over HTTPS.
- CSRF: every form carries a token in a hidden field `csrf_token`, and `csrf_protect` (a
  dependency of the whole application) refuses a POST whose field is missing or differs. Logged
  in, the token is derived from the session's own (secret, HttpOnly) token, so it is tied to the
  session and dies with it; before login (the login form) it is the browser's CSRF cookie. A POST
  to anything but /login without a session is sent to the login page before its body is read.
- Over HTTPS the cookies are `__Host-` cookies (Secure, Path=/, no Domain): another site on a
  subdomain, or a page over plain HTTP, cannot set them.
- Throttling: after MAX_FAILURES_PER_EMAIL failed logins for one e-mail (or
  MAX_FAILURES_PER_CLIENT from one address) within THROTTLE_WINDOW, logins are refused until the
  window has passed, whatever the password. The second factor's codes count the same way.
- The second factor (TOTP, RFC 6238): a password user who has set it up, or whose municipality's
  admin requires it, gets a pending session after the password; only /login/kode accepts it, and
  the right code turns it into a whole session under a new token.
- Password login can be switched off per installation (KLAGESTAT_PASSWORD_LOGIN=0), leaving
  single sign-on (web/saml.py), which starts the same sessions.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from klagestat.domain.accounts import Role, password_matches
from klagestat.domain.cpr import mask_cpr
from klagestat.store import accounts, audit

from . import totp
from .pages import page

SESSION_COOKIE = "klagestat_session"
CSRF_COOKIE = "klagestat_csrf"
CSRF_FIELD = "csrf_token"
SESSION_LIFETIME = dt.timedelta(hours=8)
CODE_LIFETIME = dt.timedelta(minutes=10)  # to type the code after the password
THROTTLE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_CLIENT = 20
# The paths that use the session and forms; the public pages never look at cookies.
SESSION_PATHS = ("/login", "/logout", "/sager")
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Posted by the identity provider from its own site: no session, no CSRF token; a signature vouches.
SAML_POSTS = ("/saml/acs", "/saml/logout")
CODE_PATH = "/login/kode"
PASSWORD_LOGIN_VARIABLE = "KLAGESTAT_PASSWORD_LOGIN"


def password_login_enabled() -> bool:
    """Whether this installation lets users log in with a password (KLAGESTAT_PASSWORD_LOGIN=0: no)."""
    return os.environ.get(PASSWORD_LOGIN_VARIABLE, "1").strip() not in ("0", "nej", "false", "no")

router = APIRouter()


class LoginRequired(Exception):
    """Raised by `current_user` when no one is logged in: the answer is the login page."""


def cookie_name(request: Request, name: str) -> str:
    """`__Host-` + name over HTTPS: the browser then only accepts it Secure, for / and this host."""
    return f"__Host-{name}" if request.url.scheme == "https" else name


def _cookie(request: Request, name: str) -> str | None:
    return request.cookies.get(cookie_name(request, name))


def _set_cookie(request: Request, response: Response, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(cookie_name(request, name), value, max_age=max_age, path="/", httponly=True, samesite="lax",
                        secure=request.url.scheme == "https")


def session_csrf_token(session_token: str) -> str:
    """The CSRF token of a session: derived from its secret token, so only the session's own pages
    can carry it, and a new session (a new login) has a new one."""
    digest = hmac.new(session_token.encode(), b"klagestat csrf", hashlib.sha256).digest()
    # URL-safe base64 like the other tokens (hex would be long runs of digits on every page).
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class CsrfCookie:
    """On the case area's paths: the browser's CSRF token, from its cookie or new (and then set
    on the response), for the forms to carry; and no caching of case data anywhere.

    Plain ASGI (no database, no body): it runs on every request to those paths, and Starlette's
    BaseHTTPMiddleware would cost more than the pages themselves."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(SESSION_PATHS):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        existing = _cookie(request, CSRF_COOKIE)
        session = _cookie(request, SESSION_COOKIE)
        token = existing or secrets.token_urlsafe(32)
        # Logged in, forms carry the session's token; before login (the login form), the cookie's.
        in_session = session and scope["path"] != "/login"
        scope.setdefault("state", {})["csrf_token"] = session_csrf_token(session) if in_session else token

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Cache-Control", "no-store")  # case data never in a shared cache
                if not existing:
                    response = Response()
                    _set_cookie(request, response, CSRF_COOKIE, token)
                    headers.append("set-cookie", response.headers["set-cookie"])
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def install(app: FastAPI) -> None:
    app.add_middleware(CsrfCookie)

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _error: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


async def csrf_protect(request: Request) -> None:
    """Refuse a POST (any unsafe method) whose form does not carry the right CSRF token: the
    session's, or before login the browser's CSRF cookie. Only the login form may be posted
    without a session, and without one nothing else is read: the body is left unparsed."""
    if request.method not in UNSAFE_METHODS or request.url.path in SAML_POSTS:
        return
    if request.url.path == "/login":
        expected = _cookie(request, CSRF_COOKIE) or ""
    elif request.url.path == CODE_PATH:  # the pending session of a password awaiting its code
        pending = _cookie(request, SESSION_COOKIE)
        expected = session_csrf_token(pending) if pending else ""
    else:
        if await run_in_threadpool(logged_in_user, request) is None:
            raise LoginRequired()  # to the login page, the body unread
        expected = session_csrf_token(_cookie(request, SESSION_COOKIE))
    form = await request.form()  # parsed once; the route reads the same form
    sent = form.get(CSRF_FIELD)
    if not expected or not isinstance(sent, str) or not secrets.compare_digest(sent, expected):
        raise HTTPException(403, "Formularen mangler sit sikkerhedstegn (CSRF), eller det passer ikke. "
                                 "Genindlæs siden, og prøv igen.")


def logged_in_user(request: Request) -> accounts.User | None:
    """The user of the request's session cookie, or None; kept on the request for the page."""
    if not hasattr(request.state, "user"):
        token = _cookie(request, SESSION_COOKIE)
        request.state.user = None
        if token:
            with request.app.state.engine.begin() as conn:
                request.state.user = accounts.session_user(conn, token)
    return request.state.user


def current_user(request: Request) -> accounts.User:
    """A dependency (run in the threadpool, as it reads the database): the logged-in user."""
    user = logged_in_user(request)
    if user is None:
        raise LoginRequired()
    return user


def role_at_least(role: Role):
    """A dependency: the logged-in user, who must have `role` or a higher one."""

    def check(user: Annotated[accounts.User, Depends(current_user)]) -> accounts.User:
        if not Role(user.role).at_least(role):
            raise HTTPException(403, f"Det kræver rollen {role.danish} at gøre dette; du er {Role(user.role).danish}.")
        return user

    return check


def safe_next(target: str | None) -> str:
    """Only back into the case area, never to another site."""
    inside = target and (target == "/sager" or target.startswith(("/sager/", "/sager?")))
    return target if inside and "//" not in target and "\\" not in target and "@" not in target else "/sager"


@router.get("/login")
def login_form(request: Request, next: str | None = None):
    if logged_in_user(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next=safe_next(next))


def _login_page(request: Request, status_code: int = 200, **context) -> Response:
    """The login page: the single sign-on button where it is set up, the password form where it
    is allowed."""
    saml = getattr(request.app.state, "saml", None)
    return page(request, "login.html", status_code=status_code, title="Log ind",
                password_login=request.app.state.password_login,
                saml_label=saml.settings.idp_label if saml else None, **context)


def _count_attempt(request: Request, email: str) -> str | None:
    """Record a login attempt (a password or a code) as a failure, then count: the refusal if
    there have been too many. Committed apart, so parallel attempts count each other
    (store/accounts.record_login_failure)."""
    engine = request.app.state.engine
    client = request.client.host if request.client else "?"
    with engine.begin() as conn:
        accounts.record_login_failure(conn, email, client)
    with engine.begin() as conn:
        by_email, by_client = accounts.recent_login_failures(conn, email, client, THROTTLE_WINDOW)
    minutes = int(THROTTLE_WINDOW.total_seconds() // 60)
    if by_email > MAX_FAILURES_PER_EMAIL or by_client > MAX_FAILURES_PER_CLIENT:  # this attempt included
        return f"For mange mislykkede forsøg på at logge ind. Vent {minutes} minutter, og prøv igen."
    return None


@router.post("/login")
def login(request: Request, email: Annotated[str, Form(max_length=254)] = "",
          password: Annotated[str, Form(max_length=1024)] = "", next: Annotated[str, Form()] = ""):
    if not request.app.state.password_login:
        return _login_page(request, status_code=403, next=safe_next(next),
                           error="Log ind med adgangskode er slået fra på denne server. Brug kommunens login.")
    email = mask_cpr(email)  # shown again on the form and counted in the failed logins
    if refusal := _count_attempt(request, email):
        return _login_page(request, status_code=429, next=safe_next(next), email=email, error=refusal)
    with request.app.state.engine.begin() as conn:
        user = accounts.user_by_email(conn, email)
        if not password_matches(user.password_hash if user else None, password):
            return _login_page(request, status_code=401, next=safe_next(next), email=email,
                               error="Forkert e-mail eller adgangskode.")
        accounts.clear_login_failures(conn, email)
        token = secrets.token_urlsafe(32)
        if user.totp_secret or accounts.totp_required(conn, user.municipality_code):
            # The password was right; the session is good for nothing but the code form.
            enrolment = None if user.totp_secret else totp.new_secret()
            accounts.start_session(conn, user, token, CODE_LIFETIME, pending=True, enrolment=enrolment)
            response = RedirectResponse(f"{CODE_PATH}?next={quote(safe_next(next))}", status_code=303)
            _set_cookie(request, response, SESSION_COOKIE, token, max_age=int(CODE_LIFETIME.total_seconds()))
            return response
        accounts.start_session(conn, user, token, SESSION_LIFETIME)
        audit.record(conn, user.email, user.municipality_code, "log ind")
    return start_login(request, token, next)


def start_login(request: Request, token: str, next: str | None) -> Response:
    """The answer that starts a session already stored under `token` (a password, a code or an
    identity provider's assertion): its cookie, a new CSRF token, and on to the page asked for."""
    response = RedirectResponse(safe_next(next), status_code=303)
    _set_cookie(request, response, SESSION_COOKIE, token, max_age=int(SESSION_LIFETIME.total_seconds()))
    _set_cookie(request, response, CSRF_COOKIE, secrets.token_urlsafe(32))  # a new token for the new session
    return response


def _pending(request: Request) -> accounts.PendingLogin | None:
    token = _cookie(request, SESSION_COOKIE)
    if not token:
        return None
    with request.app.state.engine.begin() as conn:
        return accounts.pending_login(conn, token)


def _code_page(request: Request, pending: accounts.PendingLogin, next: str, status_code: int = 200,
               error: str | None = None) -> Response:
    enrolment = totp.enrolment(pending.enrolment, pending.user.email) if pending.enrolment else None
    return page(request, "login_code.html", status_code=status_code, title="Engangskode", next=safe_next(next),
                enrolment=enrolment, error=error)


@router.get(CODE_PATH)
def code_form(request: Request, next: str | None = None):
    pending = _pending(request)
    if pending is None:
        return RedirectResponse(f"/login?next={quote(safe_next(next))}", status_code=303)
    return _code_page(request, pending, next or "")


@router.post(CODE_PATH)
def code_check(request: Request, code: Annotated[str, Form(max_length=20)] = "", next: Annotated[str, Form()] = ""):
    pending = _pending(request)
    if pending is None:
        return RedirectResponse(f"/login?next={quote(safe_next(next))}", status_code=303)
    user = pending.user
    if refusal := _count_attempt(request, user.email):
        return _code_page(request, pending, next, status_code=429, error=refusal)
    secret = pending.enrolment or user.totp_secret or ""
    if not totp.code_matches(secret, code):
        return _code_page(request, pending, next, status_code=401,
                          error="Koden passer ikke. Skriv de seks cifre, som din app viser nu.")
    token = secrets.token_urlsafe(32)
    with request.app.state.engine.begin() as conn:
        accounts.clear_login_failures(conn, user.email)
        accounts.end_session(conn, _cookie(request, SESSION_COOKIE))
        if pending.enrolment:
            accounts.set_totp_secret(conn, user, pending.enrolment)
            audit.record(conn, user.email, user.municipality_code, "engangskode oprettet")
        accounts.start_session(conn, user, token, SESSION_LIFETIME)
        audit.record(conn, user.email, user.municipality_code, "log ind", "med engangskode")
    return start_login(request, token, next)


@router.post("/logout")
def logout(request: Request):
    from .saml import logout_at_idp

    token = _cookie(request, SESSION_COOKIE)
    saml_login = None
    if token:
        with request.app.state.engine.begin() as conn:
            saml_login = accounts.saml_session(conn, token)
            accounts.end_session(conn, token)
    # A single sign-on login ends at the identity provider too; it sends the browser back here.
    response = (logout_at_idp(request, *saml_login) if saml_login else None) or RedirectResponse("/", status_code=303)
    response.delete_cookie(cookie_name(request, SESSION_COOKIE), path="/", secure=request.url.scheme == "https")
    return response
