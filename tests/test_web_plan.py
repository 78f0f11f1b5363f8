"""The action plan in the case area (/sager/handleplan): readers see it, analysts load a new
version from its TOML file, every view and change is in the audit log, and another
municipality's plan is not there. And the municipality's own comment on its maps
(/sager/kommentarer), shown on the public profile and in /api/rates."""

from __future__ import annotations

import tomllib

import pytest

from klagestat import api
from klagestat.web.app import create_app

from conftest import copy_db, db_count, db_rows
from web_helpers import SECRET, add_user, client_for, csrf_token, logged_in, text_of

READER, ANALYST, ADMIN, LEJRE = ("laeser@alleroed.dk", "analytiker@alleroed.dk", "admin@alleroed.dk",
                                 "analytiker@lejre.dk")

PLAN = """\
[plan]
title = "Handleplan for kvalitetsudvikling 2026-2028"
adopted = 2025-12-16
adopted_by = "Kommunalbestyrelsen"
target = "Under landsplan for socialområdet generelt i 2027"

[[initiatives]]
name = "Sagsanalyse"
start = 2022-01-01
status = "i gang"
provisions = ["SEL § 100", "SEL § 85"]
costs = { 2026 = 150000, 2027 = 150000, 2028 = 150000 }

[[alternatives]]
name = "Forslag 2"
initiatives = ["Sagsanalyse"]
financing = "Kassebeholdningen"

[[meetings]]
body = "Handicaprådet"
date = 2025-09-10
kind = "høring"
"""


@pytest.fixture(scope="module")
def app(demo_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("web_plan")
    db = copy_db(demo_db, folder / "klagestat.db")
    for email, municipality, role in ((READER, "Allerød", "reader"), (ANALYST, "Allerød", "analyst"),
                                      (ADMIN, "Allerød", "admin"), (LEJRE, "Lejre", "analyst")):
        add_user(db, email, municipality, role)
    return create_app(str(db)), db


@pytest.fixture(autouse=True)
def own_secret(monkeypatch):
    monkeypatch.setenv("KLAGESTAT_SECRET", SECRET)


def _upload(client, content: str, name: str = "handleplan.toml"):
    return client.post("/sager/handleplan", data={"csrf_token": csrf_token(client)},
                       files={"file": (name, content.encode("utf-8"), "application/toml")})


def test_an_analyst_loads_the_plan_and_a_reader_sees_it_with_its_effect_and_the_year(app):
    site, db = app
    analyst = logged_in(site, ANALYST)
    before = db_count(db, "SELECT COUNT(*) FROM audit_event")
    saved = _upload(analyst, PLAN)
    assert saved.status_code == 200 and "Planen er gemt som version 1." in text_of(saved), saved.text[:2000]
    again = _upload(analyst, PLAN)
    assert "intet er ændret" in text_of(again)
    assert db_count(db, "SELECT COUNT(*) FROM action_plan WHERE municipality_code = '201'") == 1

    reader = logged_in(site, READER)
    page = reader.get("/sager/handleplan", params={"year": 2024})
    assert page.status_code == 200
    text = text_of(page)
    for expected in ("Handleplan for kvalitetsudvikling 2026-2028", "Sagsanalyse", "Effekten indtil nu",
                     "Før starten", "Fra starten", "450.000 kr.", "Forslag 2", "Handicaprådet er hørt 10-09-2025",
                     "senest 31-12-2025", "gemt", ANALYST):
        assert expected in text, expected
    assert "Indlæs en ny version" not in text  # a reader can't
    assert reader.post("/sager/handleplan", data={"csrf_token": csrf_token(reader)},
                       files={"file": ("x.toml", b"[plan]\ntitle='x'\n", "application/toml")}).status_code == 403

    download = reader.get("/sager/handleplan.toml")
    assert download.status_code == 200
    assert tomllib.loads(download.content.decode("utf-8"))["initiatives"][0]["name"] == "Sagsanalyse"
    actions = [r[0] for r in db_rows(db, "SELECT action FROM audit_event WHERE id > ? ORDER BY id", before)]
    assert actions.count("indlæs handleplan") == 2 and "se handleplan" in actions and "hent handleplan" in actions


def test_a_bad_plan_is_shown_with_its_problems_and_nothing_is_saved(app):
    site, db = app
    analyst = logged_in(site, ANALYST)
    versions = db_count(db, "SELECT COUNT(*) FROM action_plan")
    bad = PLAN.replace('status = "i gang"', 'status = "måske"').replace("150000, 2028", "-5, 2028")
    response = _upload(analyst, bad, "forkert.toml")
    assert response.status_code == 422
    text = text_of(response)
    assert "forkert.toml, linje 10" in text and "Ukendt status" in text and "negativt" in text
    assert "Intet er gemt" in text
    assert db_count(db, "SELECT COUNT(*) FROM action_plan") == versions
    # A file that isn't TOML is named as the user named it, never by the server's temporary copy.
    broken = text_of(_upload(analyst, '[plan]\ntitle = "Handleplan\n', "min-plan.toml"))
    assert "min-plan.toml, linje 2" in broken and "klagestat-plan-" not in broken


def test_another_municipality_does_not_see_the_plan(app):
    site, _ = app
    _upload(logged_in(site, ANALYST), PLAN)
    lejre = logged_in(site, LEJRE)
    page = lejre.get("/sager/handleplan")
    assert page.status_code == 200 and "Lejre Kommune har ingen handleplan" in text_of(page)
    assert "Sagsanalyse" not in page.text
    assert lejre.get("/sager/handleplan.toml").status_code == 404


def test_the_front_page_says_what_is_missing_in_the_year_s_treatment(app):
    site, _ = app
    _upload(logged_in(site, ANALYST), PLAN)
    front = logged_in(site, READER).get("/sager")
    assert front.status_code == 200
    text = text_of(front)
    assert "Årets behandling af danmarkskortet for" in text and "Se handleplanen og årets møder" in text
    assert "Ældrerådet eller Seniorrådet er ikke hørt" in text  # the plan has only Handicaprådet's hearing
    lejre = text_of(logged_in(site, LEJRE).get("/sager"))
    assert "Årets behandling" not in lejre  # no plan, no box


# ---- the municipality's own comment ---------------------------------------------------------------------

COMMENT = "Allerød traf 12.400 afgørelser på socialområdet i 2024."


def _save_comment(client, text: str, year: int = 2024, map_code: str = "social"):
    return client.post("/sager/kommentarer", data={"csrf_token": csrf_token(client), "year": year, "map": map_code,
                                                    "text": text})


def test_an_admin_s_comment_is_on_the_profile_and_in_the_api_as_the_municipality_s_own_words(app):
    site, db = app
    public = client_for(site)
    before = public.get("/kommune/201", params={"year": 2024})
    assert before.status_code == 200 and COMMENT not in before.text  # cached now: the comment must replace it

    admin = logged_in(site, ADMIN)
    saved = _save_comment(admin, COMMENT)
    assert saved.status_code == 200 and "Kommentaren er gemt." in text_of(saved), saved.text[:1000]
    after = text_of(public.get("/kommune/201", params={"year": 2024}))
    assert f"Allerød Kommunes egen kommentar: {COMMENT}" in after
    front = public.get("/", params={"year": 2024, "map": "social"})
    assert f"Kommunens kommentar</summary>{COMMENT}" in front.text  # in the map page's table, by Allerød
    rows = public.get("/api/rates", params={"year": "2024", "municipality": "Allerød"}).json()
    by_map = {r["map"]: r["comment"] for r in rows if r["municipality_code"] == "201"}
    assert by_map == {"social": COMMENT, "child-disability": None, "adult-disability": None}
    assert db_rows(db, "SELECT action, target FROM audit_event WHERE action = 'gem kommentar'")[-1] == \
        ("gem kommentar", "2024 social")

    # The committee case quotes it under the map.
    import docx

    case = db.parent / "sag.docx"
    engine = api.open_database(str(db))
    try:
        api.report_danmarkskort(engine, "Allerød", 2024, case)
    finally:
        engine.dispose()
    assert any(COMMENT in p.text for p in docx.Document(str(case)).paragraphs)

    removed = _save_comment(admin, "")
    assert "Kommentaren er fjernet." in text_of(removed)
    assert COMMENT not in public.get("/kommune/201", params={"year": 2024}).text


@pytest.mark.parametrize("text, says", [("Kontakt borgeren 010190-1234 for detaljer", "CPR-nummer"),
                                         ("x" * 501, "højst 500 tegn")])
def test_a_comment_that_can_not_be_shown_to_everyone_is_refused(app, text, says):
    site, db = app
    response = _save_comment(logged_in(site, ADMIN), text)
    assert response.status_code == 422 and says in text_of(response)
    assert "010190" not in response.text  # not even typed back into the form
    assert db_count(db, "SELECT COUNT(*) FROM municipality_comment WHERE text LIKE '%010190%'") == 0


def test_only_an_admin_writes_comments(app):
    site, _ = app
    for email in (READER, ANALYST):
        client = logged_in(site, email)
        assert client.get("/sager/kommentarer").status_code == 403
        assert _save_comment(client, "Ikke min at skrive").status_code == 403
