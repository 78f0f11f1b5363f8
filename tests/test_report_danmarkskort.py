"""`klagestat report danmarkskort`: the committee case from the demo statistics, written as Word,
HTML, Markdown and PDF through the installed command and read back with python-docx; every
figure checked against `klagestat rates`."""

from __future__ import annotations

import re
import shutil
from fractions import Fraction

import docx
import pytest

from conftest import P85, run_cli, statbank_rows, write_statbank_csv

from klagestat import api
from klagestat.demo.build import build_demo
from klagestat.render import numbers


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    db = folder / "klagestat-demo.db"
    build_demo(str(db), folder, progress=lambda _: None)
    return db


def report(db, municipality, year, out, *args):
    return run_cli("report", "danmarkskort", "--municipality", municipality, "--year", str(year), "--out", out,
                   *args, db=db)


def test_word_case_has_the_sections_tables_and_figures_with_the_rates_figures(demo_db, tmp_path):
    out = tmp_path / "allerod-2024.docx"
    result = report(demo_db, "Allerød", 2024, out)
    assert result.code == 0, str(result)
    assert f"Skrev {out}" in result.out
    word = docx.Document(str(out))
    level1 = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
    assert level1 == ["Resumé", "Baggrund", "Sagsfremstilling", "Indstilling", "Bilag"]
    level2 = [p.text for p in word.paragraphs if p.style.name == "Heading 2"]
    assert level2[:3] == ["Socialområdet generelt", "Børnehandicapområdet", "Voksenhandicapområdet"] or \
        "Socialområdet generelt" in level2
    text = "\n".join(p.text for p in word.paragraphs)
    assert "SYNTETISKE DEMODATA" in text
    assert "§ 79 b" in text and "1. januar 2025" in text  # the 2024 maps are treated in 2025

    table = api.rates(api.open_database(str(demo_db)), 2024, ["Allerød"])
    outcome_tables = [t for t in word.tables if t.rows[0].cells[0].text == "Udfald"]
    assert len(outcome_tables) == 3
    for grid, map_code in zip(outcome_tables, ("social", "child-disability", "adult-disability")):
        mine = next(r for r in table.rows if r.map == map_code and r.area.code == "201")
        nation = next(r for r in table.rows if r.map == map_code and r.area.level == "national")
        cells = {row.cells[0].text: [c.text for c in row.cells[1:]] for row in grid.rows[1:]}
        assert cells["Samlet omgørelsesprocent"] == [
            numbers.municipal_percent(mine.rate), numbers.count(mine.counts.changed + mine.counts.remitted),
            numbers.national_percent(nation.rate)]
        assert cells["Hjemvisning"][1] == numbers.count(mine.counts.remitted)
        assert cells["Stadfæstelse"][0] == numbers.municipal_percent(Fraction(mine.counts.upheld, mine.denominator))
        assert cells["Ændring/ophævelse"][2] == numbers.national_percent(
            Fraction(nation.counts.changed, nation.denominator))
    # The four-year comparison with the neighbours, each cell "63 % (65)".
    comparison = next(t for t in word.tables if t.rows[0].cells[0].text == "Socialområdet generelt")
    assert [c.text for c in comparison.rows[0].cells[1:]] == ["2024", "2023", "2022", "2021"]
    names = [row.cells[0].text for row in comparison.rows[1:]]
    assert names[0] == "Allerød" and names[-2:] == ["Nabokommunerne samlet", "Landsplan"]
    assert {"Hillerød", "Hørsholm", "Furesø", "Rudersdal"} <= set(names)
    social = next(r for r in table.rows if r.map == "social" and r.area.code == "201")
    assert comparison.rows[1].cells[1].text == f"{numbers.municipal_percent(social.rate)} ({social.denominator})"
    assert len(word.inline_shapes) == 3  # trend, funnel plot, map
    assert all(shape._inline.docPr.get("descr") for shape in word.inline_shapes)


def test_small_municipality_gets_the_uncertainty_spelled_out_in_every_format(demo_db, tmp_path):
    for ending in ("html", "md"):
        out = tmp_path / f"laeso.{ending}"
        result = report(demo_db, "Læsø", 2024, out)
        assert result.code == 0, str(result)
        text = out.read_text(encoding="utf-8")
        assert "Usikkerhed: tallet bygger på" in text and "Med under 20 sager" in text
        assert "95 % sikkerhed" in text
    html = (tmp_path / "laeso.html").read_text(encoding="utf-8")
    assert html.count("<svg") == 3 and "<metadata>" not in html
    # Nothing is loaded from elsewhere: no links, scripts or images by address (XML namespaces are names).
    assert not re.search(r"""(src|href)=["']?(https?:|//)|url\((?!#)|<link|<script|<img""", html)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed; .ci/run installs it")
def test_pdf_case(demo_db, tmp_path):
    out = tmp_path / "ballerup.pdf"
    result = report(demo_db, "Ballerup", 2024, out)
    assert result.code == 0, str(result)
    assert out.read_bytes().startswith(b"%PDF-")


def test_a_map_without_cases_says_so_instead_of_zero(tmp_path):
    figures = {"Ærø": {P85: (4, 0, 2, 0)},
               "Hele landet": {P85: (2500, 300, 900, 200)}}
    csv_file = write_statbank_csv(tmp_path / "ankeast1-2024.csv", statbank_rows(figures))
    db = tmp_path / "k.db"
    assert run_cli("import", "statbank", csv_file, "--as-of", "2025-03-01", db=db).code == 0
    out = tmp_path / "aeroe.md"
    result = report(db, "Ærø", 2024, out)
    assert result.code == 0, str(result)
    text = out.read_text(encoding="utf-8")
    assert "ingen sager fra Ærø på børnehandicapområdet i 2024" in text
    assert "det er ikke det samme som 0 %" in text


def test_no_data_and_unwritable_paths_are_refused_clearly(demo_db, tmp_path):
    result = report(demo_db, "Allerød", 2030, tmp_path / "x.docx")
    assert result.code == 2 and "ingen tal" in result.err and "2030" in result.err
    assert not (tmp_path / "x.docx").exists()
    result = report(demo_db, "Allerød", 2024, tmp_path / "mangler" / "x.docx")
    assert result.code == 2 and "findes ikke" in result.err
    result = report(demo_db, "Allerød", 2024, tmp_path / "x.txt")
    assert result.code == 2 and "Ukendt filtype" in result.err
    result = report(demo_db, "Atlantis", 2024, tmp_path / "x.docx")
    assert result.code == 2 and "Ukendt kommune" in result.err
