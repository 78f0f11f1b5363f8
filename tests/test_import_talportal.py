"""`klagestat import statbank` reads what municipalities download from Ankestyrelsens Talportal.

- The same counts written as a statistics-bank file, a Talportal CSV (latin-1 or UTF-8 with BOM,
  any subset and order of the measures that gives the counts on the merits) and a Talportal XLSX
  (measures over periods or periods over measures) give identical `rates` output.
- Counts that follow from others are derived; every other count and rate is checked, and a
  contradiction refuses the file naming the line, the column and both values.
- NA is not available, never 0; a file without dismissed cases gives the official rate, and the
  rate over all decided cases says why it is not available.
- Quarters make a year only when all four are there; "I alt" rows and region rows are checked
  and never added; other bodies' rows are skipped with a note.
- A file with rates only is refused with advice; bad files are refused in Danish, the database
  unchanged.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klagestat import api
from klagestat.domain.legal_basis import BasisLevel
from klagestat.render.rate_rows import to_dicts

from conftest import (
    BASELINE_FIGURES,
    P32,
    P41,
    P85,
    P87,
    P100,
    assert_problem,
    db_rows,
    dump_db,
    rate_row,
    rates_json,
    run_cli,
    statbank_rows,
    write_statbank_csv,
)
from talportal_files import (
    AREA,
    CHANGED,
    DAYS,
    DECIDED,
    DISMISSED,
    MERITS,
    REMITTED,
    REVERSAL,
    SUBJECT,
    UPHELD,
    UPHELD_RATE,
    law_and_subject,
    talportal_rows,
    write_talportal_csv,
    write_talportal_xlsx,
)

YEAR = "2024"


def imported(db, *files, **options) -> None:
    args = [a for k, v in options.items() for a in (f"--{k.replace('_', '-')}", v)]
    result = run_cli("import", "statbank", *files, *args, db=db)
    assert result.code == 0, str(result)
    assert "Traceback" not in result.err


def refused(db, file):
    before = dump_db(db) if Path(db).exists() or str(db).startswith("postgresql") else None
    result = run_cli("import", "statbank", file, db=db)
    assert result.code == 2, str(result)
    assert "Traceback" not in result.err + result.out
    if before is not None:
        assert dump_db(db) == before
    return result


# ---- the same counts in every format ------------------------------------------------------------

def rates_of(files: list[Path], years: str = YEAR) -> dict[str, list[dict]]:
    """`klagestat rates` (as JSON rows) by map and by provision, from a new database holding the files."""
    with tempfile.TemporaryDirectory() as folder:
        engine = api.open_database(str(Path(folder) / "k.db"))
        try:
            api.import_statbank(engine, files)
            return {by: to_dicts(api.rates(engine, years, by=by)) for by in ("map", "provision")}
        finally:
            engine.dispose()


def figures_strategy():
    count = st.integers(min_value=0, max_value=40)
    counts = st.tuples(count, count, count, count)
    provisions = st.fixed_dictionaries({p: counts for p in (P41, P100, P85, P87)})
    return st.fixed_dictionaries({"Allerød": provisions, "Ærø": provisions, "Hele landet": provisions})


LAYOUTS = {
    "every count and the rate": (DECIDED, UPHELD, CHANGED, REMITTED, DISMISSED, MERITS, REVERSAL),
    "merits and two parts, decided for the dismissed": (REVERSAL, MERITS, REMITTED, DECIDED, UPHELD),
    "the four outcomes in another order": (DISMISSED, REMITTED, UPHELD, CHANGED),
}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(figures=figures_strategy(), layout=st.sampled_from(sorted(LAYOUTS)), latin1=st.booleans(),
       measures_on_top=st.booleans(), subject_first=st.booleans())
def test_the_same_counts_as_statbank_csv_talportal_csv_and_xlsx_give_the_same_rates(
        tmp_path, figures, layout, latin1, measures_on_top, subject_first):
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    statbank = write_statbank_csv(folder / "ankeast.csv", statbank_rows(figures, YEAR))
    columns = LAYOUTS[layout]
    csv_file = write_talportal_csv(folder / "talportal.csv", talportal_rows(figures, YEAR, columns), columns,
                                   encoding="latin-1" if latin1 else "utf-8", bom=not latin1)
    xlsx_file = write_talportal_xlsx(folder / "talportal.xlsx", {YEAR: figures}, [YEAR], columns,
                                     measures_on_top=measures_on_top, subject_first=subject_first)
    expected = rates_of([statbank])
    assert rates_of([csv_file]) == expected
    assert rates_of([xlsx_file]) == expected


def test_a_talportal_csv_is_imported_on_both_databases_with_every_vintage_kept(database, tmp_path):
    rows = talportal_rows(BASELINE_FIGURES, YEAR)
    first = write_talportal_csv(tmp_path / "Talportal.csv", rows)
    imported(database, first, as_of="2025-03-01")
    held = dump_db(database)
    again = run_cli("import", "statbank", first, db=database)
    assert again.code == 0 and "intet er ændret" in again.out, str(again)
    assert dump_db(database) == held

    newer = {"Allerød": dict(BASELINE_FIGURES["Allerød"], **{P100: (1, 0, 1, 0)})}
    second = write_talportal_csv(tmp_path / "Talportal-nyere.csv", talportal_rows(newer, YEAR))
    imported(database, second, as_of="2025-06-01")
    latest = rates_json(database, "--year", YEAR, "--municipality", "Allerød", "--by", "provision")
    assert rate_row(latest, "201", group="Serviceloven § 100 (Voksne - merudgifter)")["merits"] == 2
    before = rates_json(database, "--year", YEAR, "--municipality", "Allerød", "--by", "provision",
                        "--as-of", "2025-04-01")
    assert rate_row(before, "201", group="Serviceloven § 100 (Voksne - merudgifter)")["merits"] == 10


def test_the_talportal_example_with_quarters_na_and_i_alt_rows(tmp_path):
    db = tmp_path / "k.db"
    text = (
        '"Kommune";"Lovgivning";"Sagsemne";"periode";"Afgjorte sager";"Stadfæstede sager";'
        '"Ændrede/ophævede sager";"Hjemviste sager";"Afviste sager";"Realitetsbehandlede sager i alt";'
        '"Omgørelsesprocent"\n'
        '"Lejre";"Serviceloven";"Voksne - merudgifter - § 100";"2024";3;0;0;1;2;1;1\n'
        '"Lejre";"Serviceloven";"Voksne - kontante tilskud § 95";"2024";NA;NA;1;2;NA;3;1\n'
        '"Lejre";NA;"I alt";"2024";NA;0;1;3;NA;4;1\n'
        '"Hele landet";"Serviceloven";"Voksne - ledsageordning - § 97";"2024 - 3. kvartal";77;45;4;25;3;74;'
        '0,391891891891892\n'
    )
    f = tmp_path / "talportal.csv"
    f.write_bytes(text.encode("latin-1"))
    imported(db, f)
    rows = rates_json(db, "--year", YEAR, "--municipality", "Lejre", "--by", "provision", "--map", "adult-disability")
    p95 = rate_row(rows, "350", group="Serviceloven § 95 (Voksne - kontante tilskud)")
    # Stadfæstede NA is 3 - 1 - 2 = 0, derived; Afviste NA with Afgjorte NA is not available.
    assert (p95["upheld"], p95["changed"], p95["remitted"], p95["dismissed"]) == (0, 1, 2, None)
    assert p95["reversal_rate"] == 1.0
    decided = rates_json(db, "--year", YEAR, "--municipality", "Lejre", "--by", "provision", "--map",
                         "adult-disability", "--definition", "all-decided")
    p95 = rate_row(decided, "350", group="Serviceloven § 95 (Voksne - kontante tilskud)")
    assert p95["reversal_rate"] is None and "ikke tilgængelig: filen havde ikke afviste sager" in p95["note"]
    assert rate_row(decided, "350", group="Serviceloven § 100 (Voksne - merudgifter)")["reversal_rate"] == 1 / 3


def test_a_file_without_dismissed_cases_gives_the_official_rate_and_says_why_the_other_is_missing(tmp_path):
    db = tmp_path / "k.db"
    columns = (UPHELD, CHANGED, REMITTED)
    f = write_talportal_csv(tmp_path / "t.csv", talportal_rows(BASELINE_FIGURES, YEAR, columns, totals=False), columns)
    imported(db, f)
    official = rate_row(rates_json(db, "--year", YEAR, "--municipality", "Allerød"), "201", "adult-disability")
    assert official["merits"] == 10 and official["reversed"] == 4 and official["dismissed"] is None
    table = run_cli("rates", "--year", YEAR, "--municipality", "Allerød", "--definition", "all-decided", db=db)
    assert table.code == 0 and "ikke tilgængelig" in table.out and "filen havde ikke afviste sager" in table.out


def test_quarters_make_a_year_only_when_all_four_are_there(tmp_path):
    db = tmp_path / "k.db"
    quarter_figures = {"Allerød": {P100: (1, 1, 0, 0)}, "Hele landet": {P100: (10, 2, 3, 1)}}
    rows = [r for q in (1, 2, 3, 4) for r in talportal_rows(quarter_figures, f"2024 - {q}. kvartal", totals=False)]
    imported(db, write_talportal_csv(tmp_path / "kvartaler.csv", rows))
    row = rate_row(rates_json(db, "--year", YEAR, "--municipality", "Allerød"), "201", "adult-disability")
    assert (row["upheld"], row["changed"]) == (4, 4)

    three = [r for q in (1, 2, 3) for r in talportal_rows(quarter_figures, f"{q}. kvartal 2023", totals=False)]
    other = tmp_path / "other.db"
    result = run_cli("import", "statbank", write_talportal_csv(tmp_path / "tre.csv", three), db=other)
    assert result.code == 0 and "2023 har ikke alle kvartaler" in result.out, str(result)


# ---- totals, regions and other bodies ------------------------------------------------------------

def test_an_i_alt_row_that_contradicts_its_subjects_is_refused(tmp_path):
    rows = talportal_rows(BASELINE_FIGURES, YEAR)
    total = next(i for i, r in enumerate(rows) if r[AREA] == "Ærø" and r[SUBJECT] == "I alt")
    rows[total] = dict(rows[total], **{UPHELD: rows[total][UPHELD] + 1, MERITS: rows[total][MERITS] + 1,
                                       DECIDED: rows[total][DECIDED] + 1, REVERSAL: None})
    f = write_talportal_csv(tmp_path / "t.csv", rows)
    result = refused(tmp_path / "k.db", f)
    assert_problem(result, f, line=total + 2, says="passer ikke med summen af lovene")


def test_region_and_chosen_municipalities_rows_are_checked_and_never_added(tmp_path):
    members = {"Allerød": {P100: (3, 1, 0, 0)}, "Ærø": {P100: (2, 0, 1, 1)}}
    rows = talportal_rows(members, YEAR, totals=False)
    # The two municipalities' "I alt" (Kommune) and their regions (partly present: at least the sum).
    rows.append(talportal_rows({"I alt": {P100: (5, 1, 1, 1)}}, YEAR, totals=False)[0])
    rows.append(talportal_rows({"Region Hovedstaden": {P100: (40, 5, 5, 2)}}, YEAR, totals=False)[0])
    rows.append(talportal_rows({"Kommunale fællesskaber": {P100: (1, 0, 0, 0)}}, YEAR, totals=False)[0])
    db = tmp_path / "k.db"
    f = write_talportal_csv(tmp_path / "t.csv", rows)
    result = run_cli("import", "statbank", f, db=db)
    assert result.code == 0, str(result)
    assert "1 rækker for andre end kommuner" in result.out and "Kommunale fællesskaber" in result.out
    areas = {a for (a,) in db_rows(db, "SELECT DISTINCT area_code FROM statbank_cell")}
    assert areas == {"201", "492", "1084"}  # no "I alt"; the region is kept as it was written

    bad = rows[:2] + [talportal_rows({"I alt": {P100: (6, 1, 1, 1)}}, YEAR, totals=False)[0]]
    f = write_talportal_csv(tmp_path / "bad.csv", bad)
    result = refused(tmp_path / "bad.db", f)
    assert_problem(result, f, line=4, says="de valgte kommuner")


# ---- contradictions and what the file lacks ------------------------------------------------------

def test_a_contradicting_rate_names_the_line_the_column_and_both_values(tmp_path, baseline_db):
    rows = talportal_rows(BASELINE_FIGURES, YEAR)
    rows[1] = dict(rows[1], **{REVERSAL: "0,45"})  # Allerød § 100: 4 of 10 on the merits is 0,4
    f = write_talportal_csv(tmp_path / "t.csv", rows)
    result = refused(baseline_db, f)
    problem = assert_problem(result, f, line=3, column=REVERSAL, value="0,45")
    assert "4 / 10 = 40,00 %" in problem


def test_a_rate_written_as_a_rounded_percent_is_read_to_its_decimals(tmp_path):
    columns = (UPHELD, CHANGED, REMITTED, DISMISSED, UPHELD_RATE)
    rows = talportal_rows(BASELINE_FIGURES, YEAR, columns, percent=True)
    for row in rows:
        row[UPHELD_RATE] = "NA" if row[UPHELD_RATE] is None else f"{float(row[UPHELD_RATE]):.1f}".replace(".", ",")
    imported(tmp_path / "k.db", write_talportal_csv(tmp_path / "t.csv", rows, columns))


def test_counts_that_do_not_add_up_are_refused(tmp_path):
    rows = talportal_rows(BASELINE_FIGURES, YEAR)
    rows[0] = dict(rows[0], **{MERITS: rows[0][MERITS] + 1})
    f = write_talportal_csv(tmp_path / "t.csv", rows)
    result = refused(tmp_path / "k.db", f)
    assert_problem(result, f, line=2, column=MERITS, says="stadfæstede + ændrede/ophævede + hjemviste")


def test_a_file_of_rates_only_is_refused_with_advice_to_tick_the_counts(tmp_path):
    columns = (REVERSAL, UPHELD_RATE)
    f = write_talportal_csv(tmp_path / "t.csv", talportal_rows(BASELINE_FIGURES, YEAR, columns), columns)
    result = refused(tmp_path / "k.db", f)
    assert "kun procenter" in result.err and "Vælg antallene" in result.err


def test_a_file_missing_a_count_that_cannot_be_derived_is_refused(tmp_path):
    columns = (UPHELD, REMITTED, DECIDED)
    f = write_talportal_csv(tmp_path / "t.csv", talportal_rows(BASELINE_FIGURES, YEAR, columns), columns)
    result = refused(tmp_path / "k.db", f)
    assert "ændrede/ophævede" in result.err and "Vælg antallene" in result.err


def test_processing_days_are_kept_and_averaged_over_a_map_by_decided_cases(tmp_path):
    columns = (UPHELD, CHANGED, REMITTED, DISMISSED, DAYS, "Antal indkomne sager")
    rows = talportal_rows(BASELINE_FIGURES, YEAR, (UPHELD, CHANGED, REMITTED, DISMISSED), totals=False)
    days = {P41: "80", P100: "112,5", P85: "NA", P87: "60", P32: "40"}
    subjects = {law_and_subject(p)[1]: d for p, d in days.items()}
    for row in rows:
        row[DAYS], row["Antal indkomne sager"] = subjects[row[SUBJECT]], "7"
    db = tmp_path / "k.db"
    result = run_cli("import", "statbank", write_talportal_csv(tmp_path / "t.csv", rows, columns), db=db)
    assert result.code == 0 and "'Antal indkomne sager'" in result.out, str(result)
    rows = rates_json(db, "--year", YEAR, "--municipality", "Allerød")
    # Child disability: § 41 (5+1+2+1 = 9 decided, 80 days) and §§ 87-88 (3+1+4+0 = 8, 60 days).
    assert rate_row(rows, "201", "child-disability")["processing_days"] == (9 * 80 + 8 * 60) / 17
    assert rate_row(rows, "201", "social")["processing_days"] is None  # § 85 has no processing time
    out = tmp_path / "sag.md"
    assert run_cli("report", "danmarkskort", "--municipality", "Allerød", "--year", YEAR, "--out", out, db=db).code == 0
    assert "i gennemsnit 71 dage i 2024" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(("content", "says"), [
    (b"", "tom"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "PDF"),
    (bytes(range(256)) * 40, "binære"),
])
def test_files_that_are_not_statistics_are_refused_in_danish(tmp_path, baseline_db, content, says):
    f = tmp_path / "statistik.csv"
    f.write_bytes(content)
    result = refused(baseline_db, f)
    assert says.lower() in result.err.lower(), str(result)


def test_a_workbook_that_is_not_a_talportal_table_is_refused_in_danish(tmp_path, baseline_db):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["sags_id", "lovgrundlag", "afgoerelsesdato"])
    book.active.append(["1", "SEL § 100", "2024-01-02"])
    f = tmp_path / "register.xlsx"
    book.save(f)
    result = refused(baseline_db, f)
    assert "Talportal" in result.err


# ---- labels --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("law", "subject", "key"), [
    ("Serviceloven", "Merudgiftydelse §41 + tilbagebetaling", "serviceloven:41"),
    ("Serviceloven", "Tabt arbejdsfortjeneste §§ 42,43 + tilbagebetaling", "serviceloven:42+43"),
    ("Serviceloven", "Tabt arbejdsfortjeneste §§ 42- 43", "serviceloven:42+43"),
    ("Serviceloven", "Pasningstilbud, hjemmetræning m.m. §§32, 32a, 36, 39-40 + tilbagebet.",
     "serviceloven:32+32a+36+39+40"),
    ("Serviceloven", "Personlig hjælp og ledsagelse §§44, 45 + tilbagebetaling", "serviceloven:44+45"),
    ("Serviceloven", "Voksne - botilbud - §§ 107-110 (2013-2018)", "serviceloven:107+108+109+110"),
    ("Serviceloven", "Voksne - botilbud §§ 109 og 110", "serviceloven:109+110"),
    ("Lov om social service", "Voksne - kontante tilskud § 95", "serviceloven:95"),
])
def test_talportal_subjects_are_placed_under_the_law_of_their_row(law, subject, key):
    from klagestat.catalogue import load_catalogue

    catalogue = load_catalogue()
    ref = catalogue.recognise_basis(subject, law=catalogue.find_law(law))
    assert (ref.level, ref.provision_key) == (BasisLevel.PROVISION, key)


def test_a_statbank_file_of_paragraph_rows_only_places_labels_by_the_catalogues_names(tmp_path):
    rows = [("Allerød", label, outcome, YEAR, n) for label in ("3.1 Enkeltydelser - § 81", P100)
            for outcome, n in zip(("Stadfæstet", "Ændret/ophævet", "Hjemvist", "Afvist/henvist"), (2, 1, 1, 0))]
    db = tmp_path / "k.db"
    imported(db, write_statbank_csv(tmp_path / "paragraffer.csv", rows))
    laws = rates_json(db, "--year", YEAR, "--by", "law")
    assert {r["group"] for r in laws if not r["group_total"]} == {"Serviceloven", "Lov om aktiv socialpolitik"}


def test_an_xlsx_subject_whose_law_is_not_certain_is_listed_with_advice_to_use_the_csv(tmp_path):
    figures = {YEAR: {"Lejre": {P100: (1, 0, 1, 0), "1.9 Merudgiftydelse §41 + tilbagebetaling": (1, 1, 0, 0)}}}
    f = write_talportal_xlsx(tmp_path / "t.xlsx", figures, [YEAR], (UPHELD, CHANGED, REMITTED, DISMISSED))
    result = refused(tmp_path / "k.db", f)
    assert "Merudgiftydelse §41 + tilbagebetaling" in result.err and "CSV" in result.err and "Lovgivning" in result.err


def test_the_json_of_a_talportal_import_has_the_contract_fields(tmp_path):
    db = tmp_path / "k.db"
    imported(db, write_talportal_csv(tmp_path / "t.csv", talportal_rows(BASELINE_FIGURES, YEAR)))
    rows = json.loads(run_cli("rates", "--year", YEAR, "--format", "json", db=db).out)
    assert rows and {"year", "municipality_code", "reversal_rate", "dismissed", "note"} <= set(rows[0])


def test_every_problem_is_said_at_once_a_missing_outcome_and_unknown_labels_too(tmp_path):
    rows = [("Lejre", "1.1 Noget helt ukendt", outcome, YEAR, 3) for outcome in ("Stadfæstet", "Hjemvist")]
    f = write_statbank_csv(tmp_path / "begge.csv", rows)
    result = refused(tmp_path / "k.db", f)
    assert "Filen mangler afgørelsen" in result.err and "Ukendt lovgrundlag" in result.err


def test_a_csv_without_the_law_column_places_what_it_can_and_asks_for_the_column(tmp_path):
    text = ('"Kommune";"Sagsemne";"periode";"Stadfæstede sager";"Ændrede/ophævede sager";"Hjemviste sager"\n'
            '"Lejre";"Voksne - merudgifter - § 100";"2024";3;0;1\n"Lejre";"Merudgiftydelse §41";"2024";3;0;1\n')
    f = tmp_path / "uden-lov.csv"
    f.write_text(text, encoding="utf-8")
    result = refused(tmp_path / "k.db", f)
    assert_problem(result, f, line=3, value="Merudgiftydelse §41", says="Ukendt lovgrundlag")
    assert "vælg også Lovgivning" in result.err and "Voksne - merudgifter" not in result.err
