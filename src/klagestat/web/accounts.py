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
  window has passed, whatever the password.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
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

from .pages import page

SESSION_COOKIE = "klagestat_session"
CSRF_COOKIE = "klagestat_csrf"
CSRF_FIELD = "csrf_token"
SESSION_LIFETIME = dt.timedelta(hours=8)
THROTTLE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_CLIENT = 20
# The paths that use the session and forms; the public pages never look at cookies.
SESSION_PATHS = ("/login", "/logout", "/sager")
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

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
        # Logged in, forms carry the session's token; before login, the cookie's.
        scope.setdefault("state", {})["csrf_token"] = session_csrf_token(session) if session else token

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
    if request.method not in UNSAFE_METHODS:
        return
    if request.url.path == "/login":
        expected = _cookie(request, CSRF_COOKIE) or ""
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


def _safe_next(target: str | None) -> str:
    """Only back into the case area, never to another site."""
    inside = target and (target == "/sager" or target.startswith(("/sager/", "/sager?")))
    return target if inside and "//" not in target and "\\" not in target and "@" not in target else "/sager"


@router.get("/login")
def login_form(request: Request, next: str | None = None):
    if logged_in_user(request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return page(request, "login.html", title="Log ind", next=_safe_next(next))


@router.post("/login")
def login(request: Request, email: Annotated[str, Form(max_length=254)] = "",
          password: Annotated[str, Form(max_length=1024)] = "", next: Annotated[str, Form()] = ""):
    email = mask_cpr(email)  # shown again on the form and counted in the failed logins
    engine = request.app.state.engine
    client = request.client.host if request.client else "?"
    # The attempt counts as a failure first, committed on its own, and is counted with the others
    # afterwards: parallel attempts can't all see the count before any of them (store/accounts).
    with engine.begin() as conn:
        accounts.record_login_failure(conn, email, client)
    with engine.begin() as conn:
        by_email, by_client = accounts.recent_login_failures(conn, email, client, THROTTLE_WINDOW)
    minutes = int(THROTTLE_WINDOW.total_seconds() // 60)
    if by_email > MAX_FAILURES_PER_EMAIL or by_client > MAX_FAILURES_PER_CLIENT:  # this attempt included
        return page(request, "login.html", status_code=429, title="Log ind", next=_safe_next(next), email=email,
                    error=f"For mange mislykkede forsøg på at logge ind. Vent {minutes} minutter, og prøv igen.")
    with engine.begin() as conn:
        user = accounts.user_by_email(conn, email)
        if not password_matches(user.password_hash if user else None, password):
            return page(request, "login.html", status_code=401, title="Log ind", next=_safe_next(next), email=email,
                        error="Forkert e-mail eller adgangskode.")
        accounts.clear_login_failures(conn, email)
        token = secrets.token_urlsafe(32)
        accounts.start_session(conn, user, token, SESSION_LIFETIME)
        audit.record(conn, user.email, user.municipality_code, "log ind")
    response = RedirectResponse(_safe_next(next), status_code=303)
    _set_cookie(request, response, SESSION_COOKIE, token, max_age=int(SESSION_LIFETIME.total_seconds()))
    _set_cookie(request, response, CSRF_COOKIE, secrets.token_urlsafe(32))  # a new token for the new session
    return response


@router.post("/logout")
def logout(request: Request):
    token = _cookie(request, SESSION_COOKIE)
    if token:
        with request.app.state.engine.begin() as conn:
            accounts.end_session(conn, token)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(cookie_name(request, SESSION_COOKIE), path="/", secure=request.url.scheme == "https")
    return response
