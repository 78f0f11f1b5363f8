"""The action plan (issue 14): its TOML file in and out, versions, every bad input, scope."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest

from klagestat import api
from klagestat.catalogue import load_catalogue
from klagestat.domain.plan import Alternative, Initiative, Plan, Status, known_body, plan_data, plan_from_data
from klagestat.domain.problems import InputError
from klagestat.web import plan_form

from conftest import assert_problem, db_count, db_rows, run_cli

# The example, as a municipality writes it: comments, aligned values, an empty decision.
EXAMPLE = """\
[plan]
title = "Handleplan for kvalitetsudvikling 2026-2028"
adopted = 2025-12-16
adopted_by = "Kommunalbestyrelsen"
target = "Under landsplan for socialområdet generelt i 2027"

[[initiatives]]
name = "Sagsanalyse"
description = "Analyse af alle omgjorte og hjemviste sager; fejltyper identificeres"
owner = "Myndighedsafdelingen"
start = 2026-01-01
end = 2028-12-31
status = "planlagt"                      # planlagt | i gang | afsluttet | opgivet
provisions = ["Barnets lov §§ 87-88", "SEL § 100"]   # optional; areas = [...] too
costs = { 2026 = 150000, 2027 = 150000, 2028 = 150000 }

[[initiatives]]
name = "Kompetenceudvikling"
start = 2026-03-01
status = "i gang"
costs = { 2026 = 200000, 2027 = 200000, 2028 = 200000 }

[[initiatives]]
name = "Tidlig borgerinddragelse"
start = 2026-01-01
areas = ["Børneområdet"]
costs = { 2026 = 100000, 2027 = 100000, 2028 = 100000 }

[[alternatives]]
name = "Forslag 1"
description = "Den eksisterende handleplan fortsætter"

[[alternatives]]
name = "Forslag 2"
initiatives = ["Sagsanalyse", "Kompetenceudvikling", "Tidlig borgerinddragelse"]
financing = "Tillægsbevilling finansieret af kassebeholdningen"

[[meetings]]
body = "Handicaprådet"
date = 2025-09-10
kind = "høring"                          # orientering | høring | indstilling | beslutning
decision = ""

[[meetings]]
body = "Social- og Sundhedsudvalget"
date = 2025-10-02
kind = "indstilling"
decision = "Sagen sendes tilbage med ønske om flere initiativer"
"""

AREAS = """\
[areas."Børneområdet"]
provisions = ["Barnets lov"]

[areas."Voksenområdet"]
provisions = ["Serviceloven"]
"""


@pytest.fixture
def files(tmp_path):
    plan = tmp_path / "handleplan.toml"
    plan.write_text(EXAMPLE, encoding="utf-8")
    areas = tmp_path / "omraader.toml"
    areas.write_text(AREAS, encoding="utf-8")
    return plan, areas


def test_a_plan_goes_in_and_comes_out_as_the_same_plan(files, tmp_path, database):
    plan_file, areas = files
    result = run_cli("plan", "import", plan_file, "--municipality", "Lejre", "--areas", areas, db=database)
    assert result.code == 0, str(result)
    assert "version 1" in result.out and "3 initiativer, 2 alternativer, 2 møder" in result.out

    exported = tmp_path / "ud.toml"
    result = run_cli("plan", "export", "--municipality", "350", "--out", exported, db=database)
    assert result.code == 0, str(result)
    data = tomllib.loads(exported.read_text(encoding="utf-8"))
    assert data["plan"]["adopted"] == dt.date(2025, 12, 16)  # a TOML date, as it came in
    assert data["initiatives"][0]["costs"] == {"2026": 150000, "2027": 150000, "2028": 150000}
    assert data["initiatives"][1]["status"] == "i gang"
    assert data["alternatives"][1]["initiatives"] == ["Sagsanalyse", "Kompetenceudvikling", "Tidlig borgerinddragelse"]
    assert data["meetings"][1]["decision"] == "Sagen sendes tilbage med ønske om flere initiativer"

    # The file written out is the same plan: importing it changes nothing, nor does the first again.
    for again in (exported, plan_file):
        result = run_cli("plan", "import", again, "--municipality", "Lejre", "--areas", areas, db=database)
        assert result.code == 0 and "intet er ændret" in result.out, str(result)
    assert db_count(database, "SELECT COUNT(*) FROM action_plan") == 1

    # A change is a new version; the old one stays as the plan's history.
    changed = plan_file.read_text(encoding="utf-8").replace('status = "i gang"', 'status = "afsluttet"')
    plan_file.write_text(changed, encoding="utf-8")
    result = run_cli("plan", "import", plan_file, "--municipality", "Lejre", "--areas", areas, db=database)
    assert result.code == 0 and "version 2" in result.out, str(result)
    versions = db_rows(database, "SELECT version, saved_by, source FROM action_plan WHERE municipality_code = '350' "
                                 "ORDER BY version")
    assert versions == [(1, "kommandolinjen", "handleplan.toml"), (2, "kommandolinjen", "handleplan.toml")]
    assert 'status = "afsluttet"' in run_cli("plan", "export", "--municipality", "Lejre", db=database).out


def _form_fields(view: dict) -> dict[str, str]:
    """The fields a browser sends from the form drawn from `view` (web/plan_form.form_view)."""
    fields = {f"plan-{key}": value for key, value in view["plan"].items()}
    for section in plan_form.ROW_SECTIONS:
        for i, row in enumerate(view[section]):
            fields.update({f"{section}-{i}-{key}": value for key, value in row.items()})
    return fields


def test_a_plan_goes_through_the_web_form_s_fields_unchanged_and_keeps_its_areas(files, database):
    plan_file, areas = files
    assert run_cli("plan", "import", plan_file, "--municipality", "Lejre", "--areas", areas, db=database).code == 0
    engine = api.open_database(database)
    plan, _ = api.plan_of(engine, "Lejre")
    fields = _form_fields(plan_form.form_view(plan_data(plan)))
    assert fields["initiatives-0-costs"] == "2026 = 150000\n2027 = 150000\n2028 = 150000"

    def save(changed: dict[str, str]):
        return api.plan_save(engine, "Lejre", plan_form.form_data({**fields, **changed}), "a@lejre.dk",
                             plan_form.SOURCE, plan_form.place, plan_form.label)

    assert save({}).status == "unchanged"  # every field, areas too, the same plan again
    assert db_count(database, "SELECT COUNT(*) FROM action_plan") == 1
    with pytest.raises(InputError) as refused:
        save({"initiatives-0-areas": "Ældreområdet"})  # not among the areas the areas file brought in
    problem, = refused.value.problems
    assert (problem.file, problem.column, problem.value, problem.code) == (
        "formularen", "Initiativ 1: Områder", "Ældreområdet", "area-unknown")
    report = save({"initiatives-0-costs": "2026 = 100.000 kr.; 2027 = 100000", "initiatives-2-status": "afsluttet"})
    assert (report.status, report.version) == ("imported", 2)
    saved, _ = api.plan_of(engine, "Lejre")
    assert saved.initiatives[0].costs == ((2026, 100000), (2027, 100000))
    assert saved.initiatives[2].status is Status.DONE and saved.initiatives[:2][1] == plan.initiatives[1]
    assert db_rows(database, "SELECT version, saved_by, source FROM action_plan ORDER BY version") == [
        (1, "kommandolinjen", "handleplan.toml"), (2, "a@lejre.dk", "formularen")]


def test_another_municipality_has_no_plan_of_this_one(files, database):
    plan_file, areas = files
    assert run_cli("plan", "import", plan_file, "--municipality", "Lejre", "--areas", areas, db=database).code == 0
    result = run_cli("plan", "export", "--municipality", "Roskilde", db=database)
    assert result.code == 2 and "Roskilde Kommune har ingen handleplan" in result.err, str(result)
    assert "Lejre" not in result.out + result.err


BAD = """\
[plan]
title = "Handleplan"
adopted = 2025-12-16
target_percent = 140

[[initiatives]]
name = "Sagsanalyse"
start = 2026-06-01
end = 2026-01-01
status = "måske"
provisions = ["Hundeloven § 3", "SEL § 9999", "SEL § 100"]
costs = { 2026 = -5, 2027 = 150000.5 }

[[initiatives]]
name = "Sagsanalyse"
areas = ["Børneområdet"]

[[alternatives]]
name = "Forslag 1"
initiatives = ["Kurser"]

[[meetings]]
body = "Fodboldklubben"
date = "10-09-2025"
kind = "snak"
farve = "blå"

[[meetings]]
body = "Byrådet"
kind = "beslutning"
"""


def test_every_problem_in_a_plan_is_named_with_its_line_and_value_and_nothing_is_saved(tmp_path, database):
    path = tmp_path / "forkert.toml"
    path.write_text(BAD, encoding="utf-8")
    result = run_cli("plan", "import", path, "--municipality", "Lejre", db=database)
    assert result.code == 2, str(result)
    assert "Intet er importeret" in result.err
    expected = [
        (4, "[plan] target_percent", "140", "helt tal fra 0 til 100"),
        (9, "[[initiatives]] nr. 1 end", "2026-01-01", "slutter (01-01-2026) før det starter (01-06-2026)"),
        (10, "[[initiatives]] nr. 1 status", "måske", "Ukendt status"),
        (11, "[[initiatives]] nr. 1 provisions", "Hundeloven § 3", "Ukendt lov"),
        (11, "[[initiatives]] nr. 1 provisions", "SEL § 9999", "Serviceloven har ingen § 9999"),
        (12, "[[initiatives]] nr. 1 costs", "-5", "negativt"),
        (12, "[[initiatives]] nr. 1 costs", "150000.5", "helt antal kroner"),
        (15, "[[initiatives]] nr. 2 name", "Sagsanalyse", "står også i punkt 1"),
        (16, "[[initiatives]] nr. 2 areas", "Børneområdet", "--areas"),
        (20, "[[alternatives]] nr. 1 initiatives", "Kurser", "findes ikke i planen"),
        (23, "[[meetings]] nr. 1 body", "Fodboldklubben", "Ukendt organ"),
        (25, "[[meetings]] nr. 1 kind", "snak", "Ukendt mødetype"),
        (26, "[[meetings]] nr. 1 farve", "farve", "Ukendt felt"),
        (28, "[[meetings]] nr. 2 date", None, "date mangler"),
    ]
    for line, column, value, says in expected:
        assert_problem(result, path, line=line, column=column, value=value, says=says)
    assert "værdi: 'SEL § 100'" not in result.err  # a known provision is no problem
    assert "10-09-2025" not in result.err  # a date as Danes write it is read
    assert db_count(database, "SELECT COUNT(*) FROM action_plan") == 0


def test_an_area_must_be_in_the_areas_file(files, tmp_path, database):
    plan_file, _ = files
    other = tmp_path / "andre.toml"
    other.write_text('[areas."Voksenområdet"]\nprovisions = ["Serviceloven"]\n', encoding="utf-8")
    result = run_cli("plan", "import", plan_file, "--municipality", "Lejre", "--areas", other, db=database)
    assert result.code == 2, str(result)
    assert_problem(result, plan_file, line=26, column="[[initiatives]] nr. 3 areas", value="Børneområdet",
                   says="findes ikke i områdefilen")


def test_the_plan_s_sums_and_plain_data():
    plan = Plan(title="Plan", initiatives=(
        Initiative("A", costs=((2026, 150_000), (2027, 150_000))),
        Initiative("B", costs=((2026, 300_000),), status=Status.ONGOING, provisions=("SEL § 100",))),
        alternatives=(Alternative("Forslag 2", ("A", "B")), Alternative("Forslag 1")))
    assert plan.costs_by_year() == {2026: 450_000, 2027: 150_000}
    assert plan.alternative_cost(plan.alternatives[0]) == 600_000
    assert plan.alternative_cost(plan.alternatives[1]) == 0
    assert plan_from_data(plan_data(plan)) == plan
    assert plan.initiatives[0].targets_all and not plan.initiatives[1].targets_all


@pytest.mark.parametrize("name, known", [
    ("Handicaprådet", "Handicaprådet"), ("handicaprådet i Lejre", "handicaprådet i Lejre"),
    ("Social- og Sundhedsudvalget", "Social- og Sundhedsudvalget"), ("Børne- og Ungeudvalg", "Børne- og Ungeudvalg"),
    ("  Kommunalbestyrelsen ", "Kommunalbestyrelsen"), ("Seniorrådet", "Seniorrådet"),
    ("Fodboldklubben", None), ("", None),
])
def test_the_bodies_a_meeting_can_be_in(name, known):
    assert known_body(name) == known


def test_the_catalogue_knows_which_paragraphs_are_complained_about():
    catalogue = load_catalogue()
    assert catalogue.unknown_paragraphs("serviceloven", ("100", "9999")) == ["9999"]
    assert catalogue.unknown_paragraphs("barnets-lov", ("87", "88")) == []


def test_the_readme_s_full_example_imports(tmp_path, empty_db):
    """The README's example is the file's documentation: it must import as written."""
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in readme.split("```toml\n")[1:]]
    [example] = [b for b in blocks if b.startswith("[plan]")]
    path = tmp_path / "handleplan.toml"
    path.write_text(example, encoding="utf-8")
    areas = tmp_path / "omraader.toml"
    areas.write_text(AREAS, encoding="utf-8")
    result = run_cli("plan", "import", path, "--municipality", "Lejre", "--areas", areas, db=empty_db)
    assert result.code == 0 and "2 initiativer, 2 alternativer, 2 møder" in result.out, str(result)


# ---- the effect of each initiative ---------------------------------------------------------------------

EFFECT_PLAN = """\
[plan]
title = "Plan"

[[initiatives]]
name = "Kurser"
start = 2024-03-01
provisions = ["SEL § 100"]

[[initiatives]]
name = "Uden start"
"""


def test_the_effect_counts_what_the_cases_say_by_hand(tmp_path, database, monkeypatch):
    """Decisions on both sides of the start date, a decision on the start date itself (it counts
    after: an initiative works from its first day), pending cases, a case the reassessment gave
    full right (never at Ankestyrelsen), and cases on another provision and at another complaint
    body, which don't count."""
    import json

    from test_import_cases import case, write_cases_csv

    monkeypatch.setenv("KLAGESTAT_SECRET", "en-hemmelighed-til-testene-0123456789")
    decided = {"videresendt": "", "genvurdering": "fastholdt"}
    rows = [
        case("B1", afgoerelsesdato="10-01-2023", klagedato="01-02-2023", udfald="stadfæstet", **decided),
        case("B2", afgoerelsesdato="10-06-2023", klagedato="01-07-2023", udfald="stadfæstet", **decided),
        case("B3", afgoerelsesdato="10-09-2023", klagedato="01-10-2023", udfald="hjemvist", **decided),
        case("B4", afgoerelsesdato="28-02-2024", klagedato="01-03-2024", udfald="ændret", **decided),
        case("B5", afgoerelsesdato="10-01-2024", klagedato="01-02-2024", udfald="afvist", **decided),
        case("A1", afgoerelsesdato="01-03-2024", klagedato="10-03-2024", udfald="ophævet", **decided),
        case("A2", afgoerelsesdato="05-03-2024", klagedato="10-03-2024", udfald="stadfæstet", **decided),
        case("A3", afgoerelsesdato="05-04-2024", klagedato="10-04-2024", udfald="stadfæstet", **decided),
        case("A4", afgoerelsesdato="05-05-2024", klagedato="10-05-2024", videresendt="01-06-2024",
             instans_afgoerelsesdato="", udfald=""),  # pending at Ankestyrelsen
        case("A5", afgoerelsesdato="05-06-2024", klagedato="10-06-2024", genvurdering="", videresendt="",
             instans_afgoerelsesdato="", udfald=""),  # pending at the municipality
        case("A6", afgoerelsesdato="05-06-2024", klagedato="10-06-2024", genvurdering="omgjort", videresendt="",
             instans_afgoerelsesdato="", udfald=""),  # full right at the reassessment: left out
        case("O1", lovgrundlag="SEL § 85", afgoerelsesdato="05-04-2024", klagedato="10-04-2024", udfald="hjemvist",
             **decided),
        case("K1", klageinstans="KSU", afgoerelsesdato="05-04-2024", klagedato="10-04-2024", udfald="hjemvist",
             **decided),
    ]
    register = write_cases_csv(tmp_path / "register.csv", rows)
    assert run_cli("import", "cases", register, "--municipality", "Lejre", db=database).code == 0
    plan = tmp_path / "plan.toml"
    plan.write_text(EFFECT_PLAN, encoding="utf-8")
    assert run_cli("plan", "import", plan, "--municipality", "Lejre", db=database).code == 0

    result = run_cli("plan", "effect", "--municipality", "Lejre", "--format", "json", db=database)
    assert result.code == 0, str(result)
    courses, no_start = json.loads(result.out)
    assert courses["initiative"] == "Kurser" and courses["start"] == "2024-03-01" and courses["targets"] == ["SEL § 100"]
    assert {k: courses["before"][k] for k in ("decided", "reversed", "dismissed", "pending")} == \
        {"decided": 4, "reversed": 2, "dismissed": 1, "pending": 0}
    assert {k: courses["after"][k] for k in ("decided", "reversed", "dismissed", "pending")} == \
        {"decided": 3, "reversed": 1, "dismissed": 0, "pending": 2}
    assert courses["before"]["rate"] == 0.5 and courses["after"]["rate"] == pytest.approx(1 / 3)
    assert courses["difference"] == pytest.approx(1 / 3 - 1 / 2)
    assert courses["diff_ci_low"] < courses["difference"] < courses["diff_ci_high"]
    assert courses["p_value"] == pytest.approx(1.0)  # Fisher's exact test of [[1, 2], [2, 2]]
    assert courses["verdict_code"] == "too_early" and courses["verdict"] == "for tidligt at sige"
    assert "kun 3 realitetsbehandlede sager" in courses["why"] and "2 af 5 klager" in courses["why"]
    # Without a start date there is no before and after: everything on its targets (all) is one side.
    assert no_start["verdict_code"] == "no_start" and no_start["before"]["decided"] == 8

    table = run_cli("plan", "effect", "--municipality", "Lejre", db=database)
    assert table.code == 0 and "For tidligt at sige" in table.out and "Kurser" in table.out, str(table)
    # Another municipality's plan and register are not this one's.
    other = run_cli("plan", "effect", "--municipality", "Roskilde", db=database)
    assert other.code == 2 and "ingen handleplan" in other.err


def test_the_difference_s_interval_is_newcombe_s():
    """Newcombe (1998), Statistics in Medicine 17:873, table II, example (a): 56/70 against 48/80,
    method 10 (the hybrid score interval): 0.0524 to 0.3339."""
    from klagestat.analysis.plan_effect import Side, _newcombe

    low, high = _newcombe(Side(80, 48, 0, 0), Side(70, 56, 0, 0))
    assert low == pytest.approx(0.0524, abs=1e-4) and high == pytest.approx(0.3339, abs=1e-4)


# ---- the year's treatment (§ 79 b) -------------------------------------------------------------------

def _status(meetings: str, today: str, tmp_path, database) -> dict:
    import json

    plan = tmp_path / "plan.toml"
    plan.write_text('[plan]\ntitle = "Plan"\n' + meetings, encoding="utf-8")
    assert run_cli("plan", "import", plan, "--municipality", "Lejre", db=database).code == 0
    result = run_cli("plan", "status", "--municipality", "Lejre", "--year", "2024", "--today", today, "--format", "json",
                     db=database)
    assert result.code == 0, str(result)
    return json.loads(result.out)


def _codes(status: dict) -> dict[str, bool]:
    return {c["code"]: c["ok"] for c in status["checks"]}


COUNCIL = '[[meetings]]\nbody = "Kommunalbestyrelsen"\ndate = {date}\nkind = "beslutning"\n'
HEARINGS = ('[[meetings]]\nbody = "Handicaprådet"\ndate = 2025-09-10\nkind = "høring"\n'
            '[[meetings]]\nbody = "Ældrerådet"\ndate = 2025-09-11\nkind = "høring"\n'
            '[[meetings]]\nbody = "Social- og Sundhedsudvalget"\ndate = 2025-10-02\nkind = "indstilling"\n')


def test_the_year_s_treatment_is_done_when_the_council_meets_by_31_december(tmp_path, database):
    status = _status(HEARINGS + COUNCIL.format(date="2025-12-16"), "2025-12-20", tmp_path, database)
    assert status["published"] == "2025-06-10" and status["deadline"] == "2025-12-31"
    assert _codes(status) == {"council": True, "hearing": True, "committee": True}
    assert [m["body"] for m in status["meetings"]] == ["Handicaprådet", "Ældrerådet", "Social- og Sundhedsudvalget",
                                                       "Kommunalbestyrelsen"]


@pytest.mark.parametrize("today, says", [("2025-12-30", "om 1 dag"), ("2025-12-31", "om 0 dage"),
                                          ("2026-01-01", "er overskredet")])
def test_a_missing_council_meeting_is_warned_about_around_31_december(today, says, tmp_path, database):
    status = _status(HEARINGS, today, tmp_path, database)
    [council] = [c for c in status["checks"] if c["code"] == "council_missing"]
    assert not council["ok"] and says in council["text"]


def test_a_council_meeting_after_31_december_is_late_and_unheard_councils_are_named(tmp_path, database):
    status = _status(COUNCIL.format(date="2026-01-12"), "2026-01-20", tmp_path, database)
    codes = _codes(status)
    assert codes["council_late"] is False and codes["committee_missing"] is False
    texts = " ".join(c["text"] for c in status["checks"])
    assert "Handicaprådet er ikke hørt" in texts and "Ældrerådet eller Seniorrådet er ikke hørt" in texts
    table = run_cli("plan", "status", "--municipality", "Lejre", "--year", "2024", "--today", "2026-01-20", db=database)
    assert "Advarsel: Kommunalbestyrelsens møde 12-01-2026 ligger efter fristen 31-12-2025." in table.out, str(table)


# ---- the plan in the committee case -------------------------------------------------------------------

def _docx_text(path) -> tuple[list[str], str]:
    import docx

    document = docx.Document(str(path))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return headings, "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_danmarkskort_case_has_the_plan_its_economy_alternatives_and_hearings(files, tmp_path, baseline_db):
    plan_file, areas = files
    case = tmp_path / "sag.docx"
    assert run_cli("report", "danmarkskort", "--municipality", "Allerød", "--year", "2024", "--out", case,
                   db=baseline_db).code == 0
    headings, _ = _docx_text(case)
    assert "Handleplan" not in headings  # without a plan, the case is as it was

    assert run_cli("plan", "import", plan_file, "--municipality", "Allerød", "--areas", areas, db=baseline_db).code == 0
    result = run_cli("report", "danmarkskort", "--municipality", "Allerød", "--year", "2024", "--out", case,
                     db=baseline_db)
    assert result.code == 0, str(result)
    headings, text = _docx_text(case)
    for heading in ("Handleplan", "Effekten indtil nu", "Økonomi og finansiering", "Alternativer", "Dialog og høring"):
        assert heading in headings, heading
    assert headings.index("Handleplan") < headings.index("Indstilling")
    assert "Handleplanen koster 450.000 kr. pr. år i 2026-2028, i alt 1,35 mio. kr." in text
    assert "Forslag 2: Initiativerne Sagsanalyse, Kompetenceudvikling, Tidlig borgerinddragelse, i alt 1,35 mio. kr. ekstra." in text
    assert "at der vælges mellem Forslag 1 og Forslag 2" in text
    assert "Sagen sendes tilbage med ønske om flere initiativer" in text

    public = tmp_path / "offentlig.docx"
    assert run_cli("report", "danmarkskort", "--municipality", "Allerød", "--year", "2024", "--out", public,
                   "--public", db=baseline_db).code == 0
    headings, text = _docx_text(public)
    assert "Handleplan" in headings and "Effekten indtil nu" not in headings  # the effect comes from the register

    # The cases of many municipalities at once (two processes): each with its own plan, or none.
    folder = tmp_path / "alle"
    folder.mkdir()
    allerod, aeroe = api.report_danmarkskort_all(api.open_database(str(baseline_db)), 2024, folder,
                                                 municipalities=["Allerød", "Ærø"], workers=2)
    headings, text = _docx_text(allerod)
    assert "Handleplan" in headings and "Effekten indtil nu" in headings and "i alt 1,35 mio. kr." in text
    assert "Handleplan" not in _docx_text(aeroe)[0]


def test_kroner_as_the_minutes_write_them():
    from klagestat.render import numbers

    assert [numbers.kroner(n) for n in (450_000, 1_350_000, 1_000_000, 2_500_000, 10_000_000, 1_234_567)] == [
        "450.000 kr.", "1,35 mio. kr.", "1 mio. kr.", "2,5 mio. kr.", "10 mio. kr.", "1,23 mio. kr."]


def test_a_plan_that_is_not_toml_is_explained_in_danish(tmp_path, empty_db):
    broken = tmp_path / "broken.toml"
    broken.write_text('[plan]\ntitle = "Handleplan\n', encoding="utf-8")
    result = run_cli("plan", "import", broken, "--municipality", "Lejre", db=empty_db)
    assert result.code == 2
    assert_problem(result, broken, line=2, says="en tekst mangler sit afsluttende anførselstegn")
    loose = tmp_path / "uden-afsnit.toml"
    loose.write_text('title = "Handleplan"\n', encoding="utf-8")
    result = run_cli("plan", "import", loose, "--municipality", "Lejre", db=empty_db)
    assert_problem(result, loose, line=1, value="title", says="hører under et afsnit")


def test_a_file_too_big_to_be_a_plan_is_refused_before_it_is_read(tmp_path, empty_db):
    from klagestat.ingest.plan_file import MAX_PLAN_BYTES

    huge = tmp_path / "stor.toml"
    huge.write_text('[plan]\ntitle = "' + "x" * MAX_PLAN_BYTES + '"\n', encoding="utf-8")
    result = run_cli("plan", "import", huge, "--municipality", "Lejre", db=empty_db)
    assert result.code == 2 and "en handleplan er højst 1.000 KB" in result.err, str(result)
    assert not empty_db.exists() or db_count(empty_db, "SELECT COUNT(*) FROM action_plan") == 0
