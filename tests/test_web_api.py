"""The web application's public JSON API and health check, over HTTP (FastAPI's test client)
against the demo database: the same rows as `klagestat rates --format json`."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from conftest import run_cli

from klagestat.web.app import create_app


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
