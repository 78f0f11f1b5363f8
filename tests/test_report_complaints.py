"""`klagestat report complaints`: the regular complaint report from a municipality's register,
through the installed command, read back with python-docx; the public version hides cases,
descriptions, learning notes and small counts, and no CPR-shaped text ever reaches a report."""

from __future__ import annotations

import re
import shutil

import docx
import pytest

from klagestat import api
from klagestat.render import numbers

from conftest import run_cli

CPR_SHAPED = re.compile(r"(?<!\d)\d{6}[-\u2010\u2013 ]?\d{4}(?!\d)")
CPRS = ("010190-1234", "2512851234", "311299-4321")


@pytest.fixture
def own_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("KLAGESTAT_SECRET", "en-hemmelighed-til-testene-0123456789")


def report(db, municipality, year, out, *args):
    return run_cli("report", "complaints", "--municipality", municipality, "--year", str(year), "--out", out,
                   *args, db=db)


def docx_text(path) -> str:
    word = docx.Document(str(path))
    cells = [c.text for t in word.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in word.paragraphs] + cells)


def test_word_report_by_committee_and_law_with_the_register_rates(demo_db, tmp_path):
    out = tmp_path / "klager.docx"
    result = report(demo_db, "Allerød", 2024, out)
    assert result.code == 0, str(result)
    word = docx.Document(str(out))
    level1 = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
    assert level1[:3] == ["Resumé", "Klager fordelt på områder", "Klager fordelt på lov"]
    assert "Årsager til omgørelser" in level1 and "Hvornår blev de påklagede afgørelser truffet?" in level1
    assert "Borgere, der klager flere gange" in level1 and "Læring" in level1 and level1[-1] == "Bilag 1: Omgjorte sager"

    engine = api.open_database(str(demo_db))
    by_area = api.rates(engine, "2023,2024", ["Allerød"], by="area", source="cases")
    areas = next(t for t in word.tables if t.rows[0].cells[0].text == "Område")
    shown = {row.cells[0].text: [c.text for c in row.cells] for row in areas.rows[1:]}
    for row in by_area.rows:
        if row.span.first != 2024 or not row.denominator:
            continue
        cells = shown[row.group]
        c = row.counts
        # The rate's denominator and the dismissed cases stand beside it: a reader dividing the
        # reversed by the decided cases sees that the rate is over the merits, not the decided.
        assert cells[1:6] == [numbers.count(c.upheld + c.changed + c.remitted + c.dismissed), numbers.count(c.dismissed),
                              numbers.count(c.upheld + c.changed + c.remitted), numbers.count(c.changed + c.remitted),
                              numbers.municipal_percent(row.rate)]
        last = next((r for r in by_area.rows if r.group == row.group and r.span.first == 2023), None)
        if last is not None and last.denominator:
            assert cells[6:8] == [numbers.municipal_percent(last.rate), numbers.points(row.rate - last.rate, 0)]
    total = next(r for r in by_area.totals if r.span.first == 2024)
    assert total.counts.dismissed > 0  # else the test could not tell the two denominators apart
    assert shown["I alt"][5] == numbers.municipal_percent(total.rate)
    assert [c.text.replace("\u00ad", "") for c in areas.rows[0].cells][1:5] == ["Afgjorte sager", "Afviste", "Realitetsbehandlede",
                                                           "Omgjorte sager"]
    annex = word.tables[-1]
    assert [c.text for c in annex.rows[0].cells][:3] == ["Sagsnr.", "Afgjort", "Klageinstans"]
    outcomes = {row.cells[4].text for row in annex.rows[1:]}
    assert outcomes <= {"Hjemvist", "Ændret/ophævet"} and len(annex.rows) > 10


def test_public_report_hides_cases_learning_and_small_counts(demo_db, tmp_path):
    out = tmp_path / "klager.html"
    assert report(demo_db, "Allerød", 2024, out, "--public").code == 0
    html = out.read_text(encoding="utf-8")
    assert '<td class="number">x</td>' in html and "tallet er skjult af hensyn til borgerne" in html  # small counts
    assert "Bilag" not in html and "Læring" not in html and "Sagsnr." not in html
    assert "ikke tilstrækkeligt oplyst" not in html and "teammøde" not in html  # descriptions, learning notes
    private = tmp_path / "lukket.html"
    assert report(demo_db, "Allerød", 2024, private).code == 0
    assert "teammøde" in private.read_text(encoding="utf-8")


def test_no_cpr_shaped_text_reaches_any_report(demo_db, tmp_path, own_secret):
    db = tmp_path / "k.db"
    shutil.copyfile(demo_db, db)
    rows = ["sags_id;cpr;lovgrundlag;omraade;afgoerelsesdato;klagedato;videresendt;instans_afgoerelsesdato;udfald;"
            "aarsag;beskrivelse;laering"]
    for i in range(12):
        cpr = CPRS[i % 3]
        outcome = ("hjemvist", "ændret", "stadfæstet")[i % 3]
        rows.append(f"L-{i};{cpr};SEL § 100;Voksne;02-01-2024;20-01-2024;01-02-2024;{10 + i}-09-2024;{outcome};"
                    f"{'oplysningsgrundlag' if outcome != 'stadfæstet' else ''};"
                    f"Borgeren ({CPRS[(i + 1) % 3]}) klagede over afslag;Husk CPR {cpr.replace('-', '')} i journalen")
    register = tmp_path / "lejre.csv"
    register.write_text("\n".join(rows) + "\n", encoding="utf-8")
    imported = run_cli("import", "cases", register, "--municipality", "Lejre", db=db)
    assert imported.code == 0, str(imported)
    for args in ((), ("--public",)):
        for ending in ("md", "html", "docx"):
            out = tmp_path / f"lejre{'-public' if args else ''}.{ending}"
            result = report(db, "Lejre", 2024, out, *args)
            assert result.code == 0, str(result)
            text = docx_text(out) if ending == "docx" else out.read_text(encoding="utf-8")
            assert not CPR_SHAPED.search(text), CPR_SHAPED.search(text)
            if not args and ending == "md":
                assert "[CPR-nr. fjernet]".replace("[", "\\[").replace("]", "\\]") in text  # masked, kept in the annex


def test_no_register_or_no_cases_that_year_is_refused_clearly(demo_db, tmp_path):
    result = report(demo_db, "Lejre", 2024, tmp_path / "x.docx")
    assert result.code == 2 and "intet klageregister for Lejre" in result.err
    result = report(demo_db, "Allerød", 2013, tmp_path / "x.docx")
    assert result.code == 2, str(result)
    assert not (tmp_path / "x.docx").exists()


def test_areas_file_groups_the_register_by_committee(demo_db, tmp_path):
    areas = tmp_path / "omraader.toml"
    areas.write_text('[areas."Børne- og Skoleudvalget"]\nprovisions = ["Barnets lov"]\n'
                     '[areas."Social- og Sundhedsudvalget"]\nprovisions = ["Serviceloven"]\n', encoding="utf-8")
    out = tmp_path / "klager.md"
    result = report(demo_db, "Allerød", 2024, out, "--areas", areas)
    assert result.code == 0, str(result)
    text = out.read_text(encoding="utf-8")
    table = api.rates(api.open_database(str(demo_db)), 2024, ["Allerød"], by="area", areas=str(areas),
                      source="cases")
    for row in table.rows:
        if row.area.code == "201" and row.denominator:
            assert f"| {row.group} | " in text and numbers.municipal_percent(row.rate) in text
    assert "Områderne er defineret i filen omraader.toml." in text


# Cases decided by Ankestyrelsen on both sides of the periods' first and last days, as
# (case id, date of Ankestyrelsen's decision, outcome, year of the municipality's decision).
PERIOD_CASES = [
    ("A1", "01-01-2025", "stadfæstet", 2024),  # first day of 2025H1
    ("A2", "30-06-2025", "ændret", 2024),  # last day of 2025H1
    ("A3", "01-07-2025", "hjemvist", 2025),  # first day after 2025H1: 2025K3
    ("A4", "10-03-2025", "afvist", 2024),  # decided, not on the merits
    ("A5", "01-04-2025", "hjemvist", 2023),
    ("B1", "29-02-2024", "ændret", 2023),  # 2024H1, a leap day
    ("B2", "30-06-2024", "stadfæstet", 2023),
    ("B3", "31-12-2023", "hjemvist", 2023),  # before 2024H1
    ("C1", "15-12-2024", "stadfæstet", 2024),
]


def period_register(path):
    rows = ["sags_id;lovgrundlag;omraade;afgoerelsesdato;klagedato;instans_afgoerelsesdato;udfald"]
    for case_id, decided, outcome, decision_year in PERIOD_CASES:
        rows.append(f"{case_id};SEL § 100;Voksne;02-01-{decision_year};20-01-{decision_year};{decided};{outcome}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def total_row(markdown: str) -> list[str]:
    """The cells of the area table's total row, without the bold."""
    line = next(line for line in markdown.splitlines() if line.startswith("| **I alt**"))
    return [cell.strip().strip("*") for cell in line.strip("|").split("|")]


def test_a_report_for_a_half_year_a_quarter_or_any_days_beside_the_same_days_a_year_earlier(database, tmp_path):
    imported = run_cli("import", "cases", period_register(tmp_path / "lejre.csv"), "--municipality", "Lejre",
                       db=database)
    assert imported.code == 0, str(imported)

    def period_report(period: str) -> str:
        out = tmp_path / f"{period}.md"
        result = run_cli("report", "complaints", "--municipality", "Lejre", "--period", period, "--out", out,
                         db=database)
        assert result.code == 0, str(result)
        return out.read_text(encoding="utf-8")

    # 2025H1: A1, A2, A4, A5 (first and last day in; A3 on 1 July out). 2024H1: B1 (29 February), B2.
    half = period_report("2025H1")
    assert "# Klager over Lejre Kommunes afgørelser 1. halvår 2025" in half
    assert "| % omgjort 1. halvår 2025 | % omgjort 1. halvår 2024 |" in half
    assert total_row(half) == ["I alt", "4", "1", "3", "2", "67 %", "50 %", "+17"]
    assert "omgørelsesprocenten var 67 % mod 50 % i 1. halvår 2024" in half
    assert "Landsplan" not in half and "Landstal findes kun for hele år" in half
    # The decision-year table: A5 from 2023, A1, A2 and A4 from 2024.
    assert "| 2023 | 1 | 25 % |" in half and "| 2024 | 3 | 75 % |" in half

    quarter = period_report("2025K3")
    assert total_row(quarter) == ["I alt", "1", "0", "1", "1", "100 %", "–", "–"]

    # Any days, across New Year: C1 (15.12.2024) and A1 (1.1.2025); the year before has B3 (31.12.2023).
    days = period_report("2024-12-01..2025-01-31")
    assert "1.12.2024–31.1.2025" in days and "% omgjort 1.12.2023–31.1.2024" in days
    assert total_row(days) == ["I alt", "2", "0", "2", "0", "0 %", "100 %", "-100"]
    assert "| 2024 | 2 | 100 % |" in days  # one row per decision year, though the days span two years

    # A whole year by --period is the report of --year.
    by_year = tmp_path / "by-year.md"
    assert run_cli("report", "complaints", "--municipality", "Lejre", "--year", "2025", "--out", by_year,
                   db=database).code == 0
    assert by_year.read_text(encoding="utf-8") == period_report("2025")


@pytest.mark.parametrize("args, message", [
    (("--period", "2025H3"), "Perioden '2025H3' kan ikke læses"),
    (("--period", "2025-06-30..2025-01-01"), "Perioden '2025-06-30..2025-01-01' kan ikke læses"),
    (("--period", "2025-02-30..2025-03-31"), "kan ikke læses"),
    (("--period", "2025H1", "--year", "2025"), "Angiv enten --year"),
    ((), "Angiv enten --year"),
])
def test_a_period_that_cannot_be_read_is_refused_in_danish(demo_db, tmp_path, args, message):
    out = tmp_path / "x.md"
    result = run_cli("report", "complaints", "--municipality", "Allerød", "--out", out, *args, db=demo_db)
    assert result.code == 2 and message in result.err, str(result)
    assert "Traceback" not in result.err and not out.exists()
