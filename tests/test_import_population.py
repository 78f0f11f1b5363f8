"""`klagestat import population` reads Statistics Denmark's FOLK1A, and every rates row gives the
cases per 10,000 inhabitants.

- FOLK1A as the statistics bank writes it, with or without KØN, ALDER and CIVILSTAND (totals only,
  else refused naming the column and value), and as JSON-stat; one vintage per file, the newest
  as of a date wins, an identical re-import changes nothing.
- A year's inhabitants are those on 1 January; a region, a comparison group and the nation are
  their own rows or the sum of their municipalities; several years are per year.
- Without the population the fields are null and the row says why.
"""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from conftest import BASELINE_FIGURES, dump_db, rate_row, rates_json, run_cli

FULL_HEADER = "OMRÅDE;KØN;ALDER;CIVILSTAND;TID;INDHOLD"
PEOPLE = {"Allerød": 26_000, "Ærø": 6_000, "Hele landet": 5_961_249}


def folk1a_csv(path, people: dict[str, int], periods=("2024K1", "2024K2"), *, full: bool = True,
               encoding: str = "latin-1", sex: str = "I alt"):
    lines = [FULL_HEADER if full else "OMRÅDE;TID;INDHOLD"]
    for period in periods:
        grow = 0 if period.endswith("K1") else 100  # later quarters differ: only 1 January counts
        for area, n in people.items():
            extra = f'"{sex}";"Alder i alt";"I alt";' if full else ""
            lines.append(f'"{area}";{extra}"{period}";{n + grow}')
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def folk1a_jsonstat(path, people: dict[str, int], period: str = "2024K1"):
    doc = {
        "version": "2.0", "class": "dataset", "label": "Folketal den 1. i kvartalet",
        "id": ["OMRÅDE", "KØN", "Tid", "ContentsCode"], "size": [len(people), 1, 1, 1],
        "dimension": {
            "OMRÅDE": {"label": "område", "category": {"index": {str(i): i for i in range(len(people))},
                                                        "label": {str(i): a for i, a in enumerate(people)}}},
            "KØN": {"label": "køn", "category": {"index": {"TOT": 0}, "label": {"TOT": "I alt"}}},
            "Tid": {"label": "tid", "category": {"index": {period: 0}, "label": {period: period}}},
            "ContentsCode": {"label": "indhold", "category": {"index": {"FOLK1A": 0},
                                                               "label": {"FOLK1A": "Folketal"}}},
        },
        "value": list(people.values()),
    }
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def test_folk1a_gives_inhabitants_and_cases_per_10000_on_both_databases(baseline_database, tmp_path):
    f = folk1a_csv(tmp_path / "FOLK1A.csv", PEOPLE)
    result = run_cli("import", "population", f, db=baseline_database)
    assert result.code == 0, str(result)
    rows = rates_json(baseline_database, "--year", "2024", "--municipality", "Allerød")
    social = rate_row(rows, "201", "social")
    counts = BASELINE_FIGURES["Allerød"]
    decided = sum(sum(c) for c in counts.values())
    reversed_ = sum(c[1] + c[2] for c in counts.values())
    assert social["inhabitants"] == 26_000  # 1 January, not the later quarter
    assert social["decided_per_10000"] == float(Fraction(decided * 10_000, 26_000))
    assert social["reversed_per_10000"] == float(Fraction(reversed_ * 10_000, 26_000))
    national = rate_row(rows, "000", "social")
    assert national["inhabitants"] == 5_961_249

    again = run_cli("import", "population", f, db=baseline_database)
    held = dump_db(baseline_database)
    assert again.code == 0 and "intet er ændret" in again.out
    assert run_cli("import", "population", f, db=baseline_database).code == 0 and dump_db(baseline_database) == held


def test_the_columns_may_be_left_out_and_json_stat_is_read_too(baseline_db, tmp_path):
    assert run_cli("import", "population", folk1a_csv(tmp_path / "kort.csv", PEOPLE, full=False, encoding="utf-8"),
                   db=baseline_db).code == 0
    newer = dict(PEOPLE, **{"Allerød": 26_500})
    result = run_cli("import", "population", folk1a_jsonstat(tmp_path / "folk1a.json", newer),
                     "--as-of", "2099-01-01", db=baseline_db)
    assert result.code == 0, str(result)
    latest = rate_row(rates_json(baseline_db, "--year", "2024", "--municipality", "Allerød"), "201", "social")
    assert latest["inhabitants"] == 26_500
    before = rate_row(rates_json(baseline_db, "--year", "2024", "--municipality", "Allerød", "--as-of", "2098-12-31"),
                      "201", "social")
    assert before["inhabitants"] == 26_000


def test_regions_groups_and_several_years(demo_db):
    rows = rates_json(demo_db, "--year", "2023-2024", "--municipality", "Allerød", "--neighbours",
                      "--region", "Hovedstaden")
    allerod = rate_row(rows, "201", "social")
    single = [rate_row(rates_json(demo_db, "--year", str(y), "--municipality", "Allerød"), "201", "social")
              for y in (2023, 2024)]
    people = sum(r["inhabitants"] for r in single)
    decided = sum(r["upheld"] + r["changed"] + r["remitted"] + r["dismissed"] for r in single)
    assert allerod["decided_per_10000"] == pytest.approx(decided * 10_000 / people, rel=1e-12)
    group = next(r for r in rows if r["area_level"] == "group" and r["map"] == "social")
    region = next(r for r in rows if r["area_level"] == "region" and r["map"] == "social")
    assert group["inhabitants"] and region["inhabitants"] > group["inhabitants"]
    table = run_cli("rates", "--year", "2024", "--municipality", "Allerød", db=demo_db)
    assert "10.000 indb." in table.out and "folketal: Danmarks Statistik (FOLK1A)" in table.out


def test_without_the_population_the_fields_are_null_and_say_why(baseline_db):
    row = rate_row(rates_json(baseline_db, "--year", "2024", "--municipality", "Allerød"), "201", "social")
    assert row["inhabitants"] is None and row["decided_per_10000"] is None and row["reversed_per_10000"] is None
    assert "Folketallet mangler for Allerød i 2024" in row["note"]


def test_a_split_by_sex_is_refused_naming_the_column_and_value(baseline_db, tmp_path):
    f = folk1a_csv(tmp_path / "mænd.csv", PEOPLE, sex="Mænd")
    held = dump_db(baseline_db)
    result = run_cli("import", "population", f, db=baseline_db)
    assert result.code == 2 and "kolonne KØN" in result.err and "'Mænd'" in result.err, str(result)
    assert "Traceback" not in result.err and dump_db(baseline_db) == held


@pytest.mark.parametrize(("content", "says"), [
    (b"PK\x03\x04rest of a zip", "Excel"),
    (b"%PDF-1.4\n", "PDF"),
    (bytes(range(256)) * 10, "binære"),
    ("OMRÅDE;TID;INDHOLD\nAllerød;2024;26000\n".encode(), "Ukendt periode"),
    ("OMRÅDE;TID;INDHOLD\nAllerød;2024K1;mange\n".encode(), "ikke et helt tal"),
    ("OMRÅDE;LOVGRUNDLAG;TID;INDHOLD\nAllerød;x;2024K1;1\n".encode(), "Kolonnen kendes ikke"),
    ("OMRÅDE;TID;INDHOLD\nHele landet;2024K1;10\nAllerød;2024K1;26000\n".encode(), "mindre end summen"),
])
def test_files_that_are_not_folk1a_are_refused_in_danish(baseline_db, tmp_path, content, says):
    f = tmp_path / "folk.csv"
    f.write_bytes(content)
    held = dump_db(baseline_db)
    result = run_cli("import", "population", f, db=baseline_db)
    assert result.code == 2 and says in result.err, str(result)
    assert "Traceback" not in result.err and dump_db(baseline_db) == held
