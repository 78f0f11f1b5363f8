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
from web_helpers import SECRET, add_user, client_for, csrf_token, logged_in, text_of, tree

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


# ---- the plan's form ----------------------------------------------------------------------------------

def _form(page) -> dict[str, str]:
    """What the browser would send from the plan's form as it stands (lxml fills it as a browser)."""
    forms = tree(page).xpath('//form[@action="/sager/handleplan/rediger"]')
    assert len(forms) == 1, page.text[:2000]
    return dict(forms[0].form_values())


def _versions(db) -> int:
    return db_count(db, "SELECT COUNT(*) FROM action_plan WHERE municipality_code = '201'")


def test_the_plan_round_trips_through_the_form_and_each_change_is_a_version_in_the_audit_log(app):
    site, db = app
    analyst = logged_in(site, ANALYST)
    _upload(analyst, PLAN)
    versions, before = _versions(db), db_count(db, "SELECT COUNT(*) FROM audit_event")
    page = analyst.get("/sager/handleplan/rediger")
    assert page.status_code == 200
    fields = _form(page)
    assert fields["plan-title"] == "Handleplan for kvalitetsudvikling 2026-2028"
    assert fields["initiatives-0-provisions"] == "SEL § 100\nSEL § 85"
    assert fields["initiatives-0-costs"] == "2026 = 150000\n2027 = 150000\n2028 = 150000"

    same = analyst.post("/sager/handleplan/rediger", data=fields)  # sent back untouched: the same plan
    assert same.status_code == 200 and "intet er ændret" in text_of(same)
    assert _versions(db) == versions

    fields.update({"initiatives-0-costs": "2026 = 200.000 kr.\n2027 = 150000", "initiatives-0-status": "afsluttet",
                   "initiatives-1-name": "Kompetenceudvikling", "initiatives-1-start": "01-03-2026",
                   "initiatives-1-costs": "2026: 100000, 2027: 100000",
                   "meetings-1-body": "Kommunalbestyrelsen", "meetings-1-date": "2025-12-16",
                   "meetings-1-kind": "beslutning", "meetings-1-decision": "Forslag 2 vedtaget",
                   "meetings-0-delete": "1"})  # the hearing goes
    changed = analyst.post("/sager/handleplan/rediger", data=fields)
    assert changed.status_code == 200 and f"Planen er gemt som version {versions + 1}." in text_of(changed)
    saved = tomllib.loads(analyst.get("/sager/handleplan.toml").content.decode("utf-8"))
    first, second = saved["initiatives"]
    assert first["status"] == "afsluttet" and first["costs"] == {"2026": 200000, "2027": 150000}
    assert first["provisions"] == ["SEL § 100", "SEL § 85"]  # untouched fields stay
    assert second == {"name": "Kompetenceudvikling", "start": __import__("datetime").date(2026, 3, 1),
                      "status": "planlagt", "costs": {"2026": 100000, "2027": 100000}}
    assert [m["body"] for m in saved["meetings"]] == ["Kommunalbestyrelsen"]
    assert saved["alternatives"] == [{"name": "Forslag 2", "initiatives": ["Sagsanalyse"], "financing": "Kassebeholdningen"}]
    history = db_rows(db, "SELECT version, saved_by, source FROM action_plan WHERE municipality_code = '201' "
                          "ORDER BY version DESC")
    assert history[0] == (versions + 1, ANALYST, "formularen")
    actions = [r[0] for r in db_rows(db, "SELECT action FROM audit_event WHERE id > ? ORDER BY id", before)]
    assert actions.count("ret handleplan") == 2  # the unchanged save is logged too: it was tried


@pytest.mark.parametrize("change, says", [
    ({"initiatives-0-status": "måske"}, "Initiativ 1: Status: Ukendt status"),
    ({"initiatives-0-end": "2021-12-31"}, "Initiativ 1: Slut: Initiativet slutter (31-12-2021) før det starter"),
    ({"initiatives-0-costs": "2026 = -150000"}, "Initiativ 1: Udgifter pr. år: Beløbet for 2026 er negativt. (du skrev: -150000)"),
    ({"initiatives-0-costs": "2026 = 1,5 mio."}, "Beløbet for 2026 skal være et helt antal kroner"),
    ({"initiatives-0-provisions": "SEL § 100\nSEL § 9999"}, "Initiativ 1: Bestemmelser: Serviceloven har ingen § 9999"),
    ({"meetings-0-body": "Fodboldklubben"}, "Møde 1: Organ: Ukendt organ."),
    ({"meetings-1-date": "2025-10-01"}, "Møde 2: Organ: Organ mangler."),
    ({"plan-title": ""}, "Planen: Titel: Titel mangler."),
    ({"alternatives-0-initiatives": "Ukendt initiativ"}, "Alternativ 1: Initiativer: Initiativet findes ikke i planen"),
])
def test_bad_input_in_the_form_is_named_by_its_field_and_nothing_is_saved(app, change, says):
    site, db = app
    analyst = logged_in(site, ANALYST)
    _upload(analyst, PLAN)
    versions = _versions(db)
    fields = {**_form(analyst.get("/sager/handleplan/rediger")), **change}
    response = analyst.post("/sager/handleplan/rediger", data=fields)
    assert response.status_code == 422
    text = text_of(response)
    assert says in text and "Intet er gemt" in text
    assert _versions(db) == versions
    kept = _form(response)  # the form comes back as typed, to be corrected
    for name, value in change.items():
        assert kept[name].replace("\r\n", "\n") == value


def test_only_an_analyst_of_the_municipality_edits_its_plan(app):
    site, db = app
    _upload(logged_in(site, ANALYST), PLAN)
    versions = _versions(db)
    reader = logged_in(site, READER)
    assert reader.get("/sager/handleplan/rediger").status_code == 403
    assert reader.post("/sager/handleplan/rediger", data={"csrf_token": csrf_token(reader),
                                                          "plan-title": "Læserens plan"}).status_code == 403
    assert "/sager/handleplan/rediger" not in reader.get("/sager/handleplan").text
    analyst = logged_in(site, ANALYST)
    fields = _form(analyst.get("/sager/handleplan/rediger"))
    assert analyst.post("/sager/handleplan/rediger", data={**fields, "csrf_token": "forkert"}).status_code == 403
    # Lejre's analyst sees an empty form and saves Lejre's own plan; Allerød's is untouched.
    lejre = logged_in(site, LEJRE)
    empty = _form(lejre.get("/sager/handleplan/rediger"))
    assert empty["plan-title"] == "" and "Sagsanalyse" not in lejre.get("/sager/handleplan/rediger").text
    saved = lejre.post("/sager/handleplan/rediger", data={**empty, "plan-title": "Lejres plan"})
    assert saved.status_code == 200 and "Planen er gemt som version 1." in text_of(saved)
    assert _versions(db) == versions
    assert db_rows(db, "SELECT municipality_code FROM action_plan WHERE source = 'formularen' AND content LIKE ?",
                   "%Lejres plan%") == [("350",)]


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
