"""The web application's public JSON API and health check, over HTTP (FastAPI's test client)
against the demo database: the same rows as `klagestat rates --format json`."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from klagestat.web.app import create_app

from conftest import run_cli


@pytest.fixture(scope="module")
def client(demo_db):
    return TestClient(create_app(str(demo_db)))


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_rates_are_the_rows_of_the_command(client, demo_db):
    response = client.get("/api/rates", params={"year": "2024", "municipality": ["Allerød", "350"],
                                                "map": "child-disability"})
    assert response.status_code == 200
    cli = run_cli("rates", "--year", "2024", "--municipality", "Allerød", "--municipality", "350",
                  "--map", "child-disability", "--format", "json", db=demo_db)
    assert cli.code == 0, str(cli)
    assert response.json() == json.loads(cli.stdout)
    assert {row["municipality_code"] for row in response.json()} == {"201", "350", "000"}


def test_openapi_documents_the_api(client):
    spec = client.get("/api/openapi.json").json()
    assert "/api/rates" in spec["paths"] and "/healthz" in spec["paths"]
    assert client.get("/api/docs").status_code == 200


def test_the_docs_say_in_danish_what_every_address_does_and_returns(client):
    """Every route of the server has its Danish description and what it gives back (a page, a
    file, JSON); a route added without one fails here."""
    from klagestat.web.json_api import PARAMETERS_DA, ROUTES_DA

    spec = client.get("/api/openapi.json").json()
    routes = {(method.upper(), path) for path, methods in spec["paths"].items() for method in methods}
    assert routes == set(ROUTES_DA)
    documented = {p["name"] for methods in spec["paths"].values() for op in methods.values()
                  for p in op.get("parameters", []) if not p.get("description")}
    assert documented <= set(PARAMETERS_DA)
    page = client.get("/api/docs").text
    assert "Øvrige" not in page and "Profile Csv" not in page and "Giver:</strong> CSV-fil" in page


def test_the_api_takes_the_options_of_the_command(client, demo_db):
    """The options of klagestat rates (but the register's: --areas and --source)."""
    params = {"year": "2024", "municipality": "Lejre", "by": "law", "neighbours": "true", "region": "Sjælland",
              "as_of": "2026-06-01"}
    response = client.get("/api/rates", params=params)
    assert response.status_code == 200, response.text
    cli = run_cli("rates", "--year", "2024", "--municipality", "Lejre", "--by", "law", "--neighbours", "--region",
                  "Sjælland", "--as-of", "2026-06-01", "--format", "json", db=demo_db)
    assert response.json() == json.loads(cli.stdout)
    assert client.get("/api/rates", params={"year": "2024", "by": "area"}).status_code == 422


@pytest.mark.parametrize("params, status, says", [
    ({"year": "tyve"}, 422, "Ugyldigt år"),
    ({"year": "2024", "municipality": "Atlantis"}, 422, "Ukendt kommune"),
    ({"year": "2024", "map": "moon"}, 422, "Ugyldige parametre"),
    ({}, 422, "Ugyldige parametre"),
    ({"year": "1999"}, 404, "1999"),
])
def test_bad_parameters_get_a_danish_answer_never_a_500(client, params, status, says):
    response = client.get("/api/rates", params=params)
    assert response.status_code == status, response.text
    assert says in response.json()["detail"]


def test_a_malformed_parameter_is_explained_in_danish(client):
    wrong_map = client.get("/api/rates", params={"year": "2024", "map": "moon"})
    assert wrong_map.status_code == 422
    assert "map.0: skal være en af: 'social', 'child-disability', 'adult-disability' eller 'social-other'" in wrong_map.text
    assert "year: mangler" in client.get("/api/rates").text
