"""Socialområdet øvrige (`--map social-other`): the social map without the two disability maps,
which the ministry doesn't publish and municipalities compute themselves."""

from __future__ import annotations

import json
from collections import defaultdict
from fractions import Fraction

from klagestat.catalogue import load_catalogue

from conftest import run_cli

MAPS = ("social", "child-disability", "adult-disability", "social-other")
COUNTS = ("upheld", "changed", "remitted", "dismissed")


def test_social_other_is_social_minus_the_disability_maps_cell_by_cell(demo_db):
    years = ",".join(str(y) for y in range(2013, 2026))
    args = [a for m in MAPS for a in ("--map", m)]
    result = run_cli("rates", "--year", years, *args, "--format", "json", db=demo_db)
    assert result.code == 0, str(result)
    cells: dict[tuple, dict] = defaultdict(dict)
    for row in json.loads(result.out):
        cells[(row["municipality_code"], row["year"])][row["map"]] = row
    assert len(cells) > 98 * 13
    for key, by_map in cells.items():
        assert set(by_map) == set(MAPS), key
        for count in COUNTS:
            social, child, adult, other = (by_map[m][count] for m in MAPS)
            assert other == social - child - adult, (key, count)
        assert by_map["social-other"]["map"] == "social-other"


def test_social_other_is_asked_for_and_never_a_fourth_map(demo_db):
    result = run_cli("rates", "--year", "2024", "--municipality", "Lejre", "--format", "json", db=demo_db)
    assert {row["map"] for row in json.loads(result.out)} == {"social", "child-disability", "adult-disability"}
    table = run_cli("rates", "--year", "2024", "--municipality", "Lejre", "--map", "social-other", db=demo_db)
    assert table.code == 0 and "Socialområdet" in table.out and "øvrige" in table.out, str(table)


def test_the_catalogue_s_rules_for_social_other():
    c = load_catalogue()
    assert c.map_codes() == ("social", "child-disability", "adult-disability", "social-other")
    for year in (2020, 2024, 2025):
        assert c.map_contains("social-other", year, "serviceloven:85")
        assert not c.map_contains("social-other", year, "serviceloven:100")  # adult disability
        assert not c.map_covers_whole_law("social-other", year, "serviceloven")  # its law row can't be split
        assert c.map_needs_provisions("social-other", year, "serviceloven")
    assert not c.map_contains("social-other", 2024, "barnets-lov:87+88")  # child disability from 2024
    assert c.map_covers_whole_law("social-other", 2025, "aeldreloven")  # no disability map takes a part of it


def test_the_profile_and_the_case_have_a_short_section_on_social_other(demo_db, tmp_path):
    import docx
    from fastapi.testclient import TestClient

    from klagestat.render import numbers
    from klagestat.web.app import create_app

    rows = json.loads(run_cli("rates", "--year", "2024", "--municipality", "Allerød", "--map", "social-other",
                              "--format", "json", db=demo_db).out)
    [mine] = [r for r in rows if r["municipality_code"] == "201"]
    expected = f"{numbers.municipal_percent(Fraction(mine['reversed'], mine['merits']))} ({mine['merits']})"

    page = TestClient(create_app(str(demo_db))).get("/kommune/201", params={"year": 2024})
    assert page.status_code == 200 and "Socialområdet øvrige" in page.text
    assert f"<th scope=\"row\">2024</th><td class=\"num\">{expected}</td>" in page.text

    case = tmp_path / "sag.docx"
    assert run_cli("report", "danmarkskort", "--municipality", "Allerød", "--year", "2024", "--out", case,
                   db=demo_db).code == 0
    document = docx.Document(str(case))
    assert "Socialområdet øvrige" in [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert any(c.text == expected for t in document.tables for row in t.rows for c in row.cells)
