"""`klagestat import statbank`: statistics-bank files as users get them, through the real command.

Every bad file must be refused with exit code 2 and a Danish message that names the file and,
where there is one, the line, the column and the value; and it must import nothing. The bad-input
tests start from a database that already holds one good import and compare a dump of every
table before and after. Every test runs on SQLite and on PostgreSQL (see `database` in conftest).
"""

from __future__ import annotations

import json
import re

import pytest

from conftest import (
    BASELINE_AS_OF,
    BASELINE_FIGURES,
    BASELINE_FILE,
    MAPS,
    OUTCOMES,
    P32,
    P41,
    P85,
    P87,
    P100,
    assert_problem,
    db_count,
    db_rows,
    dump_db,
    map_counts,
    rate_of,
    rate_row,
    rates_json,
    run_cli,
    squash,
    statbank_rows,
    write_jsonstat,
    write_statbank_csv,
)

EXPECTED_HEADER = "OMRÅDE;LOVGRUNDLAG;AFGØRELSE;TID;INDHOLD"


# ---- helpers -----------------------------------------------------------------------------------

def line_of(rows, area, basis, outcome, period="2024") -> int:
    """The line a row is written on (the header is line 1)."""
    for i, r in enumerate(rows):
        if tuple(r[:4]) == (area, basis, outcome, period):
            return i + 2
    raise KeyError((area, basis, outcome, period))


def with_value(rows, area, basis, outcome, value, period="2024") -> list[tuple]:
    line = line_of(rows, area, basis, outcome, period)
    out = list(rows)
    out[line - 2] = (area, basis, outcome, period, value)
    return out


def assert_refused(result, db, before, file) -> None:
    """Exit 2, a Danish message naming the file, no traceback, and the database unchanged."""
    assert result.code == 2, str(result)
    assert "Traceback" not in result.stderr, str(result)
    assert str(file) in result.err, str(result)
    assert "Intet er importeret" in result.err, str(result)
    assert result.stdout.strip() == "", str(result)
    assert dump_db(db) == before, "a refused file changed the database"


def assert_map_counts(row: dict, expected: dict) -> None:
    got = {k: row[k] for k in ("upheld", "changed", "remitted", "dismissed")}
    assert got == expected, row
    rate = rate_of(expected)
    if rate is None:
        assert row["reversal_rate"] is None, row
    else:
        assert row["reversal_rate"] == pytest.approx(rate, abs=1e-6), row


def baseline_rows() -> list[tuple]:
    return statbank_rows(BASELINE_FIGURES)


# ---- 1. header and delimiter ---------------------------------------------------------------------

def test_a_file_without_header_is_refused_on_line_1(baseline_database, tmp_path):
    rows = baseline_rows()
    f = write_statbank_csv(tmp_path / "uden-overskrift.csv", rows, header=None)
    before = dump_db(baseline_database)

    result = run_cli("import", "statbank", f, db=baseline_database)

    assert_refused(result, baseline_database, before, f)
    first_line = ";".join(str(v) for v in rows[0])
    problem = assert_problem(result, f, line=1, value=first_line)
    assert "overskrift" in problem.lower(), problem
    assert EXPECTED_HEADER in problem, "the message should show the header it expects"


@pytest.mark.parametrize(("delimiter", "word"), [(",", "komma"), ("\t", "tabulator")])
def test_a_file_with_the_wrong_delimiter_is_refused_on_line_1(baseline_database, tmp_path, delimiter, word):
    f = write_statbank_csv(tmp_path / "forkert-skilletegn.csv", baseline_rows(), delimiter=delimiter)
    before = dump_db(baseline_database)

    result = run_cli("import", "statbank", f, db=baseline_database)

    assert_refused(result, baseline_database, before, f)
    problem = assert_problem(result, f, line=1, value=delimiter.join(
        ("OMRÅDE", "LOVGRUNDLAG", "AFGØRELSE", "TID", "INDHOLD")))
    assert word in problem and "semikolon" in problem, problem


# ---- 2. empty files --------------------------------------------------------------------------------

@pytest.mark.parametrize("content", [b"", b"  \r\n\t\n   \n"], ids=["empty", "whitespace-only"])
def test_an_empty_file_is_refused(baseline_database, tmp_path, content):
    f = tmp_path / "tom.csv"
    f.write_bytes(content)
    before = dump_db(baseline_database)

    result = run_cli("import", "statbank", f, db=baseline_database)

    assert_refused(result, baseline_database, before, f)
    assert_problem(result, f, says="tom")


def test_a_file_with_only_a_header_is_refused(baseline_database, tmp_path):
    f = write_statbank_csv(tmp_path / "kun-overskrift.csv", [])
    before = dump_db(baseline_database)

    result = run_cli("import", "statbank", f, db=baseline_database)

    assert_refused(result, baseline_database, before, f)
    assert_problem(result, f, line=2, says="ingen rækker")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["finnes-ikke.csv"], "findes ikke"),
        (["{good}", "--as-of", "1.3.2025"], "--as-of"),
        (["{good}", "--label-map", "mangler.toml"], "findes ikke"),
    ],
    ids=["missing-file", "bad-as-of", "missing-label-map"],
)
def test_bad_command_line_input_is_refused(baseline_database, tmp_path, args, says):
    good = write_statbank_csv(tmp_path / "god.csv", statbank_rows({"Tårnby": BASELINE_FIGURES["Ærø"]}))
    before = dump_db(baseline_database)

    result = run_cli("import", "statbank", *(a.format(good=good) for a in args), db=baseline_database, cwd=tmp_path)

    assert result.code == 2, str(result)
    assert says in result.err, str(result)
    assert "Traceback" not in result.stderr, str(result)
    assert dump_db(baseline_database) == before


# ---- 3.-5. bad values -------------------------------------------------------------------------------

def test_counts_that_are_not_whole_non_negative_numbers_are_all_named(baseline_database, tmp_path):
    rows = baseline_rows()
    bad = {
        ("Allerød", P100, "Stadfæstet"): ("3,5", "ikke et helt tal"),
        ("Allerød", P100, "Hjemvist"): ("abc", "ikke et helt tal"),
        ("Ærø", P85, "Stadfæstet"): ("2.0", "ikke et helt tal"),
        ("Ærø", P87, "Hjemvist"): ("-3", "negativt"),
        ("Hele landet", P32, "Stadfæstet"): ("", "mangler"),
    }
    for (area, basis, outcome), (value, _) in bad.items():
        rows = with_value(rows, area, basis, outcome, value)
    f = write_statbank_csv(tmp_path / "tal.csv", rows)
    before = dump_db(baseline_database)

    result = run_cli("import", "statbank", f, db=baseline_database)

    assert_refused(result, baseline_database, before, f)
    # Every bad count in the file is listed in the one message, each with its own line.
    for (area, basis, outcome), (value, says) in bad.items():
        assert_problem(result, f, line=line_of(rows, area, basis, outcome), column="INDHOLD", value=value, says=says)


def test_an_unknown_municipality_is_named(baseline_database, tmp_path):
    rows = baseline_rows() + [("Atlantis", P100, o, "2024", 1) for o in OUTCOMES]
    f = write_statbank_csv(tmp_path / "atlantis.csv", rows)
    before = dump_db(baseline_database)

    result = run_cli("import", "statbank", f, db=baseline_database)

    assert_refused(result, baseline_database, before, f)
    assert_problem(result, f, line=line_of(rows, "Atlantis", P100, OUTCOMES[0]), column="OMRÅDE",
                   value="Atlantis", says="ukendt kommune")


def test_an_unknown_outcome_is_named(baseline_database, tmp_path):
    rows = baseline_rows() + [("Allerød", P100, "Delvist medhold", "2024", 2)]
    f = write_statbank_csv(tmp_path / "udfald.csv", rows)
    before = dump_db(baseline_database)

    result = run_cli("import", "statbank", f, db=baseline_database)

    assert_refused(result, baseline_database, before, f)
    problem = assert_problem(result, f, line=len(rows) + 1, column="AFGØRELSE", value="Delvist medhold",
                             says="ukendt afgørelse")
    assert "--label-map" in problem


def test_a_file_without_all_four_outcomes_is_refused(baseline_database, tmp_path):
    # Without "Stadfæstet" every rate would look like 100 %: never read a missing outcome as 0.
    rows = [r for r in baseline_rows() if r[2] != "Stadfæstet"]
    f = write_statbank_csv(tmp_path / "uden-stadfæstet.csv", rows)
    before = dump_db(baseline_database)

    result = run_cli("import", "statbank", f, db=baseline_database)

    assert_refused(result, baseline_database, before, f)
    assert_problem(result, f, line=1, column="AFGØRELSE", says="mangler afgørelsen stadfæstet")


def test_an_unknown_period_is_named(baseline_database, tmp_path):
    rows = baseline_rows() + [("Allerød", P100, "Hjemvist", "2024K5", 2)]
    f = write_statbank_csv(tmp_path / "periode.csv", rows)
    before = dump_db(baseline_database)

    result = run_cli("import", "statbank", f, db=baseline_database)

    assert_refused(result, baseline_database, before, f)
    assert_problem(result, f, line=len(rows) + 1, column="TID", value="2024K5", says="periode")


def test_the_same_cell_twice_is_refused_naming_both_lines(baseline_database, tmp_path):
    rows = baseline_rows()
    first = line_of(rows, "Ærø", P100, "Hjemvist")
    rows = rows + [("Ærø", P100, "Hjemvist", "2024", 0)]
    f = write_statbank_csv(tmp_path / "dobbelt.csv", rows)
    before = dump_db(baseline_database)

    result = run_cli("import", "statbank", f, db=baseline_database)

    assert_refused(result, baseline_database, before, f)
    problem = assert_problem(result, f, line=len(rows) + 1, column="INDHOLD", says="to gange")
    assert f"linje {first}" in problem, problem


# ---- 6. unknown legal-basis labels -----------------------------------------------------------------

UNKNOWN_BASES = [
    ("Allerød", "7.3 Særlige sager", "Stadfæstet", "2024", 3),
    ("Allerød", "7.3 Særlige sager", "Hjemvist", "2024", 3),
    ("Allerød", "7.4 Øvrige ydelser", "Hjemvist", "2024", 3),
    ("Ærø", "Diverse sager", "Stadfæstet", "2024", 1),
]

LABEL_MAP = """\
# Etiketter, klagestat ikke kender
[legal_basis]
"7.3 Særlige sager" = "Lov om aktiv socialpolitik § 34"
"7.4 Øvrige ydelser" = "Lov om social pension § 14"
"Diverse sager" = "Sygedagpengeloven § 24"
"""


def test_unknown_legal_bases_are_listed_in_one_message_with_the_label_map_hint(baseline_database, tmp_path):
    rows = baseline_rows() + UNKNOWN_BASES
    f = write_statbank_csv(tmp_path / "ukendte.csv", rows)
    before = dump_db(baseline_database)

    result = run_cli("import", "statbank", f, db=baseline_database)

    assert_refused(result, baseline_database, before, f)
    # All three labels in one message, each once, on the line where it first appears.
    for label in ("7.3 Særlige sager", "7.4 Øvrige ydelser", "Diverse sager"):
        first = min(i + 2 for i, r in enumerate(rows) if r[1] == label)
        assert_problem(result, f, line=first, column="LOVGRUNDLAG", value=label, says="ukendt lovgrundlag")
        assert result.err.count(f"(værdi: {label!r})") == 1, str(result)
    assert result.err.count("Filen blev ikke importeret") == 1
    assert "--label-map" in result.err and "[legal_basis]" in result.err, str(result)
    assert "--allow-unmapped" in result.err, str(result)


def test_a_label_map_file_makes_unknown_legal_bases_importable(baseline_database, tmp_path):
    f = write_statbank_csv(tmp_path / "ukendte.csv", baseline_rows() + UNKNOWN_BASES)
    label_map = tmp_path / "etiketter.toml"
    label_map.write_text(LABEL_MAP, encoding="utf-8")

    result = run_cli("import", "statbank", f, "--label-map", label_map, "--as-of", "2025-06-01", db=baseline_database)

    assert result.code == 0, str(result)
    assert "ukendt lovgrundlag" not in result.out
    rows = rates_json(baseline_database, "--year", "2024", "--by", "law", "--municipality", "Allerød",
                      "--municipality", "Ærø")
    aktiv = rate_row(rows, "201", group="Lov om aktiv socialpolitik")
    assert (aktiv["upheld"], aktiv["changed"], aktiv["remitted"], aktiv["dismissed"]) == (3, 0, 3, 0)
    pension = rate_row(rows, "201", group="Lov om social pension")
    assert (pension["upheld"], pension["remitted"]) == (0, 3)
    sygedagpenge = rate_row(rows, "492", group="Lov om sygedagpenge")
    assert (sygedagpenge["upheld"], sygedagpenge["remitted"]) == (1, 0)
    # The mapped labels are stored with what they were recognised as.
    assert db_count(baseline_database, "SELECT count(*) FROM statbank_basis WHERE level = 'unmapped'") == 0
    assert db_count(baseline_database, "SELECT count(*) FROM statbank_basis WHERE law_id = 'aktivloven' "
                                 "AND provision_key = 'aktivloven:34'") == 1


def test_a_bad_label_map_target_is_refused(baseline_database, tmp_path):
    f = write_statbank_csv(tmp_path / "ukendte.csv", baseline_rows() + UNKNOWN_BASES)
    label_map = tmp_path / "etiketter.toml"
    label_map.write_text('[legal_basis]\n"7.3 Særlige sager" = "Lov om ingenting"\n', encoding="utf-8")
    before = dump_db(baseline_database)

    result = run_cli("import", "statbank", f, "--label-map", label_map, db=baseline_database)

    assert result.code == 2, str(result)
    assert str(label_map) in result.err and "Lov om ingenting" in result.err, str(result)
    assert dump_db(baseline_database) == before


def test_allow_unmapped_imports_unknown_legal_bases_as_unknown(baseline_database, tmp_path):
    f = write_statbank_csv(tmp_path / "ukendte.csv", baseline_rows() + UNKNOWN_BASES)

    result = run_cli("import", "statbank", f, "--allow-unmapped", "--as-of", "2025-06-01", db=baseline_database)

    assert result.code == 0, str(result)
    # The import report says which labels went in as unknown.
    assert "3 lovgrundlag" in result.out and "ukendt lovgrundlag" in result.out, str(result)
    for label in ("7.3 Særlige sager", "7.4 Øvrige ydelser", "Diverse sager"):
        assert label in result.out, str(result)
    assert db_count(baseline_database, "SELECT count(*) FROM statbank_basis WHERE level = 'unmapped'") == 3
    rows = rates_json(baseline_database, "--year", "2024", "--by", "law", "--municipality", "Allerød")
    unknown = rate_row(rows, "201", group="Ukendt lovgrundlag")
    assert (unknown["upheld"], unknown["changed"], unknown["remitted"], unknown["dismissed"]) == (3, 0, 6, 0)
    # Unknown legal bases never leak into the maps.
    maps = rates_json(baseline_database, "--year", "2024", "--municipality", "Allerød")
    assert_map_counts(rate_row(maps, "201", "social"), map_counts(BASELINE_FIGURES["Allerød"], "social"))


# ---- 7.-8. totals that contradict their parts ------------------------------------------------------

def test_a_year_that_contradicts_its_quarters_is_refused(baseline_database, tmp_path):
    rows = [("Allerød", P100, o, "2024", n) for o, n in zip(OUTCOMES, (6, 0, 10, 0))]
    rows += [("Allerød", P100, "Hjemvist", f"2024K{q}", n) for q, n in zip((1, 2, 3, 4), (3, 3, 3, 2))]
    f = write_statbank_csv(tmp_path / "kvartaler.csv", rows)
    before = dump_db(baseline_database)

    result = run_cli("import", "statbank", f, db=baseline_database)

    assert_refused(result, baseline_database, before, f)
    problem = assert_problem(result, f, line=line_of(rows, "Allerød", P100, "Hjemvist"), column="INDHOLD",
                             value="10")
    assert "11" in problem and "kvartal" in problem.lower(), problem


def test_a_year_with_consistent_quarters_imports_and_counts_once(baseline_database, tmp_path):
    quarters = {
        1: {P41: (1, 0, 0, 0), P100: (1, 1, 0, 0), P85: (2, 0, 1, 0), P87: (0, 0, 0, 1), P32: (1, 0, 0, 0)},
        2: {P41: (0, 0, 1, 0), P100: (0, 0, 0, 0), P85: (1, 0, 0, 0), P87: (1, 0, 0, 0), P32: (0, 1, 0, 0)},
        3: {P41: (0, 0, 0, 0), P100: (1, 0, 0, 0), P85: (0, 0, 1, 0), P87: (0, 0, 0, 0), P32: (1, 0, 0, 0)},
        4: {P41: (0, 0, 0, 0), P100: (0, 0, 0, 0), P85: (1, 0, 0, 0), P87: (0, 0, 0, 0), P32: (0, 0, 0, 0)},
    }
    year = {p: tuple(sum(quarters[q][p][i] for q in quarters) for i in range(4)) for p in quarters[1]}
    rows = statbank_rows({"Ærø": year})
    for q, figures in quarters.items():
        rows += statbank_rows({"Ærø": figures}, f"2024K{q}")
    f = write_statbank_csv(tmp_path / "aar-og-kvartaler.csv", rows)

    result = run_cli("import", "statbank", f, "--as-of", "2025-06-01", db=baseline_database)

    assert result.code == 0, str(result)
    rows_out = rates_json(baseline_database, "--year", "2024", "--municipality", "Ærø")
    for m in MAPS:
        # The year row, not the year plus its quarters.
        assert_map_counts(rate_row(rows_out, "492", m), map_counts({"Ærø": year}["Ærø"], m))


def test_a_law_total_that_contradicts_its_provisions_is_refused(baseline_database, tmp_path):
    figures = {"Allerød": {P41: (20, 1, 2, 0), P100: (18, 0, 4, 0), P85: (10, 2, 3, 1)}}
    rows = statbank_rows(figures)  # "1 Serviceloven" Stadfæstet = 48
    rows = with_value(rows, "Allerød", "1 Serviceloven", "Stadfæstet", 50)
    rows = with_value(rows, "Allerød", "1 Serviceloven", "I alt", 50 + 3 + 9 + 1)
    f = write_statbank_csv(tmp_path / "lovniveau.csv", rows)
    before = dump_db(baseline_database)

    result = run_cli("import", "statbank", f, db=baseline_database)

    assert_refused(result, baseline_database, before, f)
    problem = assert_problem(result, f, line=line_of(rows, "Allerød", "1 Serviceloven", "Stadfæstet"),
                             column="INDHOLD", value="50")
    assert "48" in problem, problem


def test_an_outcome_total_that_contradicts_the_four_outcomes_is_refused(baseline_database, tmp_path):
    rows = baseline_rows()
    line = line_of(rows, "Ærø", P100, "I alt")
    rows = with_value(rows, "Ærø", P100, "I alt", 4)  # the outcomes are 2, 1, 0, 0
    f = write_statbank_csv(tmp_path / "i-alt.csv", rows)
    before = dump_db(baseline_database)

    result = run_cli("import", "statbank", f, db=baseline_database)

    assert_refused(result, baseline_database, before, f)
    problem = assert_problem(result, f, line=line, column="INDHOLD", value="4")
    assert "3" in problem and "afgørelser" in problem, problem


# ---- 9. encodings, line endings and ways of naming a municipality ---------------------------------

ENCODING_FIGURES = {
    "Høje-Taastrup": {P41: (7, 1, 3, 0), P100: (9, 2, 5, 1), P85: (12, 1, 4, 2), P87: (4, 2, 5, 0), P32: (8, 1, 1, 1)},
    "Tårnby": {P41: (3, 0, 2, 1), P100: (5, 0, 1, 0), P85: (6, 1, 1, 0), P87: (2, 0, 3, 0), P32: (4, 0, 2, 0)},
    "Ærø": {P41: (2, 0, 1, 0), P100: (3, 1, 2, 1), P85: (5, 0, 1, 0), P87: (1, 1, 0, 0), P32: (2, 0, 1, 1)},
    "Allerød": {P41: (5, 1, 2, 1), P100: (6, 0, 4, 0), P85: (10, 2, 3, 1), P87: (3, 1, 4, 0), P32: (7, 0, 1, 2)},
    "Hele landet": BASELINE_FIGURES["Hele landet"],
}
CODES = {"Høje-Taastrup": "169", "Tårnby": "185", "Ærø": "492", "Allerød": "201", "Hele landet": "000"}


@pytest.mark.parametrize(
    ("encoding", "bom", "newline", "reported"),
    [
        ("cp1252", False, "\n", "CP-1252"),
        ("cp1252", False, "\r\n", "CP-1252"),
        ("utf-8", True, "\n", "UTF-8 med BOM"),
        ("utf-8", False, "\r\n", "UTF-8"),
    ],
    ids=["cp1252", "cp1252-crlf", "utf8-bom", "utf8-crlf"],
)
def test_danish_letters_in_every_encoding_users_have(database, tmp_path, encoding, bom, newline, reported):
    f = write_statbank_csv(tmp_path / "ankeast1.csv", statbank_rows(ENCODING_FIGURES), encoding=encoding,
                           bom=bom, newline=newline)
    if encoding == "cp1252":
        assert "Ærø".encode("cp1252") in f.read_bytes()  # really single-byte æøå, not UTF-8

    result = run_cli("import", "statbank", f, db=database)

    assert result.code == 0, str(result)
    assert f"({reported})" in result.out, str(result)
    assert "4 kommuner" in result.out and "landstal" in result.out, str(result)
    rows = rates_json(database, "--year", "2024", "--municipality", "Ærø")
    assert {r["municipality_code"] for r in rows} == {"492", "000"}
    for m in MAPS:
        row = rate_row(rows, "492", m)
        assert row["municipality"] == "Ærø"
        assert_map_counts(row, map_counts(ENCODING_FIGURES["Ærø"], m))
        national = rate_of(map_counts(ENCODING_FIGURES["Hele landet"], m))
        assert row["national_rate"] == pytest.approx(national, abs=1e-6)
    stored = {r[0] for r in db_rows(database, "SELECT DISTINCT area_code FROM statbank_cell")}
    assert stored == set(CODES.values())


def test_municipalities_by_code_with_kommune_and_old_spellings(database, tmp_path):
    labels = {
        "0201": ENCODING_FIGURES["Allerød"],  # Allerød by code with a leading zero
        "492": ENCODING_FIGURES["Ærø"],  # Ærø by code
        "Tårnby Kommune": ENCODING_FIGURES["Tårnby"],
        "Århus": ENCODING_FIGURES["Høje-Taastrup"],  # the old spelling of Aarhus
        "høje-taastrup kommune": {P41: (1, 0, 0, 0), P100: (1, 0, 0, 0), P85: (1, 0, 0, 0), P87: (1, 0, 0, 0),
                                  P32: (1, 0, 0, 0)},
    }
    f = write_statbank_csv(tmp_path / "koder.csv", statbank_rows(labels))

    result = run_cli("import", "statbank", f, db=database)

    assert result.code == 0, str(result)
    assert "5 kommuner" in result.out, str(result)
    rows = rates_json(database, "--year", "2024", "--map", "social")
    expected = {"201": "0201", "492": "492", "185": "Tårnby Kommune", "751": "Århus", "169": "høje-taastrup kommune"}
    names = {"201": "Allerød", "492": "Ærø", "185": "Tårnby", "751": "Aarhus", "169": "Høje-Taastrup"}
    for code, label in expected.items():
        row = rate_row(rows, code, "social")
        assert row["municipality"] == names[code]
        assert_map_counts(row, map_counts(labels[label], "social"))


# ---- 10. '..' is not available, never zero -----------------------------------------------------------

def test_not_available_is_never_read_as_zero(database, tmp_path):
    figures = {
        "Allerød": dict(BASELINE_FIGURES["Allerød"]),
        "Ærø": dict(BASELINE_FIGURES["Ærø"]),
        "Hele landet": BASELINE_FIGURES["Hele landet"],
    }
    figures["Allerød"][P100] = (6, 0, None, 0)  # Hjemvist under § 100 is '..'
    rows = statbank_rows(figures)
    # The published law total still counts the hidden cases (here 2 of them).
    known = sum(c[2] for p, c in figures["Allerød"].items() if p.startswith("1.") and c[2] is not None)
    rows = with_value(rows, "Allerød", "1 Serviceloven", "Hjemvist", known + 2)
    law_total = sum(v for r in rows if r[:2] == ("Allerød", "1 Serviceloven") and r[2] in OUTCOMES
                    for v in [r[4]])
    rows = with_value(rows, "Allerød", "1 Serviceloven", "I alt", law_total)
    f = write_statbank_csv(tmp_path / "utilgaengelig.csv", rows)

    result = run_cli("import", "statbank", f, db=database)

    assert result.code == 0, str(result)
    # Stored as not available (NULL), not as 0: the Hjemvist cell and its "I alt".
    assert db_count(database, "SELECT count(*) FROM statbank_cell WHERE count IS NULL") == 2
    rows_out = rates_json(database, "--year", "2024")
    national_adult = rate_of(map_counts(figures["Hele landet"], "adult-disability"))

    adult = rate_row(rows_out, "201", "adult-disability")
    for k in ("upheld", "changed", "remitted", "dismissed", "merits", "reversed", "reversal_rate", "cases"):
        assert adult[k] is None, adult
    assert adult["note"], "a missing figure should say why"
    assert adult["national_rate"] == pytest.approx(national_adult, abs=1e-6)
    # The same municipality's other maps, other municipalities and the nation are unaffected.
    assert_map_counts(rate_row(rows_out, "201", "child-disability"),
                      map_counts(figures["Allerød"], "child-disability"))
    for m in MAPS:
        assert_map_counts(rate_row(rows_out, "492", m), map_counts(figures["Ærø"], m))
        assert_map_counts(rate_row(rows_out, "000", m), map_counts(figures["Hele landet"], m))


# ---- 11. re-import and vintages -------------------------------------------------------------------------

def test_reimporting_the_same_file_changes_nothing(baseline_database, baseline_template, tmp_path):
    # The same bytes as the baseline import, under another name.
    f = write_statbank_csv(tmp_path / "igen.csv", baseline_rows())
    original = baseline_template.parent / BASELINE_FILE
    assert f.read_bytes() == original.read_bytes()
    before = dump_db(baseline_database)

    result = run_cli("import", "statbank", f, "--as-of", "2025-09-01", db=baseline_database)

    assert result.code == 0, str(result)
    assert "allerede importeret" in result.out, str(result)
    assert dump_db(baseline_database) == before


def test_a_later_vintage_wins_and_as_of_gives_the_older_figures(baseline_database, tmp_path):
    newer = {
        "Allerød": {P41: (4, 2, 3, 1), P100: (5, 1, 6, 0), P85: (10, 2, 3, 1), P87: (3, 1, 4, 0), P32: (7, 0, 1, 2)},
        "Hele landet": BASELINE_FIGURES["Hele landet"],
    }
    f = write_statbank_csv(tmp_path / "ankeast1-2024-juni.csv", statbank_rows(newer))

    result = run_cli("import", "statbank", f, "--as-of", "2025-06-01", db=baseline_database)
    assert result.code == 0, str(result)
    assert "importeret" in result.out and "01-06-2025" in result.out, str(result)

    latest = rates_json(baseline_database, "--year", "2024")
    older = rates_json(baseline_database, "--year", "2024", "--as-of", "2025-04-15")
    on_the_day = rates_json(baseline_database, "--year", "2024", "--as-of", BASELINE_AS_OF)
    for m in MAPS:
        assert_map_counts(rate_row(latest, "201", m), map_counts(newer["Allerød"], m))
        assert_map_counts(rate_row(older, "201", m), map_counts(BASELINE_FIGURES["Allerød"], m))
        assert_map_counts(rate_row(on_the_day, "201", m), map_counts(BASELINE_FIGURES["Allerød"], m))
        # Ærø is not in the newer file: its figures from the older import still count.
        assert_map_counts(rate_row(latest, "492", m), map_counts(BASELINE_FIGURES["Ærø"], m))
    assert latest != older

    before_any = run_cli("rates", "--year", "2024", "--as-of", "2025-01-01", db=baseline_database)
    assert before_any.code == 2, str(before_any)
    assert "2024" in before_any.err


def test_one_municipality_written_two_ways_is_refused_as_the_same_cells(baseline_database, tmp_path):
    rows = statbank_rows({"Allerød": BASELINE_FIGURES["Allerød"]})
    second = len(rows) + 2
    rows += statbank_rows({"201": BASELINE_FIGURES["Allerød"]})
    f = write_statbank_csv(tmp_path / "to-navne.csv", rows)
    before = dump_db(baseline_database)

    result = run_cli("import", "statbank", f, db=baseline_database)

    assert_refused(result, baseline_database, before, f)
    problem = assert_problem(result, f, line=second, says="to gange")
    assert "linje 2" in problem, problem


def test_a_bad_file_among_good_ones_imports_none_of_them(baseline_database, tmp_path):
    good = write_statbank_csv(tmp_path / "god.csv", statbank_rows({"Tårnby": ENCODING_FIGURES["Tårnby"]}))
    bad = write_statbank_csv(tmp_path / "daarlig.csv", baseline_rows() + [("Atlantis", P100, "Hjemvist", "2024", 1)])
    before = dump_db(baseline_database)

    result = run_cli("import", "statbank", good, bad, db=baseline_database)

    assert_refused(result, baseline_database, before, bad)


# ---- 12. the national level --------------------------------------------------------------------------

def test_the_national_rate_is_never_computed_from_a_subset(database, tmp_path):
    f = write_statbank_csv(tmp_path / "alleroed.csv", statbank_rows({"Allerød": BASELINE_FIGURES["Allerød"]}))

    result = run_cli("import", "statbank", f, db=database)

    assert result.code == 0, str(result)
    assert "intet landstal" in result.out, str(result)
    rows = rates_json(database, "--year", "2024")
    for m in MAPS:
        allerod = rate_row(rows, "201", m)
        assert_map_counts(allerod, map_counts(BASELINE_FIGURES["Allerød"], m))
        assert allerod["national_rate"] is None, allerod
        national = rate_row(rows, "000", m)
        assert national["reversal_rate"] is None and national["upheld"] is None, national
        assert national["note"] and "Landstallet" in national["note"], national
    table = run_cli("rates", "--year", "2024", db=database)
    assert table.code == 0, str(table)
    assert "Landstallet" in table.out, str(table)


def test_the_national_rate_comes_from_the_hele_landet_rows(database, tmp_path):
    figures = {"Allerød": BASELINE_FIGURES["Allerød"], "Hele landet": BASELINE_FIGURES["Hele landet"]}
    f = write_statbank_csv(tmp_path / "med-landstal.csv", statbank_rows(figures))

    result = run_cli("import", "statbank", f, db=database)

    assert result.code == 0, str(result)
    rows = rates_json(database, "--year", "2024")
    for m in MAPS:
        expected = rate_of(map_counts(figures["Hele landet"], m))
        assert rate_row(rows, "201", m)["national_rate"] == pytest.approx(expected, abs=1e-6)
        assert_map_counts(rate_row(rows, "000", m), map_counts(figures["Hele landet"], m))


# ---- 13. JSON-stat ---------------------------------------------------------------------------------------

JSON_FIGURES = {
    "Allerød": {P41: (5, 1, 2, 1), P100: (6, 0, None, 0), P85: (10, 2, 3, 1), P87: (3, 1, 4, 0), P32: (7, 0, 1, 2)},
    "Ærø": BASELINE_FIGURES["Ærø"],
    "Hele landet": BASELINE_FIGURES["Hele landet"],
}


def test_json_stat_gives_the_same_rates_as_the_same_table_in_csv(make_database, tmp_path):
    rows = statbank_rows(JSON_FIGURES)
    csv_file = write_statbank_csv(tmp_path / "ankeast1.csv", rows)
    json_file = write_jsonstat(tmp_path / "ankeast1.json", rows)
    assert None in json.loads(json_file.read_text(encoding="utf-8"))["value"]
    csv_db, json_db = make_database(), make_database()

    assert (r := run_cli("import", "statbank", csv_file, db=csv_db)).code == 0, str(r)
    result = run_cli("import", "statbank", json_file, db=json_db)

    assert result.code == 0, str(result)
    assert "JSON-stat" in result.out, str(result)
    from_csv = rates_json(csv_db, "--year", "2024")
    from_json = rates_json(json_db, "--year", "2024")
    assert from_json == from_csv
    assert rate_row(from_json, "201", "adult-disability")["reversal_rate"] is None  # the null value
    assert_map_counts(rate_row(from_json, "492", "social"), map_counts(JSON_FIGURES["Ærø"], "social"))
    assert db_count(json_db, "SELECT count(*) FROM statbank_cell") == db_count(csv_db, "SELECT count(*) FROM statbank_cell")


def test_json_stat_with_category_index_as_a_list(database, tmp_path):
    rows = statbank_rows({"Ærø": BASELINE_FIGURES["Ærø"], "Hele landet": BASELINE_FIGURES["Hele landet"]})
    f = write_jsonstat(tmp_path / "liste.json", rows, index_as_list=True)

    result = run_cli("import", "statbank", f, db=database)

    assert result.code == 0, str(result)
    rows_out = rates_json(database, "--year", "2024", "--municipality", "Ærø")
    for m in MAPS:
        assert_map_counts(rate_row(rows_out, "492", m), map_counts(BASELINE_FIGURES["Ærø"], m))


def test_an_invalid_json_file_is_refused(baseline_database, tmp_path):
    f = tmp_path / "ankeast1.json"
    f.write_text('{"version": "2.0", "class": "dataset",\n "id": ["OMRÅDE", "TID",\n}\n', encoding="utf-8")
    before = dump_db(baseline_database)

    result = run_cli("import", "statbank", f, db=baseline_database)

    assert_refused(result, baseline_database, before, f)
    assert_problem(result, f, line=3, says="JSON")


def test_json_that_is_not_a_json_stat_dataset_is_refused(baseline_database, tmp_path):
    f = tmp_path / "liste.json"
    f.write_text('[{"OMRÅDE": "Allerød", "INDHOLD": 3}]', encoding="utf-8")
    before = dump_db(baseline_database)

    result = run_cli("import", "statbank", f, db=baseline_database)

    assert_refused(result, baseline_database, before, f)
    assert_problem(result, f, says="JSON-stat")


def test_json_stat_with_a_byte_order_mark_imports(database, tmp_path):
    rows = statbank_rows({"Ærø": BASELINE_FIGURES["Ærø"], "Hele landet": BASELINE_FIGURES["Hele landet"]})
    f = write_jsonstat(tmp_path / "bom.json", rows, bom=True)

    result = run_cli("import", "statbank", f, db=database)

    assert result.code == 0, str(result)
    assert_map_counts(rate_row(rates_json(database, "--year", "2024"), "492", "social"),
                      map_counts(BASELINE_FIGURES["Ærø"], "social"))


def test_json_stat_with_fewer_values_than_its_size_is_refused(baseline_database, tmp_path):
    rows = statbank_rows(JSON_FIGURES)
    f = write_jsonstat(tmp_path / "afkortet.json", rows)
    doc = json.loads(f.read_text(encoding="utf-8"))
    doc["value"] = doc["value"][:-10]  # a truncated download
    f.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    before = dump_db(baseline_database)

    result = run_cli("import", "statbank", f, db=baseline_database)

    assert_refused(result, baseline_database, before, f)
    problem = assert_problem(result, f)
    assert str(len(doc["value"])) in problem and str(len(doc["value"]) + 10) in problem, problem


# ---- 14. quarters only -----------------------------------------------------------------------------------

def test_a_year_is_derived_from_all_four_quarters(database, tmp_path):
    rows = []
    for q in (1, 2, 3, 4):
        rows += statbank_rows({"Ærø": BASELINE_FIGURES["Ærø"], "Hele landet": BASELINE_FIGURES["Hele landet"]},
                              f"2024K{q}")
    # 2013 starts with the second quarter in the statistics bank: K2-K4 make the year.
    for q in (2, 3, 4):
        rows += statbank_rows({"Ærø": BASELINE_FIGURES["Ærø"]}, f"2013K{q}")
    f = write_statbank_csv(tmp_path / "ankeast2.csv", rows)

    result = run_cli("import", "statbank", f, db=database)

    assert result.code == 0, str(result)
    assert "kvartalerne" in result.out, str(result)
    four = {p: tuple(4 * v for v in c) for p, c in BASELINE_FIGURES["Ærø"].items()}
    three = {p: tuple(3 * v for v in c) for p, c in BASELINE_FIGURES["Ærø"].items()}
    national = {p: tuple(4 * v for v in c) for p, c in BASELINE_FIGURES["Hele landet"].items()}
    rows_2024 = rates_json(database, "--year", "2024", "--municipality", "Ærø")
    for m in MAPS:
        assert_map_counts(rate_row(rows_2024, "492", m), map_counts(four, m))
        assert_map_counts(rate_row(rows_2024, "000", m), map_counts(national, m))
    rows_2013 = rates_json(database, "--year", "2013", "--municipality", "Ærø", "--map", "adult-disability")
    assert_map_counts(rate_row(rows_2013, "492", "adult-disability"), map_counts(three, "adult-disability"))


def test_a_year_is_not_derived_from_some_of_its_quarters(database, tmp_path):
    rows = []
    for q in (1, 2):
        rows += statbank_rows({"Ærø": BASELINE_FIGURES["Ærø"], "Hele landet": BASELINE_FIGURES["Hele landet"]},
                              f"2024K{q}")
    f = write_statbank_csv(tmp_path / "halvaar.csv", rows)

    result = run_cli("import", "statbank", f, db=database)

    assert result.code == 0, str(result)
    assert "2024" in result.out and "ikke beregnet" in result.out, str(result)
    assert db_count(database, "SELECT count(*) FROM statbank_cell WHERE quarter > 0") == len(rows)
    assert db_count(database, "SELECT count(*) FROM statbank_cell WHERE quarter = 0") == 0
    rates = run_cli("rates", "--year", "2024", "--format", "json", db=database)
    assert rates.code == 2, str(rates)  # no figure for 2024, and no made-up one either
    assert "2024" in rates.err


def test_a_newer_file_with_fewer_paragraphs_says_what_drops_out(baseline_database, tmp_path):
    # A newer download of one paragraph wins the law for Allerød, so the others drop out: say so.
    rows = statbank_rows({"Allerød": {P100: (1, 0, 1, 0)}})
    f = write_statbank_csv(tmp_path / "kun-100.csv", rows)
    result = run_cli("import", "statbank", f, "--as-of", "2025-09-01", db=baseline_database)
    assert result.code == 0, str(result)
    said = squash(result.stdout)
    assert "mangler" in said and "§ 85" in said and "--as-of 2025-03-01" in said
    # The old figures are still there as of the old date.
    older = rate_row(rates_json(baseline_database, "--year", "2024", "--as-of", "2025-03-01",
                                "--municipality", "Allerød"), "201", "adult-disability")
    newer = rate_row(rates_json(baseline_database, "--year", "2024", "--municipality", "Allerød"), "201",
                     "adult-disability")
    assert (older["merits"], newer["merits"]) == (10, 2)


@pytest.mark.parametrize(
    "args, says",
    [
        (("rates",), "Tilvalget --year mangler"),
        (("rates", "--year", "2024", "--map", "foo"), "Ukendt kort 'foo'"),
        (("rates", "--year", "2024", "--by", "kommune"), "Ukendt opdeling 'kommune'"),
        (("rates", "--year", "2024", "--definition", "alle"), "Ukendt definition 'alle'"),
        (("rates", "--year", "abc"), "Ugyldigt år 'abc'"),
        (("rates", "--year", "2024", "--municipality", "Atlantis"), "Ukendt kommune 'Atlantis'"),
        (("rates", "--year", "2024", "--neighbours"), "--neighbours kræver"),
        (("import", "statbank"), "mangler"),
    ],
)
def test_command_line_mistakes_get_a_danish_message_and_exit_2(baseline_database, args, says):
    result = run_cli(*args, db=baseline_database)
    assert result.code == 2, str(result)
    assert says in squash(result.stderr), str(result)
    assert "Traceback" not in result.stderr


ENGLISH = ("Usage", "Options", "Commands", "Show this message", "[required]", "[default:", "<str>", "<path>",
           "<int>", "Missing", "Error", "Try '")


def test_every_command_s_help_is_danish_and_whole():
    """--help of every command, in Danish (Click's own words too), with each command's
    description in full in the list of commands; --version says which klagestat this is."""
    from typer.main import get_command

    from klagestat.cli import app

    def paths(command, prefix=()):
        yield prefix
        for name, sub in getattr(command, "commands", {}).items():
            yield from paths(sub, (*prefix, name))

    root = get_command(app)
    for path in paths(root):
        result = run_cli(*path, "--help")
        assert result.code == 0, str(result)
        for word in ENGLISH:
            assert word not in result.stdout, f"{' '.join(path)}: {word!r}"
    listing = run_cli("--help").out
    for name, sub in root.commands.items():
        first = " ".join((sub.help or "").strip().split("\n\n")[0].split())
        assert f"{name} {first}" in listing, name
    version = run_cli("--version")
    assert version.code == 0 and re.fullmatch(r"klagestat \d+\.\d+\.\d+\S*", version.stdout.strip())
    empty_group = run_cli("import")
    assert empty_group.code == 2 and "Brug: klagestat import" in empty_group.stderr and "Fejl" not in empty_group.stderr


def test_a_reading_command_without_a_database_says_which_file_it_looked_for(tmp_path):
    """Without --db, klagestat.db in the working folder: a reading command doesn't create it
    empty, it says so, and points to the demo's database when there is one."""
    missing = run_cli("rates", "--year", "2024", cwd=tmp_path)
    assert missing.code == 2 and "Databasen klagestat.db findes ikke" in missing.err and "uden --db" in missing.err
    assert not (tmp_path / "klagestat.db").exists()
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "klagestat-demo.db").write_bytes(b"")
    pointed = run_cli("report", "complaints", "--municipality", "Allerød", "--year", "2024", "--out", "k.docx",
                      cwd=tmp_path)
    assert pointed.code == 2 and "--db demo/klagestat-demo.db" in pointed.err
