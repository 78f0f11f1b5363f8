"""The public pages over HTTP (FastAPI's test client): the map, a municipality's profile and its
downloads, the comparison. The figures on the pages and in the files are checked against
`api.rates` and `klagestat rates` (the command line), never against copies of the pages' output;
and every bad parameter gets a Danish page, never a stack trace."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import threading
from fractions import Fraction

import docx
import lxml.html
import openpyxl
import pytest
from fastapi.testclient import TestClient

from klagestat import api
from klagestat.catalogue import load_catalogue, load_tile_grid
from klagestat.domain.catalogue import NATIONAL_CODE, AreaLevel
from klagestat.domain.statistics import FEW_CASES
from klagestat.render import numbers
from klagestat.render.exports import csv_bytes, xlsx_bytes
from klagestat.render.maps import CLASS_VALUES
from klagestat.render.rate_rows import FIELDS, SHEET_HEADERS
from klagestat.web.app import create_app
from klagestat.web.cache import Cache, NotCached

from conftest import (
    BASELINE_FIGURES,
    P32,
    P41,
    P85,
    P87,
    P100,
    db_count,
    rates_json,
    run_cli,
    squash,
    statbank_rows,
    write_statbank_csv,
)

CAT = load_catalogue()
ALLEROD, LEJRE = "201", "350"


@pytest.fixture(scope="module")
def client(demo_db):
    return TestClient(create_app(str(demo_db)))


@pytest.fixture(scope="module")
def engine(demo_db):
    engine = api.open_database(str(demo_db))
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def years(demo_db) -> list[int]:
    """The demo's years with whole-year figures, read from the database itself."""
    newest = db_count(demo_db, "SELECT max(year) FROM statbank_slot WHERE quarter = 0")
    oldest = db_count(demo_db, "SELECT min(year) FROM statbank_slot WHERE quarter = 0")
    return list(range(oldest, newest + 1))


def page(response) -> lxml.html.HtmlElement:
    assert response.status_code == 200, response.text[:2000]
    assert response.headers["content-type"].startswith("text/html")
    return lxml.html.fromstring(response.text)


def text(element) -> str:
    return squash(element.text_content())


def api_rows(engine, year: int, map_code: str, municipalities=()) -> dict[str, object]:
    """The rows of `api.rates` for one year and map, by area code."""
    table = api.rates(engine, str(year), municipalities=list(municipalities), maps=[map_code])
    return {r.area.code: r for r in table.rows}


def shown(row) -> tuple[str, str]:
    """A municipality's rate and number of cases as a page must show them."""
    return numbers.municipal_percent(row.rate), numbers.count(row.denominator)


# ---- the map -------------------------------------------------------------------------------------


def test_the_map_has_one_link_per_municipality_named_with_rate_and_cases(client, engine, years):
    doc = page(client.get("/", params={"colour": "rate"}))
    newest = years[-1]
    assert str(newest) in text(doc.xpath("//h1")[0])  # by default the newest year …
    assert CAT.maps["social"].name in text(doc.xpath("//h1")[0])  # … and the social map
    links = doc.xpath("//svg[contains(@class, 'web-map')]//a")
    assert len(links) == len(CAT.municipalities) == 98
    assert {a.get("href") for a in links} == {f"/kommune/{code}" for code in CAT.municipalities}
    rows = api_rows(engine, newest, "social")
    for a in links:
        code = a.get("href").rsplit("/", 1)[1]
        rate, cases = shown(rows[code])
        expected = f"{CAT.municipalities[code].name}: {rate} ({cases} sager)"
        assert a.get("aria-label") == expected
        assert text(a.xpath("title")[0]) == expected  # shown on hover without JavaScript


def test_the_tiles_sit_on_the_catalogue_grid(client):
    doc = page(client.get("/"))
    grid = load_tile_grid()
    corners = {}
    for a in doc.xpath("//svg[contains(@class, 'web-map')]//a"):
        rect = a.xpath("rect")[0]
        corners[a.get("href").rsplit("/", 1)[1]] = (float(rect.get("y")), float(rect.get("x")))
    # The same order of rows and columns as the grid (row 0 at the top).
    for a, b in [("101", "201"), ("813", "851"), ("400", "101")]:
        for axis in (0, 1):
            assert (grid[a][axis] < grid[b][axis]) == (corners[a][axis] < corners[b][axis])


def test_the_table_under_the_map_has_the_figures_of_api_rates(client, engine, years):
    year = years[-2]
    doc = page(client.get("/", params={"year": year, "map": "child-disability"}))
    rows = api_rows(engine, year, "child-disability")
    lines = doc.xpath("//table[contains(@class, 'sortable')]/tbody/tr")
    assert len(lines) == 98
    for line in lines:
        href = line.xpath("th//a/@href")[0]
        code = re.fullmatch(r"/kommune/(\d+)\?year=\d+", href).group(1)
        cells = [text(td) for td in line.xpath("td")]
        row = rows.get(code)
        if row is None or not row.denominator:
            assert cells[0] == "ingen sager"
            continue
        assert (cells[0], cells[2]) == shown(row)
        assert cells[1] == numbers.interval(row.ci)
        assert cells[3] == numbers.count(row.counts.dismissed)  # beside the denominator: the cases left out
        assert cells[4] == numbers.count(row.counts.reversed)
        assert cells[5] == numbers.points(row.difference_from_national)
        assert cells[6] == CLASS_VALUES[row.funnel[0.95]]
    national = text(doc.xpath("//table[contains(@class, 'sortable')]/tfoot/tr/td")[0])
    assert national == numbers.national_percent(rows[NATIONAL_CODE].rate)


@pytest.mark.parametrize("params", [{"colour": "funnel"}, {}], ids=["asked", "by-default"])
def test_coloured_by_funnel_class_the_legend_and_titles_say_so(client, engine, years, params):
    """By default too: a municipality with 5 cases is not the darkest tile for its chance rate."""
    year = years[-1]
    doc = page(client.get("/", params={"year": str(year), "map": "social", **params}))
    legend = [text(li) for li in doc.xpath("//ul[contains(@class, 'legend')]/li")]
    assert legend[:3] == ["Over landsplan", "Inden for normal variation", "Under landsplan"]
    rows = api_rows(engine, year, "social")
    for a in doc.xpath("//svg[contains(@class, 'web-map')]//a"):
        row = rows[a.get("href").rsplit("/", 1)[1]]
        assert a.get("aria-label").endswith(", " + CLASS_VALUES[row.funnel[0.95]])
    # Above and below differ by hatching too: a pattern, not only a colour.
    fills = {a.xpath("rect")[0].get("fill") for a in doc.xpath("//svg[contains(@class, 'web-map')]//a")
             if rows[a.get("href").rsplit("/", 1)[1]].funnel[0.95] != "within"}
    assert fills and all(f.startswith("url(#") for f in fills)


def test_coloured_by_reversals_per_10000_inhabitants_with_the_figure_in_titles_and_table(client, engine, years):
    year = years[-1]
    doc = page(client.get("/", params={"year": str(year), "map": "social", "colour": "per10000"}))
    rows = api_rows(engine, year, "social")
    for a in doc.xpath("//svg[contains(@class, 'web-map')]//a"):
        row = rows[a.get("href").rsplit("/", 1)[1]]
        assert f"{numbers.per_10000(row.reversed_per_10000)} omgjorte sager pr. 10.000 indbyggere" in a.get("aria-label")
    legend = [text(li) for li in doc.xpath("//ul[contains(@class, 'legend')]/li")]
    assert 2 <= len(legend) <= 5 and all("–" in entry or "," in entry for entry in legend)
    table = {text(tr.xpath("th")[0]): [text(td) for td in tr.xpath("td")] for tr in doc.xpath("//table/tbody/tr")}
    allerod = rows[ALLEROD]
    assert table["Allerød"][-1] == numbers.per_10000(allerod.reversed_per_10000)
    assert allerod.reversed_per_10000 == Fraction(allerod.counts.reversed * 10_000, allerod.inhabitants.average)
    assert "i forhold til kommunens størrelse" in text(doc)
    profile = text(page(client.get(f"/kommune/{ALLEROD}")))
    assert f"Det svarer til {numbers.per_10000(allerod.reversed_per_10000)} omgjorte sager pr. 10.000" in profile


def test_the_form_chooses_year_map_and_colouring_by_get(client, years):
    doc = page(client.get("/", params={"year": years[0], "map": "adult-disability", "colour": "funnel"}))
    form = doc.xpath("//form[@method='get']")[0]
    selected = {s.get("name"): s.xpath("option[@selected]/@value") for s in form.xpath(".//select")}
    assert selected == {"year": [str(years[0])], "map": ["adult-disability"], "colour": ["funnel"]}
    assert [int(v) for v in form.xpath(".//select[@name='year']/option/@value")] == sorted(years, reverse=True)
    assert set(form.xpath(".//select[@name='map']/option/@value")) == set(CAT.maps)


def test_the_rate_legend_is_the_report_maps_bins(client, engine, years):
    from klagestat.render.maps import rate_bins, whole_percent

    doc = page(client.get("/", params={"colour": "rate"}))
    rows = api_rows(engine, years[-1], "social")
    percents = [whole_percent(r.rate) for c, r in rows.items() if c in CAT.municipalities and r.denominator]
    legend = [text(li) for li in doc.xpath("//ul[contains(@class, 'legend')]/li")]
    assert legend == [b.label for b in rate_bins(percents)]


def test_odd_parameters_share_one_cached_page(demo_db, years):
    app = create_app(str(demo_db))
    client = TestClient(app)
    for params in ({}, {"year": str(years[-1])}, {"year": "", "map": "social"}, {"colour": "funnel", "x": "1"},
                   {"year": f" {years[-1]} "}):
        page(client.get("/", params=params))
    assert len(app.state.public_caches.pages) == 1


# ---- geographic map ------------------------------------------------------------------------------


def _square(lon: float, lat: float, size: float = 0.15) -> list[list[float]]:
    return [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]


def test_with_boundaries_the_map_is_geographic(demo_db, tmp_path):
    features = [{"type": "Feature", "properties": {"kode": code.zfill(4)},
                 "geometry": {"type": "Polygon", "coordinates": [_square(8 + col * 0.3, 57.5 - row * 0.2)]}}
                for code, (row, col) in load_tile_grid().items()]
    path = tmp_path / "kommuner.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    doc = page(TestClient(create_app(str(demo_db), geojson=path, geojson_code="kode")).get("/"))
    links = doc.xpath("//svg[contains(@class, 'web-map')]//a")
    assert len(links) == 98 and all(a.xpath("path") for a in links)
    assert not doc.xpath("//svg[contains(@class, 'web-map')]//rect[parent::a]")


def test_unreadable_boundaries_fall_back_to_the_tile_grid_and_say_why(demo_db, tmp_path):
    path = tmp_path / "kommuner.geojson"
    path.write_text('{"type": "FeatureCollection", ', encoding="utf-8")
    doc = page(TestClient(create_app(str(demo_db), geojson=path, geojson_code="kode")).get("/"))
    assert len(doc.xpath("//svg[contains(@class, 'web-map')]//a/rect")) == 98
    assert "Kommunegrænserne kunne ikke læses" in text(doc)


# ---- a municipality's profile ---------------------------------------------------------------------


def test_the_profile_shows_the_figures_of_api_rates_for_each_map(client, engine, years):
    year = years[-1]
    doc = page(client.get(f"/kommune/{ALLEROD}"))
    assert "Allerød" in text(doc.xpath("//h1")[0]) and str(year) in text(doc.xpath("//h1")[0])
    rows = api.rates(engine, str(year), municipalities=[ALLEROD]).rows
    for map_code in CAT.maps:
        row = next(r for r in rows if r.map == map_code and r.area.code == ALLEROD)
        national = next(r for r in rows if r.map == map_code and r.area.code == NATIONAL_CODE)
        section = doc.xpath(f"//section[@aria-labelledby='kort-{map_code}']")[0]
        words = text(section)
        rate, cases = shown(row)
        assert f"Omgørelsesprocent {rate} af {cases} realitetsbehandlede" in words
        assert f"landsplan {numbers.national_percent(national.rate)}" in words
        # The outcome split: counts and shares of the municipality's cases.
        outcomes = {text(tr.xpath("th")[0]): [text(td) for td in tr.xpath("td")]
                    for tr in section.xpath(".//table[1]/tbody/tr")}
        c = row.counts
        assert outcomes["Stadfæstet"][:2] == [numbers.count(c.upheld),
                                              numbers.municipal_percent(Fraction(c.upheld, row.denominator))]
        assert outcomes["Hjemvist"][0] == numbers.count(c.remitted)
        assert outcomes["Ændret/ophævet"][0] == numbers.count(c.changed)
        # Few cases: a warning exactly where the figure rests on under FEW_CASES cases.
        assert bool(section.xpath(".//p[contains(@class, 'warning')]")) == (row.denominator < FEW_CASES)
        # The funnel position, at both levels.
        assert CLASS_VALUES[row.funnel[0.95]] in words and CLASS_VALUES[row.funnel[0.998]] in words


def test_the_profile_compares_with_the_neighbours(client, engine, years):
    doc = page(client.get(f"/kommune/{LEJRE}", params={"year": years[-2]}))
    neighbours = CAT.municipalities[LEJRE].neighbours
    section = doc.xpath("//section[@aria-labelledby='kort-social']")[0]
    table = next(t for t in section.xpath(".//table") if "nabokommunerne" in text(t.xpath("caption")[0]))
    names = [text(th) for th in table.xpath("tbody/tr/th")]
    assert names == ["Lejre", *(CAT.municipalities[n].name for n in neighbours), "Nabokommunerne samlet", "Landsplan"]
    rows = api_rows(engine, years[-2], "social", [LEJRE, *neighbours])
    for code in (LEJRE, *neighbours):
        line = table.xpath(f"tbody/tr[th='{CAT.municipalities[code].name}']")[0]
        rate, cases = shown(rows[code])
        assert text(line.xpath("td")[0]) == f"{rate} ({cases})"  # the newest year first


def test_the_provisions_behind_the_reversals(client, engine, years):
    doc = page(client.get(f"/kommune/{ALLEROD}"))
    table = api.rates(engine, str(years[-1]), municipalities=[ALLEROD], maps=["social"], by="provision")
    expected = sorted((r for r in table.rows if r.area.code == ALLEROD and r.counts and r.counts.reversed),
                      key=lambda r: (-r.counts.reversed, r.group))
    section = doc.xpath("//section[@aria-labelledby='kort-social']")[0]
    provisions = next(t for t in section.xpath(".//table") if "Bestemmelser" in text(t.xpath("caption")[0]))
    shown_rows = [[text(c) for c in tr.xpath("th|td")] for tr in provisions.xpath("tbody/tr")]
    assert shown_rows == [[r.group, numbers.count(r.counts.reversed), numbers.count(r.counts.remitted),
                           numbers.count(r.counts.dismissed), numbers.count(r.denominator),
                           numbers.municipal_percent(r.rate)] for r in expected]


def test_every_chart_has_its_figures_as_a_table(client, engine, years):
    doc = page(client.get(f"/kommune/{ALLEROD}"))
    figures = doc.xpath("//figure[.//svg]")
    assert len(figures) == 2  # the trend and the funnel plot
    for figure in figures:
        assert figure.xpath(".//table"), text(figure)[:200]
    trend = figures[0].xpath(".//table")[0]
    assert [int(text(th)) for th in trend.xpath("tbody/tr/th")] == years[-6:]
    funnel = figures[1].xpath(".//table")[0]
    rows = api_rows(engine, years[-1], "social")
    with_cases = {CAT.municipalities[c].name for c, r in rows.items() if c in CAT.municipalities and r.denominator}
    assert {text(th) for th in funnel.xpath("tbody/tr/th")} == with_cases
    # The map's alternative is the table under it: a row, and a link, for every municipality.
    front = page(client.get("/"))
    assert len(front.xpath("//figure[.//svg[contains(@class, 'web-map')]]")) == 1
    assert len(front.xpath("//table/tbody/tr/th/a[starts-with(@href, '/kommune/')]")) == 98


def test_ids_are_unique_on_a_page_with_several_charts(client):
    response = client.get(f"/kommune/{ALLEROD}")
    ids = re.findall(r'\sid="([^"]+)"', response.text)
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("typed", ["Allerød", "allerød kommune", "0201"])
def test_a_name_or_another_spelling_of_the_code_redirects_to_the_code(client, typed):
    response = client.get(f"/kommune/{typed}", params={"year": "2020"}, follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/kommune/201?year=2020"
    response = client.get(f"/kommune/{typed}/omgoerelsesprocenter.csv", follow_redirects=False)
    assert response.headers["location"] == "/kommune/201/omgoerelsesprocenter.csv"


# ---- downloads ----------------------------------------------------------------------------------


def test_the_csv_is_the_command_lines_csv(client, demo_db, years):
    response = client.get(f"/kommune/{ALLEROD}/omgoerelsesprocenter.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and ".csv" in disposition and "201" in disposition
    assert response.content.startswith(b"\xef\xbb\xbf")  # Danish Excel reads UTF-8 only with the mark
    cli = run_cli("rates", "--year", ",".join(map(str, years)), "--municipality", "Allerød", "--format", "csv",
                  db=demo_db)
    assert cli.code == 0, str(cli)
    ours = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    theirs = list(csv.reader(io.StringIO(cli.stdout.lstrip("\ufeff")), delimiter=";"))
    assert ours == theirs
    assert {r[ours[0].index("Kommunekode")] for r in ours[1:]} == {ALLEROD, NATIONAL_CODE}
    assert len(ours) - 1 == len(years) * len(CAT.maps) * 2


def test_the_xlsx_has_the_rows_of_the_command_line_as_numbers(client, demo_db, years):
    response = client.get(f"/kommune/{ALLEROD}/omgoerelsesprocenter.xlsx")
    assert response.status_code == 200 and ".xlsx" in response.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    lines = list(sheet.iter_rows())
    assert tuple(c.value for c in lines[0]) == tuple(SHEET_HEADERS[f] for f in FIELDS)
    expected = rates_json(demo_db, "--year", ",".join(map(str, years)), "--municipality", "201")
    assert len(lines) - 1 == len(expected)
    maps = {m.code: m.name for m in CAT.maps.values()}
    for line, row in zip(lines[1:], expected):
        cell = dict(zip(FIELDS, line))
        for field in ("upheld", "changed", "remitted", "dismissed", "merits", "reversed", "inhabitants"):
            assert cell[field].value == row[field], field
        # A rate is the exact value under a percent format that rounds it as the reports do.
        national = row["area_level"] == "national"
        for field in ("reversal_rate", "national_rate"):
            assert cell[field].value == pytest.approx(row[field], rel=1e-12), field
        assert cell["reversal_rate"].number_format == ("0.0%" if national else "0%")
        assert cell["national_rate"].number_format == "0.0%"
        assert cell["difference_from_national"].value == pytest.approx(100 * row["difference_from_national"])
        assert cell["map"].value == maps[row["map"]] and cell["definition"].value.startswith("officiel")
        assert cell["area_level"].value == ("hele landet" if national else "kommune")


def test_the_docx_is_the_public_committee_case(client, engine, years):
    year = years[-2]
    response = client.get(f"/kommune/{ALLEROD}/danmarkskort.docx", params={"year": year})
    assert response.status_code == 200
    assert f"danmarkskort-{year}-201-alleroed.docx" in response.headers["content-disposition"]
    words = squash(" ".join(p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs))
    assert f"Danmarkskortet {year}" in words and "Allerød" in words
    row = next(r for r in api.rates(engine, str(year), municipalities=[ALLEROD], maps=["social"]).rows
               if r.area.code == ALLEROD)
    assert f"omgørelsesprocenten {numbers.municipal_percent(row.rate)}" in words
    # The profile links to it.
    doc = page(client.get(f"/kommune/{ALLEROD}", params={"year": year}))
    assert f"/kommune/201/danmarkskort.docx?year={year}" in doc.xpath("//a/@href")


# ---- the comparison -------------------------------------------------------------------------------


def test_the_comparison_without_parameters_is_a_form_and_an_explanation(client):
    doc = page(client.get("/sammenlign"))
    boxes = doc.xpath("//form[@method='get']//input[@type='checkbox'][@name='kommune']")
    assert {b.get("value") for b in boxes} == set(CAT.municipalities)
    assert all(b.xpath("ancestor::label") for b in boxes)  # each named by its label, usable by keyboard
    assert "Omgørelsesprocenten er andelen" in text(doc)
    assert not doc.xpath("//table")


def test_the_comparison_table_is_municipalities_by_years_per_map(client, engine, years):
    doc = page(client.get("/sammenlign", params={"kommune": ["Allerød", LEJRE, "201"]}))
    tables = doc.xpath("//table")
    assert len(tables) == len(CAT.maps)
    checked = doc.xpath("//input[@type='checkbox'][@checked]/@value")
    assert sorted(checked) == sorted([ALLEROD, LEJRE])
    table = api.rates(engine, ",".join(map(str, years)), municipalities=[ALLEROD, LEJRE])
    for (map_code, definition), html_table in zip(CAT.maps.items(), tables):
        assert definition.name in text(html_table.xpath("caption")[0])
        assert [int(text(th)) for th in html_table.xpath("thead/tr/th")[1:]] == sorted(years, reverse=True)
        assert [text(th) for th in html_table.xpath("tbody/tr/th")] == ["Allerød", "Lejre"]
        for tr, code in zip(html_table.xpath("tbody/tr"), (ALLEROD, LEJRE)):
            for td, year in zip(tr.xpath("td"), sorted(years, reverse=True)):
                row = next(r for r in table.rows if r.map == map_code and r.area.code == code and r.span.first == year)
                rate, cases = shown(row)
                assert text(td) == f"{rate} ({cases})"
        national = next(r for r in table.rows if r.map == map_code and r.area.level is AreaLevel.NATIONAL
                        and r.span.first == years[-1])
        assert text(html_table.xpath("tfoot/tr/td")[0]) == (f"{numbers.national_percent(national.rate)} "
                                                           f"({numbers.count(national.denominator)})")


# ---- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url, params, status, says", [
    ("/", {"year": "abc"}, 422, "Ugyldigt år"),
    ("/", {"year": "1999"}, 404, "ingen tal for 1999"),
    ("/", {"map": "xyz"}, 422, "Ukendt kort"),
    ("/", {"colour": "pink"}, 422, "Ukendt farvelægning"),
    ("/kommune/Atlantis", {}, 404, "Atlantis"),
    ("/kommune/9999", {}, 404, "9999"),
    ("/kommune/201", {"year": "tyve"}, 422, "Ugyldigt år"),
    ("/kommune/Atlantis/omgoerelsesprocenter.csv", {}, 404, "Atlantis"),
    ("/kommune/201/danmarkskort.docx", {"year": "1990"}, 404, "ingen tal for 1990"),
    ("/sammenlign", {"kommune": ["Allerød", "Atlantis"]}, 422, "Atlantis"),
])
def test_bad_parameters_get_a_danish_page_never_a_500(client, url, params, status, says):
    response = client.get(url, params=params)
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    doc = lxml.html.fromstring(response.text)
    assert doc.get("lang") == "da"
    assert says in text(doc)
    assert "Traceback" not in response.text


def test_nothing_on_the_pages_comes_from_elsewhere(client, demo_db, tmp_path):
    urls = ["/", "/?colour=funnel", f"/kommune/{ALLEROD}", "/sammenlign", "/sammenlign?kommune=201&kommune=350"]
    for url in urls:
        html = client.get(url).text
        assert not re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:[a-z]+:)?//""", html, re.IGNORECASE), url
        assert not re.findall(r"url\(\s*['\"]?(?:[a-z]+:)?//", html, re.IGNORECASE), url
        assert "<script>" not in html and "<script " not in html.replace('<script src="/static/klagestat.js" defer>', "")


# ---- the statistics change: the pages follow --------------------------------------------------------


def test_a_new_import_shows_at_once(baseline_db, tmp_path):
    client = TestClient(create_app(str(baseline_db)))
    before = page(client.get("/kommune/201"))
    assert "2024" in text(before.xpath("//h1")[0])
    figures = {**BASELINE_FIGURES, "Allerød": {P41: (1, 1, 1, 0), P100: (1, 0, 1, 0), P85: (1, 2, 0, 1),
                                                P87: (0, 1, 0, 0), P32: (2, 0, 1, 2)}}
    path = write_statbank_csv(tmp_path / "ny.csv", statbank_rows(figures))
    engine = api.open_database(str(baseline_db))
    try:
        api.import_statbank(engine, [path], as_of=dt.date(2025, 6, 1))
        row = next(r for r in api.rates(engine, "2024", municipalities=["201"], maps=["social"]).rows
                   if r.area.code == "201")
    finally:
        engine.dispose()
    after = page(client.get("/kommune/201"))
    section = text(after.xpath("//section[@aria-labelledby='kort-social']")[0])
    assert f"Omgørelsesprocent {numbers.municipal_percent(row.rate)} af {numbers.count(row.denominator)}" in section
    front = page(client.get("/", params={"colour": "rate"}))
    allerod = front.xpath("//svg[contains(@class, 'web-map')]//a[@href='/kommune/201']")[0]
    assert allerod.get("aria-label") == f"Allerød: {numbers.municipal_percent(row.rate)} ({row.denominator} sager)"


def test_a_profile_shows_the_newest_year_with_the_municipality_s_figures(baseline_db, tmp_path):
    """Lejre has figures for 2023 only, the others for 2024 too: Lejre's profile without a year
    is 2023, and 2024 (or a year with no figures at all) is a page leading to 2023, not a 404."""
    client = TestClient(create_app(str(baseline_db)))
    lejre_2023 = write_statbank_csv(tmp_path / "lejre-2023.csv", statbank_rows(
        {"Lejre": {P41: (3, 1, 2, 0), P100: (4, 0, 3, 1)}}, period="2023", law_rows=False))
    engine = api.open_database(str(baseline_db))
    try:
        api.import_statbank(engine, [lejre_2023], as_of=dt.date(2024, 6, 1))
    finally:
        engine.dispose()
    newest = client.get(f"/kommune/{LEJRE}")
    assert newest.status_code == 200
    assert text(page(newest).xpath("//h1")[0]) == "Lejre Kommune: omgørelsesprocenter 2023"
    for year in ("2024", "1990"):
        missing = client.get(f"/kommune/{LEJRE}", params={"year": year})
        assert missing.status_code == 200, year
        doc = page(missing)
        assert f"ingen tal for {year}" in text(doc.xpath("//h1")[0])
        assert doc.xpath("//main//a/@href")[:1] == [f"/kommune/{LEJRE}?year=2023"]
        assert "klagestat import" not in text(doc)  # no command for a citizen to run
    assert page(client.get("/")).xpath("//svg[contains(@class, 'web-map')]//a[@href='/kommune/350']"
                                       "[@aria-label='Lejre: ingen sager']")


def test_an_empty_database_says_there_are_no_figures(tmp_path):
    client = TestClient(create_app(str(tmp_path / "tom.db")))
    for url in ("/", "/kommune/201", "/kommune/201/omgoerelsesprocenter.csv"):
        response = client.get(url)
        assert response.status_code == 404 and "ingen tal" in response.text, url
        assert "klagestat import" not in response.text and " --" not in response.text, url  # no command for citizens
    assert client.get("/sammenlign").status_code == 200


# ---- the exports: nothing a spreadsheet would run -------------------------------------------------


DANGEROUS = ["=1+1", "+x", "-x", "@x", "\tx", "\rx"]


def test_csv_neutralises_formulas_and_keeps_numbers():
    content = csv_bytes(["tekst", "tal"], [[d, n] for d, n in zip(DANGEROUS + ["ok"], [-3, -2.5, 0, 7, 1.25, -0.5, 3])])
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == ["tekst", "tal"]
    assert [r[0] for r in rows[1:]] == ["'" + d for d in DANGEROUS] + ["ok"]
    assert [r[1] for r in rows[1:]] == ["-3", "-2,5", "0", "7", "1,25", "-0,5", "3"]


def test_xlsx_neutralises_formulas_and_keeps_numbers():
    values = [-3, -2.5, 0, 7, 1.25, -0.5, 3]
    content = xlsx_bytes("Ark", ["=tekst", "tal"], [[d, n] for d, n in zip(DANGEROUS + ["ok"], values)])
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.active
    cells = [[c for c in row] for row in sheet.iter_rows()]
    assert [c.value for c in cells[0]] == ["'=tekst", "tal"]
    assert [row[0].value for row in cells[1:]] == ["'" + d for d in DANGEROUS] + ["ok"]
    assert all(row[0].data_type == "s" for row in cells)  # text, never a formula
    assert [row[1].value for row in cells[1:]] == values
    assert all(row[1].data_type == "n" for row in cells[1:])


def test_exports_write_none_bool_and_dates_plainly():
    content = csv_bytes(["a", "b", "c", "d"], [[None, True, False, dt.date(2024, 3, 1)]])
    assert content.decode("utf-8-sig").splitlines()[1] == ";ja;nej;2024-03-01"
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes("A", ["a", "b"], [[None, Fraction(1, 4)]]))).active
    assert [c.value for c in sheet[2]] == [None, 0.25]


# ---- the cache --------------------------------------------------------------------------------------


def test_the_cache_builds_a_value_once_for_many_threads():
    cache = Cache(10)
    calls = []
    started = threading.Event()

    def build():
        calls.append(1)
        started.wait(1)
        return "værdi"

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("k", build))) for _ in range(16)]
    for t in threads:
        t.start()
    started.set()
    for t in threads:
        t.join()
    assert results == ["værdi"] * 16 and len(calls) == 1


def test_the_cache_is_bounded_and_forgets_the_least_recently_used():
    cache = Cache(10, weigh=len)
    cache.get("a", lambda: "x" * 4)
    cache.get("b", lambda: "y" * 4)
    cache.get("a", lambda: "never")  # a is used again: b is now the oldest
    cache.get("c", lambda: "z" * 4)
    assert cache.get("a", lambda: "rebuilt") == "xxxx"
    assert cache.get("b", lambda: "rebuilt") == "rebuilt"
    cache.get("big", lambda: "w" * 11)  # heavier than the whole cache: served, not kept
    assert cache.get("big", lambda: "again") == "again"


def test_a_failed_build_is_not_kept_and_its_error_reaches_the_caller():
    cache = Cache(10)

    def fail():
        raise LookupError("ingen tal")

    with pytest.raises(LookupError):
        cache.get("k", fail)
    assert cache.get("k", lambda: "nu") == "nu"


def test_a_cached_only_lookup_never_builds_and_never_waits_for_a_build():
    """What the event loop uses: a value that is missing, or still being built by another
    thread, is NotCached at once (the page is then built in the threadpool)."""
    cache = Cache(10)
    with pytest.raises(NotCached):
        cache.cached("k")
    building, release = threading.Event(), threading.Event()

    def build():
        building.set()
        release.wait(5)
        return "værdi"

    builder = threading.Thread(target=lambda: cache.get("k", build))
    builder.start()
    building.wait(5)
    with pytest.raises(NotCached):
        cache.cached("k")  # being built: no wait
    release.set()
    builder.join()
    assert cache.cached("k") == "værdi"


def test_a_cold_page_and_the_same_page_from_memory_are_the_same(demo_db):
    client = TestClient(create_app(str(demo_db)))
    cold, warm = client.get("/kommune/201"), client.get("/kommune/201")
    assert cold.status_code == warm.status_code == 200 and cold.text == warm.text


def test_the_search_box_finds_a_municipality_by_name(client):
    """Three letters on a tile can be read two ways (KØB, KØG): the front page also has a search
    box with every municipality's full name, which leads to the profile."""
    doc = page(client.get("/"))
    names = doc.xpath("//form[@action='/kommune']//datalist/option/@value")
    assert len(names) == 98 and "København" in names and "Køge" in names
    for typed in ("Køge", "køge kommune", " 259 "):
        found = client.get("/kommune", params={"navn": typed}, follow_redirects=False)
        assert (found.status_code, found.headers["location"]) == (303, "/kommune/259"), typed
    unknown = client.get("/kommune", params={"navn": "Atlantis"})
    assert unknown.status_code == 404 and "Atlantis" in unknown.text


def test_the_server_warms_its_pages_after_start_and_after_an_import(baseline_db, tmp_path):
    """`klagestat serve` (warm=True) builds the newest year's front pages and every profile in the
    background, so no visitor waits; after an import it builds them again for the new figures."""
    import time

    app = create_app(str(baseline_db), warm=True)

    def warmed_keys() -> set:
        caches = getattr(app.state, "public_caches", None)
        return set() if caches is None else {key[1:3] for key in caches.pages._values}

    def wait_for(condition, seconds: float = 60.0) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.2)
        return False

    from klagestat.store.statbank import statistics_years

    engine = api.open_database(str(baseline_db))
    try:
        with engine.connect() as conn:
            with_figures = {code for code in CAT.municipalities if statistics_years(conn, code)}
    finally:
        engine.dispose()
    assert with_figures
    with TestClient(app):
        assert wait_for(lambda: {("profile", code) for code in with_figures} <= warmed_keys())
        assert {("map", 2024)} <= warmed_keys()
        version = next(iter(app.state.public_caches.pages._values))[0]
        figures = {**BASELINE_FIGURES, "Lejre": {P41: (3, 1, 2, 0), P100: (4, 0, 3, 1)}}
        engine = api.open_database(str(baseline_db))
        try:
            api.import_statbank(engine, [write_statbank_csv(tmp_path / "ny.csv", statbank_rows(figures))],
                                as_of=dt.date(2025, 6, 1))
        finally:
            engine.dispose()
        assert wait_for(lambda: any(key[0] != version and key[1] == "profile"
                                    for key in app.state.public_caches.pages._values))


def test_an_import_rebuilds_only_the_pages_whose_years_it_touches(baseline_db, tmp_path, monkeypatch):
    """A register import leaves every public page as kept (they never read a register); a
    statistics import of another year keeps a year's figures; one of the year rebuilds them."""
    import csv

    monkeypatch.setenv("KLAGESTAT_SECRET", "en-hemmelighed-til-testene-0123456789")
    app = create_app(str(baseline_db))
    client = TestClient(app)
    engine = api.open_database(str(baseline_db))

    def cached() -> set:
        return {key for cache in (app.state.public_caches.pages, app.state.public_caches.data)
                for key in cache._values}

    def profile() -> str:
        response = client.get("/kommune/201", params={"year": 2024})
        assert response.status_code == 200
        return response.text

    try:
        first = profile()
        kept = cached()
        register = tmp_path / "register.csv"
        with open(register, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, delimiter=";")
            writer.writerow(["sags_id", "lovgrundlag", "afgoerelsesdato", "klagedato", "udfald"])
            writer.writerow(["S-1", "SEL § 100", "01-02-2024", "15-02-2024", "stadfæstet"])
        assert api.import_cases(engine, register, "Allerød").status == "imported"
        assert profile() == first and cached() == kept  # nothing built again

        year_2024 = {key for key in kept if key[1:3] == ("year", 2024)}
        api.import_statbank(engine, [write_statbank_csv(tmp_path / "2023.csv", statbank_rows(BASELINE_FIGURES, "2023"))],
                            as_of=dt.date(2025, 6, 1))
        assert "2023" in profile()  # the page links to the new year
        assert year_2024 <= cached()  # 2024's figures were not computed again

        changed = {**BASELINE_FIGURES, "Allerød": {P41: (1, 1, 1, 1)}}
        api.import_statbank(engine, [write_statbank_csv(tmp_path / "ny.csv", statbank_rows(changed, "2024"))],
                            as_of=dt.date(2025, 7, 1))
        assert profile() != first
        assert {key for key in cached() if key[1:3] == ("year", 2024)} - year_2024  # computed anew
    finally:
        engine.dispose()
