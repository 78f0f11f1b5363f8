"""`klagestat rates`: the JSON row contract, CSV for Danish Excel, pooled years, groupings.

Every test runs on SQLite and on PostgreSQL (see `database` in conftest).
"""

from __future__ import annotations

import csv
import io
from fractions import Fraction

from klagestat.catalogue import load_catalogue
from klagestat.render import numbers

from conftest import BASELINE_FIGURES, P85, P87, P100, rate_row, rates_json, run_cli

CONTRACT_FIELDS = [
    "year", "municipality_code", "municipality", "map", "group", "upheld", "changed", "remitted",
    "dismissed", "merits", "reversed", "reversal_rate", "ci_low", "ci_high", "national_rate", "definition",
]


def test_json_rows_keep_the_contract_fields_in_order(baseline_database):
    rows = rates_json(baseline_database, "--year", "2024", "--municipality", "Allerød")
    for row in rows:
        assert list(row)[: len(CONTRACT_FIELDS)] == CONTRACT_FIELDS
    allerød = rate_row(rows, "201", "social")
    assert allerød["group"] is None and allerød["definition"] == "official"
    assert isinstance(allerød["year"], int)
    national = rate_row(rows, "000", "social")
    assert national["municipality"] == "Hele landet" and national["area_level"] == "national"


def test_csv_is_the_json_rows_for_danish_excel(baseline_database):
    rows = rates_json(baseline_database, "--year", "2024", "--municipality", "Allerød")
    result = run_cli("rates", "--year", "2024", "--municipality", "Allerød", "--format", "csv", db=baseline_database)
    assert result.code == 0, str(result)
    assert result.stdout.startswith("\ufeff")  # so Excel reads æ, ø and å
    table = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff")), delimiter=";"))
    assert len(table) == len(rows)
    # Danish headers, rates rounded as the reports round them, Danish words for codes.
    assert list(table[0])[:12] == ["År", "Kommunekode", "Kommune", "Kort", "Gruppe", "Stadfæstet", "Ændret/ophævet",
                                   "Hjemvist", "Afvist/henvist", "Realitetsbehandlede", "Omgjorte", "Omgørelsesprocent"]
    maps = {m.code: m.name for m in load_catalogue().maps.values()}
    for json_row, csv_row in zip(rows, table):
        assert csv_row["Kommune"] == json_row["municipality"] and csv_row["Kort"] == maps[json_row["map"]]
        assert csv_row["Realitetsbehandlede"] == str(json_row["merits"]) and csv_row["Afvist/henvist"] == str(json_row["dismissed"])
        rate = json_row["reversal_rate"]
        decimals = 1 if json_row["area_level"] == "national" else 0
        exact = Fraction(json_row["reversed"], json_row["merits"]) if json_row["merits"] else None
        assert csv_row["Omgørelsesprocent"] == ("" if rate is None else numbers.percent(exact, decimals))
        assert csv_row["Definition"].startswith("officiel")
        assert csv_row["Syntetiske demodata"] == "nej"
        assert "0,4" not in ";".join(csv_row.values())  # no raw fraction anywhere
    funnels = {r["Sammenlignet med landsplan (95 %)"] for r in table}
    assert funnels - {""} and funnels - {""} <= {"over landsplan", "under landsplan", "inden for normal variation"}


def test_pooled_years_say_which_years(baseline_database, tmp_path):
    # The baseline has 2024; add 2023 with the same figures and pool the two.
    from conftest import statbank_rows, write_statbank_csv

    f = write_statbank_csv(tmp_path / "2023.csv", statbank_rows(BASELINE_FIGURES, period="2023"))
    result = run_cli("import", "statbank", f, db=baseline_database)
    assert result.code == 0
    # Barnets lov did not exist in 2023: the figures for it are imported, with a warning.
    assert "først gjaldt fra 01-01-2024" in result.stdout
    # (The adult-disability map is the same provisions both years; the social map is not.)
    single = rate_row(rates_json(baseline_database, "--year", "2024", "--municipality", "Allerød"), "201", "adult-disability")
    pooled = rate_row(rates_json(baseline_database, "--year", "2023-2024", "--municipality", "Allerød"), "201",
                      "adult-disability")
    assert pooled["year"] == "2023-2024" and (pooled["year_from"], pooled["year_to"]) == (2023, 2024)
    assert pooled["merits"] == 2 * single["merits"]
    assert pooled["reversal_rate"] == single["reversal_rate"]


def test_grouped_rows_end_with_a_marked_total(baseline_database):
    rows = rates_json(baseline_database, "--year", "2024", "--municipality", "Allerød", "--by", "provision")
    parts = [r for r in rows if r["municipality_code"] == "201" and not r["group_total"]]
    total = [r for r in rows if r["municipality_code"] == "201" and r["group_total"]]
    assert len(total) == 1 and total[0]["group"] == "I alt"
    assert total[0]["merits"] == sum(r["merits"] for r in parts)
    assert {r["group_key"] for r in parts} >= {"serviceloven:100", "serviceloven:85"}


def test_a_map_filter_keeps_only_the_maps_provisions(baseline_database):
    figures = BASELINE_FIGURES["Allerød"]
    social = rates_json(baseline_database, "--year", "2024", "--municipality", "Allerød", "--by", "provision",
                        "--map", "social")
    adult = rates_json(baseline_database, "--year", "2024", "--municipality", "Allerød", "--by", "provision",
                       "--map", "adult-disability")
    social_keys = {r["group_key"] for r in social if r["municipality_code"] == "201" and not r["group_total"]}
    adult_keys = {r["group_key"] for r in adult if r["municipality_code"] == "201" and not r["group_total"]}
    assert adult_keys == {"serviceloven:100"}
    assert {"serviceloven:100", "serviceloven:85"} <= social_keys
    assert (P100 in figures) and (P85 in figures) and (P87 in figures)


def test_the_national_level_falls_back_to_all_98_municipalities_group_by_group(database, tmp_path):
    from conftest import municipality_names, statbank_rows, write_statbank_csv

    figures = {name: {P85: (2, 0, 1, 0), P87: (1, 1, 0, 0)} for name in municipality_names()}
    figures["Hele landet"] = {P85: (196, 0, 98, 0)}  # the national rows lack Barnets lov
    f = write_statbank_csv(tmp_path / "alle.csv", statbank_rows(figures))
    assert run_cli("import", "statbank", f, db=database).code == 0
    rows = rates_json(database, "--year", "2024", "--municipality", "Lejre")
    national = rate_row(rows, "000", "social")
    # Serviceloven from every municipality plus Barnets lov: 98 × (3 + 2) cases on the merits.
    assert national["merits"] == 98 * 5 and national["reversed"] == 98 * 2
    assert rate_row(rows, "350", "social")["national_rate"] == national["reversal_rate"]


def test_every_json_field_has_its_danish_spreadsheet_header():
    from klagestat.render.rate_rows import FIELDS, SHEET_HEADERS

    assert tuple(SHEET_HEADERS) == FIELDS and len(set(SHEET_HEADERS.values())) == len(FIELDS)
