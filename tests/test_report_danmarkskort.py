"""`klagestat report danmarkskort`: the committee case from the demo statistics, written as Word,
HTML, Markdown and PDF through the installed command and read back with python-docx; every
figure checked against `klagestat rates`."""

from __future__ import annotations

import re
import shutil
from fractions import Fraction
from pathlib import Path

import docx
import pytest

from klagestat import api
from klagestat.render import numbers

from conftest import P85, run_cli, statbank_rows, write_statbank_csv


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
        assert cells["Hjemvist"][1] == numbers.count(mine.counts.remitted)
        assert cells["Stadfæstet"][0] == numbers.municipal_percent(Fraction(mine.counts.upheld, mine.denominator))
        assert cells["Ændret/ophævet"][2] == numbers.national_percent(
            Fraction(nation.counts.changed, nation.denominator))
    # The four-year comparison with the neighbours, each cell "63 % (65)".
    comparison = next(t for t in word.tables if t.rows[0].cells[0].text == "Kommune")
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


GEOJSON = Path(__file__).resolve().parents[2] / "shared" / "data" / "geo" / "kommuner-fot2014.geojson"


@pytest.mark.skipif(not GEOJSON.exists(), reason=f"the boundary file {GEOJSON} is not beside the project")
def test_the_map_on_real_boundaries_from_geojson(demo_db, tmp_path):
    tiles, geo = tmp_path / "tiles.md", tmp_path / "geo.md"
    assert report(demo_db, "Allerød", 2024, tiles).code == 0
    result = report(demo_db, "Allerød", 2024, geo, "--geojson", GEOJSON, "--geojson-code", "lau_1")
    assert result.code == 0, str(result)
    assert (tmp_path / "geo-figur-3.png").read_bytes() != (tmp_path / "tiles-figur-3.png").read_bytes()
    assert "Bornholm" in geo.read_text(encoding="utf-8")  # the alt text says where Bornholm is drawn
    wrong = report(demo_db, "Allerød", 2024, tmp_path / "x.md", "--geojson", GEOJSON)  # no "kommunekode" there
    assert wrong.code == 2 and "kommunekode" in wrong.err and str(GEOJSON) in wrong.err


# ---- every municipality at once -----------------------------------------------------------------


def outcome_cells(word) -> dict[str, dict[str, list[str]]]:
    """The outcome tables' rows by their first cell, per map in the document's order."""
    grids = [t for t in word.tables if t.rows[0].cells[0].text == "Udfald"]
    return {map_code: {row.cells[0].text: [c.text for c in row.cells[1:]] for row in grid.rows[1:]}
            for map_code, grid in zip(("social", "child-disability", "adult-disability"), grids)}


def test_all_municipalities_get_a_word_file_each_with_the_rates_figures(demo_db, tmp_path):
    from klagestat.catalogue import load_catalogue

    catalogue = load_catalogue()
    engine = api.open_database(str(demo_db))
    written = api.report_danmarkskort_all(engine, 2024, tmp_path, workers=2)
    assert len(written) == 98 and sorted(tmp_path.iterdir()) == sorted(written)
    assert [p.name.split("-")[2] for p in written] == list(catalogue.municipalities)
    assert tmp_path / "danmarkskort-2024-201-alleroed.docx" in written
    assert tmp_path / "danmarkskort-2024-492-aeroe.docx" in written
    assert tmp_path / "danmarkskort-2024-173-lyngby-taarbaek.docx" in written
    assert all(p.name.isascii() for p in written)

    table = api.rates(engine, 2024)
    spot_checks = {"201", "825", "101", "860"}
    for path, code in zip(written, catalogue.municipalities):
        word = docx.Document(str(path))
        assert word.paragraphs[0].text.endswith(f"for {catalogue.municipalities[code].name} Kommune")
        cells = outcome_cells(word)
        assert len(cells) == 3 and len(word.inline_shapes) == 3
        if code not in spot_checks:
            continue
        for map_code, rows in cells.items():
            mine = next(r for r in table.rows if r.map == map_code and r.area.code == code)
            nation = next(r for r in table.rows if r.map == map_code and r.area.level == "national")
            assert rows["Samlet omgørelsesprocent"] == [
                numbers.municipal_percent(mine.rate), numbers.count(mine.counts.changed + mine.counts.remitted),
                numbers.national_percent(nation.rate)]
            assert rows["Hjemvist"][1] == numbers.count(mine.counts.remitted)


def test_all_municipalities_one_process_and_other_formats(demo_db, tmp_path):
    engine = api.open_database(str(demo_db))
    written = api.report_danmarkskort_all(engine, "2024", tmp_path, format="md", workers=1,
                                          municipalities=["Læsø", "201"])
    assert [p.name for p in written] == [  # in the order asked for
        "danmarkskort-2024-825-laesoe.md", *(f"danmarkskort-2024-825-laesoe-figur-{n}.png" for n in (1, 2, 3)),
        "danmarkskort-2024-201-alleroed.md", *(f"danmarkskort-2024-201-alleroed-figur-{n}.png" for n in (1, 2, 3))]
    assert "Med under 20 sager" in (tmp_path / "danmarkskort-2024-825-laesoe.md").read_text(encoding="utf-8")
    with pytest.raises(api.InputError, match="Ukendt format"):
        api.report_danmarkskort_all(engine, 2024, tmp_path, format="odt")
    with pytest.raises(api.InputError, match="findes ikke"):
        api.report_danmarkskort_all(engine, 2024, tmp_path / "mangler")


def test_batch_analysis_equals_the_single_one_on_the_demo(demo_db):
    from klagestat.analysis.danmarkskort import danmarkskort_case, danmarkskort_cases
    from klagestat.catalogue import load_catalogue

    catalogue = load_catalogue()
    codes = ["201", "825", "101", "400"]
    with api.open_database(str(demo_db)).connect() as conn:
        batch = list(danmarkskort_cases(conn, catalogue, codes, 2024))
        assert batch == [danmarkskort_case(conn, catalogue, code, 2024) for code in codes]
    assert [c.municipality.code for c in batch] == codes
    assert all(len(section.all_municipalities) == 98 for case in batch for section in case.maps)


def test_batch_analysis_equals_the_single_one_with_a_map_without_cases(tmp_path):
    from datetime import date

    from klagestat.analysis.danmarkskort import danmarkskort_case, danmarkskort_cases
    from klagestat.catalogue import load_catalogue
    from klagestat.domain.problems import NoDataError

    from conftest import P32, P41, P87, P100

    catalogue = load_catalogue()
    files = []
    for year, scale in ((2023, 1), (2024, 2)):
        figures = {
            "Ærø": {P85: (4 * scale, 0, 2, 0), P32: (2, 1, 0, 0)},  # no child- or adult-disability cases
            "Langeland": {P41: (3, 1, scale, 0), P100: (5, 2, 1, 1), P85: (6, 1, 2, 0), P87: (1, 0, 1, 0),
                          P32: (1, 1, 0, 0)},
            "Læsø": {P41: (2, 0, 1, 0), P100: (1, 0, 0, 0), P85: (1, 1, 0, 0), P87: (0, 1, 0, 0), P32: (1, 0, 0, 0)},
            "Allerød": {P41: (5, 1, 2, 1), P100: (6, 0, 4, 0), P85: (10, 2, 3 * scale, 1), P87: (3, 1, 4, 0),
                        P32: (7, 0, 1, 2)},
            "Hele landet": {P41: (900, 120, 610, 80), P100: (1200, 90, 720, 60), P85: (2500, 300, 900, 200),
                            P87: (400, 40, 150, 20), P32: (700, 50, 200, 30)},
        }
        files.append(write_statbank_csv(tmp_path / f"ankeast1-{year}.csv", statbank_rows(figures, str(year))))
    engine = api.open_database(str(tmp_path / "k.db"))
    api.import_statbank(engine, files, as_of=date(2025, 3, 1))
    codes = ["492", "482", "825", "201"]  # Ærø first: its neighbours Samsø and Fanø have no figures
    with engine.connect() as conn:
        batch = list(danmarkskort_cases(conn, catalogue, codes, 2024))
        assert batch == [danmarkskort_case(conn, catalogue, code, 2024) for code in codes]
        with pytest.raises(NoDataError, match="Samsø"):
            list(danmarkskort_cases(conn, catalogue, ["492", "741"], 2024))
    aero = batch[0]
    assert [s.has_cases for s in aero.maps] == [True, False, False]
    # And the batch agrees with `klagestat rates` itself, not only with the single case.
    social = aero.maps[0]
    with_neighbours = api.rates(engine, "2023,2024", ["Ærø"], maps=["social"], neighbours=True)
    assert social.row == next(r for r in with_neighbours.rows if r.area.code == "492" and r.span.first == 2024)
    group = {r.span.first: r for r in with_neighbours.rows if r.area.level == "group"}
    assert social.comparison[-1].by_year == group
    samso = next(line for line in social.comparison if line.name == "Samsø")
    assert all(r.counts is None for r in samso.by_year.values())
    provisions = api.rates(engine, 2024, ["Langeland"], maps=["social"], by="provision")
    assert batch[1].maps[0].provisions == sorted(
        (r for r in provisions.rows if r.area.code == "482" and r.counts.changed + r.counts.remitted),
        key=lambda r: (-(r.counts.changed + r.counts.remitted), r.group or ""))


@pytest.mark.parametrize("year, laws", [(2023, "serviceloven"), (2024, "serviceloven og barnets lov"),
                                        (2025, "serviceloven, barnets lov og ældreloven (fra 1. juli 2025)")])
def test_the_background_names_the_laws_of_the_social_map_that_year(demo_db, tmp_path, year, laws):
    out = tmp_path / f"sag-{year}.md"
    assert report(demo_db, "Lejre", year, out).code == 0
    text = " ".join(out.read_text(encoding="utf-8").split())
    assert f"Socialområdet generelt omfatter afgørelser efter {laws} med klageadgang til Ankestyrelsen." in text


def test_the_boundary_file_is_read_and_checked_before_any_figure(demo_db, tmp_path):
    """GeoJSON is input: a bad boundary file is refused before the case is computed (so also for
    a year the database has no figures for), and named in the message."""
    bad = tmp_path / "graenser.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    result = report(demo_db, "Allerød", 1999, tmp_path / "sag.docx", "--geojson", bad)
    assert result.code == 2 and str(bad) in result.err and "mangler kommunerne" in result.err
    assert "ingen tal" not in result.err
