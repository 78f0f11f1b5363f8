"""The public JSON API: the same rows as `klagestat rates --format json` (public statistics only:
the register's case data is never served here), and the health check."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from klagestat import api
from klagestat.catalogue import load_catalogue
from klagestat.domain.rates import Definition
from klagestat.render.rate_rows import to_dicts

from .pages import page

# The maps the catalogue knows, as the parameter's allowed values (the catalogue is their one place).
MapCode = StrEnum("MapCode", {code: code for code in load_catalogue().map_codes()})

router = APIRouter()


@router.get("/healthz", summary="Kører serveren?")
def healthz() -> dict:
    """Liveness: the process answers (a database that is down is /readyz's to say; restarting the
    server would not mend it)."""
    return {"status": "ok"}


@router.get("/readyz", summary="Kan serveren tage imod brugere: svarer databasen, og er dens skema det nyeste?")
def readyz(request: Request) -> JSONResponse:
    from klagestat.store.database import schema_is_current

    try:
        with request.app.state.engine.connect() as conn:
            current = schema_is_current(conn)
    except Exception:  # any failure to reach the database: not ready, and said so without details
        return JSONResponse({"status": "ikke klar", "database": "svarer ikke"}, status_code=503)
    if not current:
        return JSONResponse({"status": "ikke klar", "database": "skemaet er ikke det nyeste"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


class PublicGrouping(StrEnum):
    """`klagestat rates --by`, less `area`: areas are the municipality's own register's."""

    map = "map"
    law = "law"
    provision = "provision"


@router.get("/api/rates", summary="Omgørelsesprocenter: de samme rækker som klagestat rates --format json")
def rates(
    request: Request,
    year: Annotated[str, Query(description="År: 2024; flere år: 2023,2024; samlet: 2022-2024.")],
    municipality: Annotated[list[str], Query(description="Kommune (navn eller kode); kan gentages.")] = [],  # noqa: B006 - FastAPI copies it
    map: Annotated[list[MapCode], Query(description="Kort; kan gentages.")] = [],  # noqa: B006
    by: Annotated[PublicGrouping, Query(description="Opdeling: pr. kort, lov eller bestemmelse.")] = PublicGrouping.map,
    definition: Annotated[Definition, Query(description="official: Ankestyrelsens definition (omgjorte / "
                                                        "realitetsbehandlede); all-decided: over alle afgjorte.")]
    = Definition.OFFICIAL,
    as_of: Annotated[dt.date | None, Query(description="Tallene, som de så ud på denne dato (ÅÅÅÅ-MM-DD).")] = None,
    region: Annotated[list[str], Query(description="Tilføj en region (navn eller kode); kan gentages.")] = [],  # noqa: B006
    neighbours: Annotated[bool, Query(description="true: tilføj kommunernes sammenligningskommuner.")] = False,
) -> JSONResponse:
    """The options of `klagestat rates` but --areas and --source: the API serves the public
    statistics only, never a municipality's register."""
    table = api.rates(request.app.state.engine, year, municipalities=municipality, maps=[m.value for m in map],
                      by=by.value, definition=definition.value, as_of=as_of, regions=region, neighbours=neighbours)
    return JSONResponse(to_dicts(table))


# The API's documentation as a page of this server, read from the OpenAPI document (FastAPI's
# Swagger UI would load its scripts from a CDN, and the pages must work offline).
docs_router = APIRouter(include_in_schema=False)


# What each address of the server does and gives back, in Danish: the documentation page reads
# it beside the OpenAPI document (a test holds every route to an entry here).
JSON, PAGE, CSV, XLSX, DOCX, REDIRECT = ("JSON", "HTML-side", "CSV-fil", "Excel-fil (XLSX)", "Word-fil (DOCX)",
                                         "videresendelse")
ROUTES_DA: dict[tuple[str, str], tuple[str, str, str]] = {  # (method, path) → (group, what it does, what it returns)
    ("GET", "/healthz"): ("API", "Kører serveren? (til overvågning)", JSON),
    ("GET", "/readyz"): ("API", "Kan serveren tage imod brugere: svarer databasen, og er dens skema det nyeste?", JSON),
    ("GET", "/api/rates"): ("API", "Omgørelsesprocenter: de samme rækker som klagestat rates --format json.", JSON),
    ("GET", "/"): ("Offentlige sider", "Danmarkskortet for et år og et kort, med tallene i en tabel.", PAGE),
    ("GET", "/kommune"): ("Offentlige sider", "Søgefeltet: fører til kommunens side.", REDIRECT),
    ("GET", "/kommune/{code}"): ("Offentlige sider", "En kommunes tal over årene, mod landsplan og nabokommunerne.", PAGE),
    ("GET", "/kommune/{code}/omgoerelsesprocenter.csv"): (
        "Offentlige sider", "Kommunens og landets omgørelsesprocenter, alle år og kort, til Excel.", CSV),
    ("GET", "/kommune/{code}/omgoerelsesprocenter.xlsx"): (
        "Offentlige sider", "De samme tal som regneark; procenterne med deres nøjagtige værdi.", XLSX),
    ("GET", "/kommune/{code}/danmarkskort.docx"): (
        "Offentlige sider", "Sagen om danmarkskortet til den åbne dagsorden.", DOCX),
    ("GET", "/sammenlign"): ("Offentlige sider", "Op til flere kommuner side om side, år for år.", PAGE),
    ("GET", "/login"): ("Log ind", "Log ind-siden.", PAGE),
    ("POST", "/login"): ("Log ind", "Logger ind (formular med e-mail og adgangskode).", REDIRECT),
    ("POST", "/logout"): ("Log ind", "Logger ud (ved log ind med kommunens login også hos identitetsudbyderen).",
                          REDIRECT),
    ("GET", "/login/kode"): ("Log ind", "Siden til engangskoden efter adgangskoden (og til at sætte den op).", PAGE),
    ("POST", "/login/kode"): ("Log ind", "Kontrollerer engangskoden og logger ind.", REDIRECT),
    ("GET", "/saml/metadata"): ("Log ind", "klagestats SAML-metadata, som kommunen registrerer hos sin "
                                           "identitetsudbyder.", "XML"),
    ("GET", "/saml/login"): ("Log ind", "Sender brugeren til kommunens login med en signeret SAML-forespørgsel.",
                             REDIRECT),
    ("POST", "/saml/acs"): ("Log ind", "Modtager identitetsudbyderens svar (SAML-assertion) og logger ind, eller "
                                       "afviser og siger hvorfor.", REDIRECT),
    ("GET", "/saml/logout"): ("Log ind", "Single logout: identitetsudbyderens svar på et logout, eller et logout "
                                         "startet hos identitetsudbyderen.", PAGE),
    ("POST", "/saml/logout"): ("Log ind", "Single logout med POST-binding.", PAGE),
    ("GET", "/sager"): ("Kommunens sager (kræver log ind)", "Kommunens klagesager med filtre.", PAGE),
    ("GET", "/sager/eksport.{kind}"): ("Kommunens sager (kræver log ind)", "De filtrerede sager som fil.",
                                       f"{CSV} eller {XLSX}"),
    ("GET", "/sager/import"): ("Kommunens sager (kræver log ind)", "Importér klageregistret.", PAGE),
    ("POST", "/sager/import"): ("Kommunens sager (kræver log ind)", "Viser, hvad en import vil gøre.", PAGE),
    ("POST", "/sager/import/bekraeft"): ("Kommunens sager (kræver log ind)", "Gennemfører importen.", PAGE),
    ("GET", "/sager/analyser"): ("Kommunens sager (kræver log ind)", "Analyserne af klageregistret.", PAGE),
    ("GET", "/sager/klagerapport"): ("Kommunens sager (kræver log ind)", "Vælg periode og format for klagerapporten.",
                                     PAGE),
    ("GET", "/sager/klagerapport/hent"): ("Kommunens sager (kræver log ind)", "Klagerapporten.",
                                          f"{DOCX}, HTML eller PDF"),
    ("GET", "/sager/handleplan"): ("Kommunens sager (kræver log ind)",
                                   "Handleplanen: initiativer, effekten, årets behandling og versionerne.", PAGE),
    ("POST", "/sager/handleplan"): ("Kommunens sager (kræver log ind)",
                                    "Indlæser en ny version af handleplanen fra en TOML-fil (analytiker).", PAGE),
    ("GET", "/sager/handleplan.toml"): ("Kommunens sager (kræver log ind)", "Handleplanen som TOML-fil.",
                                        "TOML-fil"),
    ("GET", "/sager/handleplan/rediger"): ("Kommunens sager (kræver log ind)",
                                           "Formularen, hvor handleplanen rettes (analytiker).", PAGE),
    ("POST", "/sager/handleplan/rediger"): ("Kommunens sager (kræver log ind)",
                                            "Gemmer handleplanen fra formularen som en ny version (analytiker).", PAGE),
    ("GET", "/sager/tjek"): ("Kommunens sager (kræver log ind)", "Upload en sagsfremstilling, hvis tal skal tjekkes.",
                             PAGE),
    ("POST", "/sager/tjek"): ("Kommunens sager (kræver log ind)",
                              "Tallene om klagesager i sagsfremstillingen, hver tjekket mod statistikken.", PAGE),
    ("GET", "/sager/kommentarer"): ("Kommunens sager (kræver log ind)",
                                    "Kommunens egne kommentarer til danmarkskortet (administrator).", PAGE),
    ("POST", "/sager/kommentarer"): ("Kommunens sager (kræver log ind)",
                                     "Gemmer eller fjerner en kommentar til et års kort (administrator).", PAGE),
    ("GET", "/sager/brugere"): ("Kommunens sager (kræver log ind)", "Kommunens brugere (administrator).", PAGE),
    ("POST", "/sager/brugere"): ("Kommunens sager (kræver log ind)", "Opretter en bruger (administrator).", PAGE),
    ("POST", "/sager/brugere/engangskode"): (
        "Kommunens sager (kræver log ind)",
        "Kræver (eller ikke) engangskode af alle brugere med adgangskode (administrator).", REDIRECT),
    ("GET", "/sager/log"): ("Kommunens sager (kræver log ind)", "Revisionsloggen (administrator).", PAGE),
    ("POST", "/sager/laering"): ("Kommunens sager (kræver log ind)", "Gemmer læring fra en sag.", REDIRECT),
    ("GET", "/sager/sag/{case_id}"): ("Kommunens sager (kræver log ind)", "Én sag med dens historik.", PAGE),
    ("GET", "/sager/{case_id}"): ("Kommunens sager (kræver log ind)", "En sags gamle adresse.", REDIRECT),
}
PARAMETERS_DA = {
    "SAMLRequest": "En SAML-besked fra identitetsudbyderen (base64), fx et logout startet dér.",
    "SAMLResponse": "Identitetsudbyderens svar (base64).",
    "RelayState": "SAML's RelayState, sendt tilbage uændret.",
    "SigAlg": "Signaturalgoritmen for en signeret SAML-besked (HTTP-Redirect).",
    "Signature": "Signaturen på en SAML-besked (HTTP-Redirect).",
    "year": "Året (for Ankestyrelsens afgørelser).",
    "map": "Kortet: social, child-disability eller adult-disability.",
    "colour": "Farvelægning: funnel (sammenlignet med landsplan), rate eller per10000.",
    "navn": "Kommunens navn eller kode.",
    "code": "Kommunekoden (fx 350); et navn videresendes til koden.",
    "kommune": "En kommune (navn eller kode); kan gentages.",
    "next": "Siden, man kommer til efter log ind.",
    "area": "Område (udvalg), som registret skriver det.",
    "provision": "Bestemmelse (fx serviceloven:100) eller hel lov (fx serviceloven).",
    "outcome": "Udfald: upheld, changed, remitted, dismissed eller reversed (ændret eller hjemvist).",
    "pending": "true: kun verserende sager.",
    "state": "Status: verserende, kommunen, klageinstansen, genvurderet eller afgjort.",
    "side": "Sidenummeret.",
    "kind": "csv eller xlsx.",
    "format": "docx, html eller pdf.",
    "public": "true: versionen til den åbne dagsorden.",
    "case_id": "Sagsnummeret (sags_id).",
}


@docs_router.get("/api/docs")
def docs(request: Request):
    spec = request.app.openapi()
    groups: dict[str, list[dict]] = {}
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            group, summary, returns = ROUTES_DA.get((method.upper(), path), ("Øvrige", op.get("summary", ""), ""))
            groups.setdefault(group, []).append({
                "method": method.upper(), "path": path, "summary": summary, "returns": returns,
                "parameters": [{"name": p["name"], "required": p.get("required", False),
                                "description": p.get("description") or PARAMETERS_DA.get(p["name"], ""),
                                "values": p.get("schema", {}).get("enum")
                                or p.get("schema", {}).get("items", {}).get("enum")
                                or _enum_of(spec, p.get("schema", {}))}
                               for p in op.get("parameters", [])]})
    return page(request, "api_docs.html", title="API og adresser", spec=spec, groups=groups)


def _enum_of(spec: dict, schema: dict) -> list | None:
    """The allowed values of a parameter whose schema refers to (or wraps) a named enum."""
    for candidate in (schema, schema.get("items", {}), *schema.get("anyOf", []), *schema.get("allOf", [])):
        ref = candidate.get("$ref") if isinstance(candidate, dict) else None
        if ref:
            return spec["components"]["schemas"][ref.rsplit("/", 1)[-1]].get("enum")
    return None
