"""What a request that goes wrong answers: JSON under /api, a Danish page everywhere else, and
never a stack trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from klagestat.domain.cpr import mask_cpr
from klagestat.domain.problems import KlagestatError

from .pages import message_page
from .server_logs import route_of

log = logging.getLogger("klagestat.web")

TITLES = {
    400: "Forespørgslen kan ikke læses",
    403: "Ingen adgang",
    404: "Siden findes ikke",
    405: "Metoden er ikke tilladt",
    413: "Filen er for stor",
    422: "Ugyldige oplysninger",
    429: "For mange forsøg",
    500: "Der skete en fejl",
    503: "Prøv igen om lidt",
}


def _answer(request: Request, status: int, message: str, headers: dict | None = None) -> Response:
    message = mask_cpr(message)  # a message may quote what the user sent
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    response = message_page(request, TITLES.get(status, "Fejl"), message, status)
    if headers:
        response.headers.update(headers)
    return response


# FastAPI's (pydantic's) checks of a request's parameters, in Danish by their type; an error of
# another type keeps pydantic's English words.
VALIDATION_DA = {
    "missing": "mangler",
    "int_parsing": "skal være et helt tal",
    "float_parsing": "skal være et tal",
    "bool_parsing": "skal være true eller false",
    "date_parsing": "skal være en dato som 2025-06-10",
    "date_from_datetime_parsing": "skal være en dato som 2025-06-10",
    "string_too_long": "må højst være {max_length} tegn",
    "string_too_short": "skal være mindst {min_length} tegn",
    "greater_than_equal": "skal være mindst {ge}",
    "less_than_equal": "må højst være {le}",
    "enum": "skal være en af: {expected}",
}


def validation_da(error: dict) -> str:
    words = VALIDATION_DA.get(error.get("type", ""))
    if words is None:
        return str(error.get("msg", ""))
    try:
        # pydantic lists an enum's values as "'a', 'b' or 'c'".
        return words.format(**error.get("ctx", {})).replace("' or '", "' eller '")
    except (KeyError, IndexError):
        return str(error.get("msg", ""))


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def malformed(request: Request, error: RequestValidationError) -> Response:
        problems = [f"{'.'.join(str(p) for p in e['loc'][1:])}: {validation_da(e)}" for e in error.errors()]
        return _answer(request, 422, "Ugyldige parametre: " + "; ".join(problems))

    @app.exception_handler(KlagestatError)
    async def users_error(request: Request, error: KlagestatError) -> Response:
        # The public message: a command line to run is for whoever runs the server, not a page.
        return _answer(request, error.http_status, error.public_message())

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        detail = error.detail if isinstance(error.detail, str) and error.detail not in ("Not Found", "Method Not Allowed") \
            else {404: "Der er ingen side på denne adresse.", 405: "Siden kan ikke bruges sådan."}.get(
                error.status_code, "Forespørgslen kunne ikke gennemføres.")
        return _answer(request, error.status_code, detail, getattr(error, "headers", None))

    @app.exception_handler(Exception)
    async def bug(request: Request, error: Exception) -> Response:
        # The route as written in the code, not the path asked for (it may hold a case id).
        log.exception("Fejl i %s %s", request.method, route_of(request.scope),
                      extra={"fields": {"event": "error", "method": request.method, "route": route_of(request.scope)}})
        return _answer(request, 500, "Der skete en fejl i klagestat. Fejlen er skrevet i serverens log.")

    @app.exception_handler(OperationalError)
    async def busy(request: Request, error: OperationalError) -> Response:
        # SQLite: a change of case data waited BUSY_TIMEOUT_MS for an import's write lock.
        # (Page views and logins write to the access file and never wait for an import.)
        if "database is locked" not in str(error.orig):
            return await bug(request, error)
        return _answer(request, 503, "En indlæsning skriver i databasen lige nu. Prøv igen om lidt.",
                       {"Retry-After": "30"})
