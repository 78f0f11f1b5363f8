"""The public JSON API: the same rows as `klagestat rates --format json` (public statistics only:
the register's case data is never served here), and the health check."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from klagestat import api
from klagestat.catalogue import load_catalogue
from klagestat.domain.rates import Definition
from klagestat.render.rate_rows import to_dicts

from .pages import page

# The maps the catalogue knows, as the parameter's allowed values (the catalogue is their one place).
MapCode = StrEnum("MapCode", {code: code for code in load_catalogue().maps})

router = APIRouter()


@router.get("/healthz", summary="Kører serveren, og svarer databasen?")
def healthz(request: Request) -> dict:
    with request.app.state.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ok"}


@router.get("/api/rates", summary="Omgørelsesprocenter: de samme rækker som klagestat rates --format json")
def rates(
    request: Request,
    year: Annotated[str, Query(description="År: 2024; flere år: 2023,2024; samlet: 2022-2024.")],
    municipality: Annotated[list[str], Query(description="Kommune (navn eller kode); kan gentages.")] = [],  # noqa: B006 - FastAPI copies it
    map: Annotated[list[MapCode], Query(description="Kort; kan gentages.")] = [],  # noqa: B006
    definition: Definition = Definition.OFFICIAL,
) -> JSONResponse:
    table = api.rates(request.app.state.engine, year, municipalities=municipality, maps=[m.value for m in map],
                      definition=definition.value)
    return JSONResponse(to_dicts(table))


# The API's documentation as a page of this server, read from the OpenAPI document (FastAPI's
# Swagger UI would load its scripts from a CDN, and the pages must work offline).
docs_router = APIRouter(include_in_schema=False)


@docs_router.get("/api/docs")
def docs(request: Request):
    spec = request.app.openapi()
    operations = [
        {"method": method.upper(), "path": path, "summary": op.get("summary", ""),
         "parameters": [{"name": p["name"], "required": p.get("required", False),
                         "description": p.get("description", ""),
                         "values": p.get("schema", {}).get("enum")
                         or p.get("schema", {}).get("items", {}).get("enum")
                         or _enum_of(spec, p.get("schema", {}))}
                        for p in op.get("parameters", [])]}
        for path, methods in spec["paths"].items() for method, op in methods.items()
    ]
    return page(request, "api_docs.html", title="API", spec=spec, operations=operations)


def _enum_of(spec: dict, schema: dict) -> list | None:
    """The allowed values of a parameter whose schema refers to (or wraps) a named enum."""
    for candidate in (schema, schema.get("items", {}), *schema.get("anyOf", []), *schema.get("allOf", [])):
        ref = candidate.get("$ref") if isinstance(candidate, dict) else None
        if ref:
            return spec["components"]["schemas"][ref.rsplit("/", 1)[-1]].get("enum")
    return None
