"""The maps: the tile grid as package data, the tile map, and the map on real boundaries.

Real files only: the SVG is parsed as XML, GeoJSON files are written to tmp_path, and the real
boundary file is read where the shared data folder has it (never copied into the project).
"""

from __future__ import annotations

import itertools
import json
import re
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klagestat.catalogue import load_catalogue, load_tile_grid
from klagestat.domain.problems import InputError
from klagestat.domain.statistics import FunnelClass
from klagestat.ingest.boundaries import read_boundaries
from klagestat.render.maps import (
    geo_map,
    rate_bins,
    tile_abbreviations,
    tile_map,
)

CAT = load_catalogue()
GRID = load_tile_grid()
SVG = "{http://www.w3.org/2000/svg}"
JUTLAND_AND_FUNEN = {"1081", "1082", "1083"}  # Nordjylland, Midtjylland, Syddanmark
ZEALAND = {"1084", "1085"}  # Hovedstaden, Sjælland
BORNHOLM, KOBENHAVN, ALLEROD, LAESO, SAMSO = "400", "101", "201", "825", "741"

REAL_GEOJSON = Path(__file__).parents[2] / "shared" / "data" / "geo" / "kommuner-fot2014.geojson"
needs_real_geojson = pytest.mark.skipif(
    not REAL_GEOJSON.exists(), reason=f"the shared boundary file {REAL_GEOJSON} is not on this machine")


def spread_rates() -> dict[str, Fraction]:
    """Every municipality a rate from 30 to 58 %, Allerød 30 %: the middle bins are 10 points wide."""
    rates = {code: Fraction(30 + i % 29, 100) for i, code in enumerate(CAT.municipalities)}
    rates[ALLEROD] = Fraction(3, 10)
    return rates


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def titles_by_group(root: ET.Element, prefix: str) -> dict[str, str]:
    """Group id → the text of the <title> that is the group's first child."""
    found = {}
    for group in root.iter(f"{SVG}g"):
        gid = group.get("id", "")
        if gid.startswith(prefix):
            first = group[0]
            assert first.tag == f"{SVG}title", gid
            found[gid] = first.text
    return found


def svg_texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


# ---- the tile grid --------------------------------------------------------------------------


def test_every_municipality_has_exactly_one_tile_of_its_own():
    assert set(GRID) == set(CAT.municipalities)
    assert len(set(GRID.values())) == len(GRID) == 98
    assert all(isinstance(r, int) and isinstance(c, int) and r >= 0 and c >= 0 for r, c in GRID.values())


def test_the_grid_resembles_denmark():
    col = {code: c for code, (_, c) in GRID.items()}
    row = {code: r for code, (r, _) in GRID.items()}
    assert col[BORNHOLM] > max(c for code, c in col.items() if code != BORNHOLM)
    assert col["851"] < col[KOBENHAVN]  # Aalborg west of København
    assert row["787"] < row["540"]  # Thisted north of Sønderborg
    assert col["563"] < col["561"]  # Fanø off Esbjerg, to the west
    assert row["813"] == min(row.values())  # Frederikshavn (Skagen) at the top
    # Jutland and Funen lie west of Zealand, Lolland-Falster and the Copenhagen area.
    west = [col[c] for c, m in CAT.municipalities.items() if m.region_code in JUTLAND_AND_FUNEN]
    east = [col[c] for c, m in CAT.municipalities.items() if m.region_code in ZEALAND and c != BORNHOLM]
    assert max(west) < min(east)


def test_abbreviations_are_three_letters_and_unique():
    labels = tile_abbreviations(CAT)
    assert set(labels) == set(CAT.municipalities)
    assert len(set(labels.values())) == 98
    assert all(re.fullmatch(r"[A-ZÆØÅ]{3}", a) for a in labels.values())
    assert labels["147"] == "FRB" and labels["813"] == "FRH" and labels["169"] == "HTA"


# ---- rate bins ----------------------------------------------------------------------------------


def labels(percents: list[int]) -> list[str]:
    return [b.label for b in rate_bins(percents)]


def test_rate_bins_are_round_and_danish():
    assert labels(list(range(30, 49))) == ["0–29 %", "30–39 %", "40–49 %", "50–59 %", "60–100 %"]
    assert labels([40, 41, 42, 43]) == ["0–39 %", "40–44 %", "45–49 %", "50–54 %", "55–100 %"]
    assert labels([0, 10, 50, 90, 100]) == ["0–19 %", "20–39 %", "40–59 %", "60–79 %", "80–100 %"]
    assert labels([]) == labels([0, 100])


@given(st.lists(st.integers(0, 100), max_size=98))
def test_rate_bins_cover_0_to_100_without_gaps(percents):
    bins = rate_bins(percents)
    assert len(bins) == 5
    assert bins[0].low == 0 and bins[-1].high == 100
    assert all(b.low <= b.high for b in bins)
    assert all(a.high + 1 == b.low for a, b in itertools.pairwise(bins))


# ---- the tile map -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rate_map():
    rates = spread_rates()
    rates[LAESO] = None  # no cases
    del rates[SAMSO]  # not in the mapping at all: no cases either
    rates[KOBENHAVN] = Fraction(1, 8)  # 12.5 % shows as "13 %"
    return tile_map(CAT, rates=rates, highlight=ALLEROD, title="Socialområdet 2024",
                    legend_title="Omgørelsesprocent")


def test_tile_map_svg_has_a_title_for_every_municipality(rate_map):
    root = parse(rate_map.svg)
    titles = titles_by_group(root, "tile-")
    assert set(titles) == {f"tile-{code}" for code in CAT.municipalities}
    assert len(list(root.iter(f"{SVG}title"))) == 98
    assert titles[f"tile-{ALLEROD}"] == "Allerød: 30 %"
    assert titles[f"tile-{KOBENHAVN}"] == "København: 13 %"
    assert titles[f"tile-{LAESO}"] == "Læsø: ingen sager"
    assert titles[f"tile-{SAMSO}"] == "Samsø: ingen sager"
    for code, m in CAT.municipalities.items():
        assert re.fullmatch(rf"{re.escape(m.name)}: (\d+ %|ingen sager)", titles[f"tile-{code}"])


def test_tile_map_legend_and_labels(rate_map):
    texts = svg_texts(parse(rate_map.svg))
    assert "Omgørelsesprocent" in texts
    for label in ("0–29 %", "30–39 %", "40–49 %", "50–59 %", "60–100 %", "Ingen sager"):
        assert label in texts
    assert "Allerød: 30 %" in texts  # the highlighted municipality's full name beside the map
    labels = tile_abbreviations(CAT)
    assert all(labels[code] in texts for code in CAT.municipalities)
    assert rate_map.title == "Socialområdet 2024" and rate_map.png.startswith(b"\x89PNG")


def test_no_data_tiles_are_white_with_an_outline(rate_map):
    root = parse(rate_map.svg)
    for code in (LAESO, SAMSO):
        group = next(g for g in root.iter(f"{SVG}g") if g.get("id") == f"tile-{code}")
        style = group.find(f"{SVG}path").get("style")
        assert "fill: #ffffff" in style and "stroke: #999999" in style


def test_the_highlight_has_a_thick_black_outline(rate_map):
    styles = [p.get("style", "") for p in parse(rate_map.svg).iter(f"{SVG}path")]
    assert any("stroke: #000000" in s and "stroke-width: 2.2" in s and "fill: none" in s for s in styles)


def test_tile_map_alt_text(rate_map):
    alt = rate_map.alt
    assert "98 kommuner" in alt
    assert "Fremhævet med tyk sort ramme: Allerød, 30 %." in alt
    assert "fra 13 % (København) til 58 %" in alt  # the range of the values, with who has them
    assert "fem intervaller fra 0–29 % til 60–100 %" in alt
    assert "2 kommuner har ingen sager." in alt
    assert 'aria-label="' + alt.replace('"', "&quot;") + '"' in rate_map.svg


def test_tile_map_by_class_reads_in_black_and_white():
    classes = {code: list(FunnelClass)[i % 3] for i, code in enumerate(CAT.municipalities)}
    classes[ALLEROD] = FunnelClass.ABOVE
    classes[LAESO] = None
    figure = tile_map(CAT, classes=classes, highlight=ALLEROD, title="Kort", legend_title="Sammenlignet med landsplan")
    root = parse(figure.svg)
    titles = titles_by_group(root, "tile-")
    assert titles[f"tile-{ALLEROD}"] == "Allerød: over landsplan"
    assert titles[f"tile-{LAESO}"] == "Læsø: ingen sager"
    texts = svg_texts(root)
    for label in ("Over landsplan", "Inden for normal variation", "Under landsplan", "Ingen sager",
                  "Allerød: over landsplan"):
        assert label in texts
    # Above and below differ by hatching, not only by colour: two distinct hatch patterns.
    patterns = {p.find(f"{SVG}path").get("d") for p in root.iter(f"{SVG}pattern")}
    assert len(patterns) >= 2
    hatched = {g.get("id") for g in root.iter(f"{SVG}g") if g.get("id", "").startswith("tile-")
               and "url(#" in g.find(f"{SVG}path").get("style", "")}
    expected = {f"tile-{c}" for c, k in classes.items() if k in (FunnelClass.ABOVE, FunnelClass.BELOW)}
    assert hatched == expected
    assert all(m.group(1) == "#" for m in re.finditer(r"url\((.)", figure.svg))  # hatches: in-document only
    assert "Fremhævet med tyk sort ramme: Allerød, over landsplan." in figure.alt
    assert re.search(r"\d+ over landsplan, \d+ inden for normal variation og \d+ under landsplan", figure.alt)


def test_a_map_without_any_cases_and_without_a_highlight():
    figure = tile_map(CAT, rates={}, highlight=None, title="Kort", legend_title="Omgørelsesprocent")
    titles = titles_by_group(parse(figure.svg), "tile-")
    assert all(t.endswith(": ingen sager") for t in titles.values()) and len(titles) == 98
    assert "Fremhævet" not in figure.alt and "Omgørelsesprocent: ingen af kommunerne har sager." in figure.alt


def test_nothing_in_the_svg_points_elsewhere(rate_map):
    # Unclipped patches: no clip-path references, so an HTML report's "no url(" check holds.
    assert "url(" not in rate_map.svg and "<image" not in rate_map.svg


def test_tile_map_is_deterministic(rate_map):
    rates = spread_rates()
    rates[LAESO] = None
    del rates[SAMSO]
    rates[KOBENHAVN] = Fraction(1, 8)
    again = tile_map(CAT, rates=rates, highlight=ALLEROD, title="Socialområdet 2024", legend_title="Omgørelsesprocent")
    assert again.svg == rate_map.svg


def test_exactly_one_of_rates_and_classes():
    with pytest.raises(ValueError):
        tile_map(CAT, highlight=None, title="t", legend_title="t")
    with pytest.raises(ValueError):
        tile_map(CAT, rates={}, classes={}, highlight=None, title="t", legend_title="t")
    with pytest.raises(ValueError):
        tile_map(CAT, rates={}, highlight="999", title="t", legend_title="t")


# ---- the map on real boundaries ---------------------------------------------------------------


def path_xs(root: ET.Element, gid: str) -> list[float]:
    group = next(g for g in root.iter(f"{SVG}g") if g.get("id") == gid)
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", group.find(f"{SVG}path").get("d"))]
    return numbers[0::2]


@needs_real_geojson
def test_the_real_boundary_file():
    boundaries = read_boundaries(CAT, REAL_GEOJSON, "lau_1")
    shapes = boundaries.shapes
    assert set(shapes) == set(CAT.municipalities)  # Christiansø (411) is no municipality: left out
    figure = geo_map(CAT, boundaries, rates=spread_rates(), highlight=ALLEROD,
                     title="Kort", legend_title="Omgørelsesprocent")
    root = parse(figure.svg)
    titles = titles_by_group(root, "kommune-")
    assert len(titles) == 98 and titles[f"kommune-{ALLEROD}"] == "Allerød: 30 %"
    # Bornholm sits in its box east of København (SVG x grows eastward, as longitude does).
    assert min(path_xs(root, f"kommune-{BORNHOLM}")) > max(path_xs(root, f"kommune-{KOBENHAVN}"))
    assert min(path_xs(root, "kommune-851")) < min(path_xs(root, f"kommune-{KOBENHAVN}"))  # Aalborg west
    assert "Bornholm" in figure.alt and "Allerød, 30 %" in figure.alt
    assert "Allerød: 30 %" in svg_texts(root)


def square(lon: float, lat: float, size: float = 0.1) -> list[list[float]]:
    return [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]


def feature(code, ring, kind="Polygon", prop="kode") -> dict:
    coordinates = [ring] if kind == "Polygon" else [[ring]]
    return {"type": "Feature", "properties": {prop: code, "navn": "x"},
            "geometry": {"type": kind, "coordinates": coordinates}}


def small_features() -> list[dict]:
    """A square for each municipality at its tile, codes written every way a file may write them."""
    features = []
    for i, (code, (row, col)) in enumerate(GRID.items()):
        written = [code.zfill(4), int(code), code][i % 3]
        kind = "Polygon" if i % 2 else "MultiPolygon"
        features.append(feature(written, square(8 + col * 0.3, 57.5 - row * 0.2), kind))
    return features


def write(tmp_path: Path, content, name: str = "kommuner.geojson") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def test_codes_written_as_0101_101_or_number_and_islands_of_one_code(tmp_path):
    features = small_features()
    features.append(feature("0825", square(11.0, 57.6, 0.05)))  # a second island for Læsø
    features.append(feature("411", square(15.2, 55.3, 0.02)))  # Christiansø: no municipality, left out
    path = write(tmp_path, collection(features))
    boundaries = read_boundaries(CAT, path, "kode")
    shapes = boundaries.shapes
    assert set(shapes) == set(CAT.municipalities)
    assert len(shapes[LAESO]) == 2
    figure = geo_map(CAT, boundaries, classes={ALLEROD: FunnelClass.BELOW}, highlight=ALLEROD,
                     title="Kort", legend_title="Sammenlignet med landsplan")
    titles = titles_by_group(parse(figure.svg), "kommune-")
    assert len(titles) == 98
    assert titles[f"kommune-{ALLEROD}"] == "Allerød: under landsplan"
    assert titles[f"kommune-{LAESO}"] == "Læsø: ingen sager"


def message(tmp_path: Path, content) -> str:
    path = write(tmp_path, content)
    with pytest.raises(InputError) as caught:
        read_boundaries(CAT, path, "kode")
    text = str(caught.value)
    assert str(path) in text  # every message names the file
    return text


def test_not_json(tmp_path):
    assert "ikke gyldig JSON" in message(tmp_path, '{"type": "FeatureCollection", ')


def test_not_a_feature_collection(tmp_path):
    assert "ikke en GeoJSON FeatureCollection" in message(tmp_path, {"type": "Feature", "properties": {}})
    assert "ikke en GeoJSON FeatureCollection" in message(tmp_path, [1, 2, 3])


def test_the_code_property_missing_names_the_feature(tmp_path):
    features = small_features()
    features[2]["properties"] = {"lau_1": "151"}
    text = message(tmp_path, collection(features))
    assert "objekt nr. 3" in text and "'kode'" in text and "mangler" in text


def test_an_unknown_code_is_named(tmp_path):
    features = small_features() + [feature("999", square(9, 56))]
    text = message(tmp_path, collection(features))
    assert f"objekt nr. {len(features)}" in text and "'999'" in text
    assert "ikke en af de 98 kommuners koder" in text


def test_municipalities_without_a_feature_are_named(tmp_path):
    features = [f for f in small_features() if str(f["properties"]["kode"]).lstrip("0") not in (LAESO, SAMSO)]
    assert "Filen mangler kommunerne: 741 Samsø, 825 Læsø." in message(tmp_path, collection(features))


def test_a_geometry_that_is_no_polygon(tmp_path):
    features = small_features()
    features[0]["geometry"] = {"type": "Point", "coordinates": [9, 56]}
    assert "objekt nr. 1" in message(tmp_path, collection(features))


def test_a_missing_file_is_named(tmp_path):
    path = tmp_path / "findes-ikke.geojson"
    with pytest.raises(InputError, match="findes ikke") as caught:
        read_boundaries(CAT, path, "kode")
    assert str(path) in str(caught.value)
