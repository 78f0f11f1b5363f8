"""The web application (FastAPI), a thin layer over `klagestat.api`.

So far its first room: the public JSON API, which gives the same rows as `klagestat rates
--format json` (public statistics only: the register's case data is never served here), with its
OpenAPI documentation, and the health check. The pages and the case area come with issue 5.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import text

from klagestat import api
from klagestat.analysis.rates import NoDataError
from klagestat.catalogue import load_catalogue
from klagestat.domain.areas import AmbiguousAreaError
from klagestat.domain.rates import Definition
from klagestat.ingest.problems import InputError
from klagestat.render.rate_rows import to_dicts


# The maps the catalogue knows, as the parameter's allowed values (the catalogue is their one place).
MapCode = StrEnum("MapCode", {code: code for code in load_catalogue().maps})


def create_app(db: str | None = None) -> FastAPI:
    engine = api.open_database(db)
    app = FastAPI(
        title="klagestat",
        description="Omgørelsesprocenter i klager over kommunernes afgørelser, fra Ankestyrelsens statistik.",
        docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json",
    )

    @app.exception_handler(RequestValidationError)
    async def malformed(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in error.errors()]
        return JSONResponse({"detail": "Ugyldige parametre: " + "; ".join(problems)}, status_code=422)

    @app.exception_handler(InputError)
    async def bad_input(_request: Request, error: InputError) -> JSONResponse:
        return JSONResponse({"detail": " ".join(p.message for p in error.problems)}, status_code=422)

    @app.exception_handler(AmbiguousAreaError)
    async def ambiguous(_request: Request, error: AmbiguousAreaError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=422)

    @app.exception_handler(NoDataError)
    async def no_data(_request: Request, error: NoDataError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=404)

    @app.get("/healthz", summary="Kører serveren, og svarer databasen?")
    def healthz() -> dict:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok"}

    @app.get("/api/rates", summary="Omgørelsesprocenter: de samme rækker som klagestat rates --format json")
    def rates(
        year: Annotated[str, Query(description="År: 2024; flere år: 2023,2024; samlet: 2022-2024.")],
        municipality: Annotated[list[str], Query(description="Kommune (navn eller kode); kan gentages.")] = [],  # noqa: B006 - FastAPI copies it
        map: Annotated[list[MapCode], Query(description="Kort; kan gentages.")] = [],  # noqa: B006
        definition: Definition = Definition.OFFICIAL,
    ) -> JSONResponse:
        table = api.rates(engine, year, municipalities=municipality, maps=[m.value for m in map],
                          definition=definition.value)
        return JSONResponse(to_dicts(table))

    return app
