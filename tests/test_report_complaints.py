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
