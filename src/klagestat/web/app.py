"""The web application (FastAPI): server-rendered pages and a JSON API, thin routes over
`klagestat.api`, `analysis` and `render`.

Rooms: `json_api` (the public JSON rows and /healthz), `public` (the map, the municipality
profiles and the comparison, no login), `accounts` (login, sessions, CSRF, roles, the second
factor), `saml` (single sign-on with the municipality's identity provider), `case_area`
(/sager: the municipality's own cases, behind login). `pages` renders every page; `errors`
answers every failure in Danish.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from klagestat import api
from klagestat.catalogue import load_catalogue

from . import accounts, case_area, errors, json_api, public, saml
from .masking import MaskCprInRequests, install_log_filter
from .pages import STATIC
from .saml_settings import read_settings, settings_file
from .server_logs import AccessLog, configure_logging
from .upload_limit import UploadLimit

# Every response: no framing by other sites, no guessing of content types, scripts and styles
# only from this server (the pages work offline and nothing is loaded from elsewhere).
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                                "script-src 'self'; object-src 'none'; frame-ancestors 'none'; "
                                "form-action 'self'; base-uri 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every response (plain ASGI: cheap on every request).
    `form_targets`: other origins a form may send the browser on to (the identity provider, where
    "Log ud" ends a single sign-on login; browsers check redirects after a form against it too)."""

    def __init__(self, app: ASGIApp, form_targets: tuple[str, ...] = ()):
        self.app = app
        headers = dict(SECURITY_HEADERS)
        if form_targets:
            headers["Content-Security-Policy"] = headers["Content-Security-Policy"].replace(
                "form-action 'self'", " ".join(("form-action 'self'", *form_targets)))
        self.headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        # Served over TLS (directly, or behind a proxy believed with --forwarded-allow-ips): the
        # browser is to come back only over TLS, for a year.
        self.hsts = [(b"strict-transport-security", b"max-age=31536000; includeSubDomains")]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        headers = self.headers + (self.hsts if scope.get("scheme") == "https" else [])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((k, v) for k, v in headers if k not in present)]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(db: str | None = None, *, geojson: str | Path | None = None,
               geojson_code: str = "kommunekode", warm: bool = False, saml_config: str | Path | None = None,
               password_login: bool | None = None) -> FastAPI:
    """The application on the database `db`; `geojson`: municipality boundaries for a
    geographic map on the front page (otherwise the tile grid); `warm`: keep the public pages'
    cache warm in the background (`klagestat serve` does; tests build pages as they ask);
    `saml_config`: single sign-on's settings (else KLAGESTAT_SAML_CONFIG; neither: no single
    sign-on); `password_login`: whether passwords are allowed (else KLAGESTAT_PASSWORD_LOGIN)."""
    saml_file = settings_file(saml_config)
    saml_service = saml.SamlService.of(read_settings(saml_file)) if saml_file else None  # refused at start, in Danish
    engine = api.open_database(db)
    app = FastAPI(
        title="klagestat",
        description="Omgørelsesprocenter i klager over kommunernes afgørelser, fra Ankestyrelsens statistik.",
        docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",
        dependencies=[Depends(accounts.csrf_protect)],  # every POST of every route, in one place
    )
    app.state.engine = engine
    app.state.catalogue = load_catalogue()
    app.state.geojson = (Path(geojson), geojson_code) if geojson else None
    app.state.saml = saml_service
    app.state.password_login = accounts.password_login_enabled() if password_login is None else password_login

    app.add_middleware(UploadLimit)
    app.add_middleware(MaskCprInRequests)  # before any route, log or error page sees the request
    app.add_middleware(SecurityHeaders, form_targets=tuple(saml_service.idp_origins()) if saml_service else ())
    app.add_middleware(AccessLog)  # outermost: it times the whole answer, and SecurityHeaders' headers are on every one
    install_log_filter()
    app.router.add_event_handler("startup", install_log_filter)  # again once the server has set up its logging
    app.router.add_event_handler("startup", case_area.remove_stale_uploads)
    if warm:
        def start() -> None:
            app.state.warming = public.start_warming(app)

        def stop() -> None:
            app.state.warming.set()

        app.router.add_event_handler("startup", start)
        app.router.add_event_handler("shutdown", stop)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(json_api.router)
    app.include_router(json_api.docs_router)
    app.include_router(public.router)
    app.include_router(accounts.router)
    app.include_router(saml.router)
    app.include_router(case_area.router)
    accounts.install(app)
    errors.install(app)
    return app


# What `klagestat serve` hands each web worker process (uvicorn starts them anew, so they read it
# from the environment): the database is KLAGESTAT_DB, single sign-on KLAGESTAT_SAML_CONFIG.
GEOJSON_VARIABLE, GEOJSON_CODE_VARIABLE = "KLAGESTAT_SERVE_GEOJSON", "KLAGESTAT_SERVE_GEOJSON_CODE"


def create_app_in_worker() -> FastAPI:
    """The application of one web worker of `klagestat serve`: its logs as JSON lines, its
    public pages kept warm, everything else from the environment."""
    configure_logging()
    return create_app(geojson=os.environ.get(GEOJSON_VARIABLE) or None,
                      geojson_code=os.environ.get(GEOJSON_CODE_VARIABLE) or "kommunekode", warm=True)
