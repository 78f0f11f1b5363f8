"""`klagestat import cases`: the municipality's own register, from real CSV and XLSX files into a
real database (SQLite and PostgreSQL), through the installed command."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import stat

import pytest
from openpyxl import Workbook
from sqlalchemy import text

from klagestat.store.database import open_database, sqlite_files
from klagestat.store.schema import case_record

from conftest import (
    BASELINE_AS_OF,
    BASELINE_FIGURES,
    P100,
    assert_problem,
    dump_db,
    run_cli,
    statbank_rows,
    write_statbank_csv,
)

HEADER = ("sags_id", "cpr", "lovgrundlag", "omraade", "afgoerelsesdato", "klagedato", "genvurdering",
          "klageinstans", "videresendt", "instans_afgoerelsesdato", "udfald", "aarsag", "beskrivelse", "laering")
SECRET = "en-hemmelighed-til-testene-0123456789"


@pytest.fixture(autouse=True)
def own_secret(tmp_path, monkeypatch):
    """Every test has its own key: a developer's real key file is never read or created."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("KLAGESTAT_SECRET", SECRET)
    monkeypatch.delenv("KLAGESTAT_SECRET_FILE", raising=False)


def case(sags_id, **values) -> dict:
    row = {"sags_id": sags_id, "lovgrundlag": "SEL § 100", "omraade": "Voksne", "afgoerelsesdato": "01-02-2024",
           "klagedato": "15-02-2024", "genvurdering": "fastholdt", "videresendt": "01-03-2024",
           "instans_afgoerelsesdato": "10-09-2024", "udfald": "stadfæstet"}
    row.update(values)
    return row


def write_cases_csv(path, rows, *, header=HEADER, delimiter=";", encoding="utf-8", bom=False):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")  # quotes as Excel does
    writer.writerow(header)
    for r in rows:
        writer.writerow([r.get(h, "") for h in header])
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode(encoding))
    return path


def write_cases_xlsx(path, rows, *, header=HEADER, extra_sheets=(), merge=None):
    wb = Workbook()
    ws = wb.active
    ws.title = "Klagesager"
    ws.append(list(header))
    for r in rows:
        ws.append([r.get(h) for h in header])
    if merge:
        ws.merge_cells(merge)
    for name, cells in extra_sheets:
        other = wb.create_sheet(name)
        for row in cells:
            other.append(row)
    wb.save(path)
    return path


def query(db, sql: str, **params) -> list[tuple]:
    """Rows of a query on either database (a SQLite path or a postgresql:// URL)."""
    engine = open_database(str(db), create=False)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


def cases_of(db, code="201") -> dict[str, dict]:
    columns = [c.name for c in case_record.c]
    rows = query(db, "SELECT * FROM case_record WHERE municipality_code = :code", code=code)
    return {r[columns.index("case_id")]: dict(zip(columns, r)) for r in rows}


def import_cases(db, path, *args, municipality="Allerød"):
    return run_cli("import", "cases", path, "--municipality", municipality, *args, db=db)


# ---- good files ---------------------------------------------------------------------------------

def test_a_register_in_csv_is_imported_with_outcomes_dates_and_provisions(tmp_path, database):
    rows = [
        case("S-1", udfald="hjemvist", aarsag="oplysningsgrundlag; partshøring"),
        case("S-2", lovgrundlag="barnets lov §§ 87-88", udfald="ophævet", afgoerelsesdato="2024-01-05",
             klagedato="20.01.2024"),
        case("S-3", lovgrundlag="Serviceloven § 85", udfald="afvist", afgoerelsesdato="45300", klagedato="45310",
             videresendt="45320", instans_afgoerelsesdato="45400"),
        case("S-4", lovgrundlag="Aktivloven § 81", udfald="", instans_afgoerelsesdato="", genvurdering="delvist omgjort"),
        case("S-5", genvurdering="omgjort", videresendt="", instans_afgoerelsesdato="", udfald=""),
        case("S-6", klageinstans="KSU", lovgrundlag="Folkeskoleloven § 12", udfald="stadfæstet"),
    ]
    path = write_cases_csv(tmp_path / "register.csv", rows)
    result = import_cases(database, path)
    assert result.code == 0, str(result)
    assert "6 nye sager" in result.out and "0 afviste rækker" in result.out
    assert "'Folkeskoleloven § 12' (1)" in result.out  # unknown law: kept, and said so
    got = cases_of(database)
    assert set(got) == {f"S-{i}" for i in range(1, 7)}
    assert (got["S-1"]["outcome"], got["S-1"]["reasons"], got["S-1"]["provision_key"]) == (
        "remitted", "oplysningsgrundlag;partshoering", "serviceloven:100")
    assert (got["S-2"]["outcome"], got["S-2"]["outcome_label"], got["S-2"]["provision_key"]) == (
        "changed", "ophævet", "barnets-lov:87+88")
    assert str(got["S-2"]["decision_date"])[:10] == "2024-01-05"
    assert str(got["S-2"]["complaint_date"])[:10] == "2024-01-20"
    # Excel serial numbers: day 45300 is 8 January 2024.
    assert str(got["S-3"]["decision_date"])[:10] == (dt.date(1899, 12, 30) + dt.timedelta(45300)).isoformat()
    assert got["S-3"]["outcome"] == "dismissed"
    assert got["S-4"]["outcome"] is None and got["S-4"]["reassessment"] == "partly"
    assert got["S-5"]["reassessment"] == "reversed"
    assert got["S-6"]["complaint_body"] == "Klagenævnet for Specialundervisning" and got["S-6"]["law_id"] is None


@pytest.mark.parametrize("encoding,delimiter,bom", [("cp1252", ";", False), ("utf-8", ",", True), ("utf-8", "\t", False)])
def test_encodings_and_delimiters(tmp_path, encoding, delimiter, bom, empty_db):
    rows = [case("Æ-1", omraade="Ældre og Sundhed", beskrivelse="Hjælp i hjemmet, rengøring")]
    path = write_cases_csv(tmp_path / "register.csv", rows, delimiter=delimiter, encoding=encoding, bom=bom)
    result = import_cases(empty_db, path)
    assert result.code == 0, str(result)
    got = cases_of(empty_db)["Æ-1"]
    assert got["committee"] == "Ældre og Sundhed"
    assert got["description"] == "Hjælp i hjemmet, rengøring"


def test_xlsx_with_date_cells_and_a_formula_kept_as_text(tmp_path, database):
    rows = [case("X-1", afgoerelsesdato=dt.date(2024, 2, 1), klagedato=dt.date(2024, 2, 15),
                 videresendt=dt.date(2024, 3, 1), instans_afgoerelsesdato=dt.date(2024, 9, 10),
                 beskrivelse="=HYPERLINK(\"http://x\")")]
    path = write_cases_xlsx(tmp_path / "register.xlsx", rows)
    result = import_cases(database, path)
    assert result.code == 0, str(result)
    got = cases_of(database)["X-1"]
    assert str(got["body_decision_date"])[:10] == "2024-09-10"
    assert got["description"] == "=HYPERLINK(\"http://x\")"  # never evaluated


def test_a_columns_file_maps_other_names(tmp_path, empty_db):
    header = ("Sagsnummer", "Paragraf", "Afgørelse", "Klage modtaget", "Ankestyrelsens afgørelse", "Afgjort")
    path = tmp_path / "register.csv"
    path.write_text(";".join(header) + "\nK-1;SEL § 100;01-02-2024;15-02-2024;Hjemvist;10-09-2024\n", encoding="utf-8")
    columns = tmp_path / "kolonner.toml"
    columns.write_text('[columns]\nafgoerelsesdato = "Afgørelse"\nklagedato = "Klage modtaget"\n', encoding="utf-8")
    result = import_cases(empty_db, path, "--columns", columns)
    assert result.code == 0, str(result)
    got = cases_of(empty_db)["K-1"]
    assert got["outcome"] == "remitted" and str(got["complaint_date"])[:10] == "2024-02-15"


# ---- re-import: updates with history, nothing when identical ------------------------------------

def test_identical_reimport_changes_nothing_and_a_changed_file_keeps_history(tmp_path, database):
    first = write_cases_csv(tmp_path / "r1.csv", [case("S-1"), case("S-2", udfald="hjemvist")])
    assert import_cases(database, first).code == 0
    before = dump_db(database)
    again = import_cases(database, first)
    assert again.code == 0 and "intet er ændret" in again.out
    assert dump_db(database) == before

    # The same cases in a new file (other bytes, same content): nothing changes but the import log.
    same = write_cases_csv(tmp_path / "r1b.csv", [case("S-2", udfald="hjemvist"), case("S-1")], delimiter=",")
    result = import_cases(database, same)
    assert "0 nye sager, 0 ændrede" in result.out and "2 uændrede" in result.out
    assert {k: v for k, v in dump_db(database).items() if k != "case_import"} == \
        {k: v for k, v in before.items() if k != "case_import"}

    second = write_cases_csv(tmp_path / "r2.csv", [case("S-2", udfald="ændret"), case("S-3")])
    result = import_cases(database, second)
    assert result.code == 0, str(result)
    assert "1 nye sager, 1 ændrede" in result.out and "1 sager i databasen står ikke i filen" in result.out
    got = cases_of(database)
    assert (got["S-2"]["outcome"], got["S-2"]["version"]) == ("changed", 2)
    assert "S-1" in got  # not in the new file: kept
    history = query(database, "SELECT case_id, version, outcome FROM case_history")
    assert [tuple(r) for r in history] == [("S-2", 1, "remitted")]


# ---- bad input ------------------------------------------------------------------------------------

def test_bad_rows_are_rejected_with_row_and_column_and_the_rest_goes_in(tmp_path, database):
    rows = [
        case("OK-1"),
        case("D-1"),
        case("D-1", udfald="hjemvist"),  # duplicate sags_id
        case("A-1", afgoerelsesdato="01-03-2024", klagedato="01-02-2024"),  # decided after the complaint
        case("F-1", instans_afgoerelsesdato="01-01-2099"),  # in the future
        case("U-1", udfald="delvis medhold"),  # unknown outcome
        case("C-1", cpr="31139-12345"),  # wrong shape
        case("T-1", klagedato="31-02-2024"),  # not a date
    ]
    path = write_cases_csv(tmp_path / "register.csv", rows)
    rejects = tmp_path / "afviste.csv"
    result = import_cases(database, path, "--rejects", rejects)
    assert result.code == 0, str(result)
    assert "2 nye sager" in result.out and "6 afviste rækker" in result.out
    assert_problem(result, path, line=4, column="sags_id", value="D-1", says="også på linje 3")
    assert_problem(result, path, line=5, column="afgoerelsesdato", value="01-03-2024", says="efter klagen")
    assert_problem(result, path, line=6, column="instans_afgoerelsesdato", value="01-01-2099", says="fremtiden")
    assert_problem(result, path, line=7, column="udfald", value="delvis medhold", says="Ukendt udfald")
    problem = assert_problem(result, path, line=8, column="cpr", says="Ugyldigt CPR-nummer")
    assert "31139" not in problem and "værdi" not in problem  # the value is never shown
    assert_problem(result, path, line=9, column="klagedato", value="31-02-2024", says="findes ikke")
    # Kept in the database and in the file asked for.
    kept = query(database, "SELECT line, problems, cells FROM case_reject ORDER BY line")
    assert [r[0] for r in kept] == [4, 5, 6, 7, 8, 9]
    assert json.loads(kept[3][1])[0]["column"] == "udfald"
    # Each problem has a stable code beside its Danish message, for programs and for the web.
    assert [json.loads(problems)[0]["code"] for _, problems, _ in kept] == [
        "case-id-duplicate", "date-order", "date-in-future", "outcome-unknown", "cpr-invalid", "date-invalid"]
    assert "31139" not in kept[4][2]
    text = rejects.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("linje;kolonne;værdi;fejl;sags_id")
    assert "delvis medhold" in text and "31139" not in text
    # A clean register still writes the file, with its header only: a script can rely on it.
    clean = write_cases_csv(tmp_path / "rent.csv", [case("OK-9")])
    none_rejected = tmp_path / "ingen-afviste.csv"
    result = import_cases(database, clean, "--rejects", none_rejected)
    assert result.code == 0 and "Ingen rækker er afvist" in result.out
    assert none_rejected.read_text(encoding="utf-8-sig").splitlines() == ["linje;kolonne;værdi;fejl"]


def test_strict_imports_nothing_when_a_row_is_bad(tmp_path, database):
    path = write_cases_csv(tmp_path / "register.csv", [case("OK-1"), case("U-1", udfald="vundet")])
    before = dump_db(database) if os.path.exists(str(database)) else None
    result = import_cases(database, path, "--strict")
    assert result.code == 2, str(result)
    assert "--strict" in result.err and "intet er importeret" in result.err
    assert_problem(result, path, line=3, column="udfald", value="vundet")
    after = dump_db(database)
    assert not after.get("case_record") and not after.get("case_import")
    assert before is None or before == after


def test_a_broken_line_after_many_good_ones_stops_the_import_and_writes_nothing(tmp_path, database):
    # The file is read in chunks in a child process while earlier chunks are being inserted; a
    # line it can't read, far into the file, must still leave the database as it was.
    rows = [case(f"K-{n}", beskrivelse="Klage over afgørelse") for n in range(25_000)]
    path = write_cases_csv(tmp_path / "register.csv", rows)
    with path.open("a", encoding="utf-8", newline="") as f:
        f.write('K-LAST;;SEL § 100;Voksne;01-02-2024;15-02-2024;;;;;;;"aldrig lukket\r\n')
    result = import_cases(database, path)
    assert result.code == 2, str(result)
    assert_problem(result, path, line=25_002, says="anførselstegn")
    after = dump_db(database)
    assert not after.get("case_record") and not after.get("case_import")


def test_a_value_holding_a_control_character_is_kept_as_written(tmp_path, empty_db):
    text = "Se bilag\x1f2 og\x1e3"  # ASCII unit and record separators, as pasted from another system
    path = write_cases_csv(tmp_path / "register.csv", [case("K-1", beskrivelse=text), case("K-2")])
    assert import_cases(empty_db, path).code == 0
    cases = cases_of(empty_db)
    assert cases["K-1"]["description"] == text and cases["K-2"]["description"] is None


def test_reading_in_a_child_process_gives_what_reading_here_gives(tmp_path):
    from klagestat.catalogue import load_catalogue, load_register_vocabulary
    from klagestat.ingest.register import CHUNK_ROWS, ColumnsFile, RegisterReader, choose_columns
    from klagestat.ingest.register_files import open_case_file

    rows = [case(f"K-{n}", cpr=f"{1 + n % 28:02d}0190-{1000 + n % 9000:04d}", beskrivelse=f"sag {n % 7}")
            for n in range(CHUNK_ROWS + 500)]
    rows[3] = case("K-3", udfald="vundet")
    rows[CHUNK_ROWS + 7] = case("K-1")  # a duplicate in the second chunk
    path = write_cases_csv(tmp_path / "register.csv", rows)
    catalogue, vocabulary = load_catalogue(), load_register_vocabulary()

    def read(method: str):
        with open_case_file(path) as sheet:
            choice = choose_columns(sheet, vocabulary, ColumnsFile())
            reader = RegisterReader(catalogue, vocabulary, choice, lambda: b"key", dt.date(2026, 1, 1), sheet.position)
            chunks = list(getattr(reader, method)(sheet.rows))
        return ([(c.lines, [list(v) for v in c.columns()], c.hashes, c.rejects) for c in chunks], reader.summary)

    here, beside = read("read"), read("read_beside")
    assert beside == here
    assert here[1].rows == CHUNK_ROWS + 500 and len(here[0]) == 2
    assert [r.line for chunk in here[0] for r in chunk[3]] == [5, CHUNK_ROWS + 9]


def test_xlsx_merged_header_cells_are_refused(tmp_path, empty_db):
    path = write_cases_xlsx(tmp_path / "register.xlsx", [case("M-1")], merge="A1:B1")
    result = import_cases(empty_db, path)
    assert result.code == 2, str(result)
    assert "A1:B1" in result.err and "flettede" in result.err


def test_xlsx_with_several_sheets_reads_the_first_and_says_so(tmp_path, empty_db):
    path = write_cases_xlsx(tmp_path / "register.xlsx", [case("M-1")],
                            extra_sheets=[("Noter", [["Husk at opdatere"]])])
    result = import_cases(empty_db, path)
    assert result.code == 0, str(result)
    assert "Noter" in result.out and "--sheet" in result.out
    assert set(cases_of(empty_db)) == {"M-1"}


def test_a_file_above_the_size_limit_is_refused(tmp_path, empty_db, monkeypatch):
    path = write_cases_csv(tmp_path / "register.csv", [case(f"S-{i}") for i in range(20000)])
    monkeypatch.setenv("KLAGESTAT_MAX_IMPORT_MB", "1")
    result = import_cases(empty_db, path)
    assert result.code == 2, str(result)
    assert "KLAGESTAT_MAX_IMPORT_MB" in result.err
    assert not empty_db.exists()


def test_unknown_municipality_and_missing_sags_id_column(tmp_path, empty_db):
    path = write_cases_csv(tmp_path / "register.csv", [case("S-1")])
    result = import_cases(empty_db, path, municipality="Atlantis")
    assert result.code == 2 and "Ukendt kommune 'Atlantis'" in result.err
    bad = write_cases_csv(tmp_path / "uden.csv", [case("S-1")], header=HEADER[1:])
    result = import_cases(empty_db, bad)
    assert result.code == 2 and "sags_id mangler" in result.err.replace("Kolonnen sags_id mangler", "sags_id mangler")


# ---- CPR numbers: never stored, logged or shown ----------------------------------------------------

def _cprs(n: int) -> list[str]:
    out = []
    for i in range(n):
        day, month, year = 1 + i % 28, 1 + (i // 28) % 12, 40 + i % 60
        out.append(f"{day:02d}{month:02d}{year:02d}-{(37 * i) % 9000 + 1000:04d}")
    return out


def test_no_cpr_number_reaches_the_database_its_wal_or_the_output(tmp_path, empty_db):
    cprs = _cprs(300)
    rows = []
    for i, cpr in enumerate(cprs):
        plain = cpr.replace("-", "")
        rows.append(case(
            f"S-{i}", cpr=cpr if i % 2 else plain,
            beskrivelse=f"Borgeren ({cpr}) klagede over {plain}",
            laering=f"Se notat for {plain}", omraade=f"Team {cpr}" if i % 7 == 0 else "Voksne",
            udfald="ugyldigt" if i % 50 == 0 else "stadfæstet",  # some rows rejected, with their CPR in them
        ))
    rows.append(case("S-bad", cpr=cprs[0][:9]))  # a CPR number cut short: the wrong shape
    path = write_cases_csv(tmp_path / "register.csv", rows)
    rejects = tmp_path / "afviste.csv"
    result = import_cases(empty_db, path, "--rejects", rejects)
    assert result.code == 0, str(result)
    assert query(empty_db, "SELECT COUNT(DISTINCT citizen) FROM case_record")[0][0] == 300 - 6
    blobs = {"output": (result.stdout + result.stderr).encode("utf-8"), "rejects": rejects.read_bytes()}
    for f in sqlite_files(tmp_path / "klagestat.db"):
        if f.exists():
            blobs[f.name] = f.read_bytes()
    assert len(blobs["klagestat.db-wal"] if "klagestat.db-wal" in blobs else blobs["klagestat.db"]) > 0
    for cpr in cprs:
        for form in (cpr, cpr.replace("-", ""), cpr[:6] + " " + cpr[7:]):
            for name, blob in blobs.items():
                assert form.encode() not in blob, f"{form} found in {name}"
                assert form.encode("utf-16-le") not in blob, f"{form} (UTF-16) found in {name}"
    assert cprs[0][:9].encode() not in blobs["output"] + blobs["rejects"]


def test_the_same_cpr_with_or_without_hyphen_is_one_citizen_and_the_key_file_is_private(tmp_path, empty_db, monkeypatch):
    monkeypatch.delenv("KLAGESTAT_SECRET")
    path = write_cases_csv(tmp_path / "register.csv", [
        case("S-1", cpr="010190-1234"), case("S-2", cpr="0101901234"), case("S-3", cpr="020290-1234")])
    result = import_cases(empty_db, path)
    assert result.code == 0, str(result)
    citizens = dict(query(empty_db, "SELECT case_id, citizen FROM case_record"))
    assert citizens["S-1"] == citizens["S-2"] != citizens["S-3"]
    key_file = tmp_path / "config" / "klagestat" / "secret"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # Another key would split every repeated complainant in two: refused.
    monkeypatch.setenv("KLAGESTAT_SECRET", "en-helt-anden-hemmelighed-9876543210")
    other = write_cases_csv(tmp_path / "r2.csv", [case("S-4", cpr="010190-1234")])
    before = dump_db(empty_db)
    result = import_cases(empty_db, other)
    assert result.code == 2 and "anden nøgle" in result.err
    assert dump_db(empty_db) == before


def test_a_key_file_others_can_read_is_refused(tmp_path, empty_db, monkeypatch):
    monkeypatch.delenv("KLAGESTAT_SECRET")
    key_file = tmp_path / "config" / "klagestat" / "secret"
    key_file.parent.mkdir(parents=True)
    key_file.write_text("0123456789abcdef0123456789abcdef\n")
    key_file.chmod(0o644)
    path = write_cases_csv(tmp_path / "register.csv", [case("S-1", cpr="010190-1234")])
    result = import_cases(empty_db, path)
    assert result.code == 2 and "chmod 600" in result.err


# ---- rates from the register -------------------------------------------------------------------------

def test_rates_from_the_register_use_the_year_of_ankestyrelsens_decision(tmp_path, database):
    statbank = write_statbank_csv(tmp_path / "ankeast.csv", statbank_rows(BASELINE_FIGURES))
    assert run_cli("import", "statbank", statbank, "--as-of", BASELINE_AS_OF, db=database).code == 0
    rows = ([case(f"U-{i}", udfald="stadfæstet") for i in range(6)]
            + [case(f"R-{i}", udfald="hjemvist") for i in range(3)]
            + [case(f"C-{i}", udfald="ændret") for i in range(1)]
            + [case("D-1", udfald="afvist")]
            + [case("Y-1", udfald="hjemvist", instans_afgoerelsesdato="05-01-2025")]  # another year
            + [case("O-1", udfald="hjemvist", klageinstans="Styrelsen for Patientklager")])  # another body
    path = write_cases_csv(tmp_path / "register.csv", rows)
    assert import_cases(database, path).code == 0
    result = run_cli("rates", "--year", "2024", "--municipality", "Allerød", "--source", "cases",
                     "--map", "adult-disability", "--format", "json", db=database)
    assert result.code == 0, str(result)
    got = {r["municipality_code"]: r for r in json.loads(result.stdout)}
    mine = got["201"]
    assert (mine["upheld"], mine["changed"], mine["remitted"], mine["dismissed"]) == (6, 1, 3, 1)
    assert mine["reversal_rate"] == pytest.approx(4 / 10)
    assert mine["source"] == "cases"
    # The national level still comes from the statistics bank (§ 100 is the adult-disability map).
    u, c, r, _ = BASELINE_FIGURES["Hele landet"][P100]
    assert got["000"]["source"] == "statbank"
    assert got["000"]["reversal_rate"] == pytest.approx((c + r) / (u + c + r))


def test_rates_from_an_empty_register_say_so(tmp_path, baseline_db):
    result = run_cli("rates", "--year", "2024", "--municipality", "Allerød", "--source", "cases", db=baseline_db)
    assert result.code == 2 and "klagestat import cases" in result.err


# ---- reconcile ---------------------------------------------------------------------------------------

def _register_matching_baseline(code_name="Allerød") -> list[dict]:
    """One register row per case of BASELINE_FIGURES for the municipality (all decided in 2024)."""
    words = ("stadfæstet", "ændret", "hjemvist", "afvist")
    typed = {"1.1": "Serviceloven § 41", "1.2": "SEL § 100", "1.3": "Serviceloven § 85",
             "2.1": "barnets lov §§ 87-88", "2.2": "Barnets lov § 32"}
    rows = []
    for label, counts in BASELINE_FIGURES[code_name].items():
        for word, n in zip(words, counts):
            for _ in range(n):
                rows.append(case(f"S-{len(rows) + 1}", lovgrundlag=typed[label.split()[0]], udfald=word))
    return rows


def test_reconcile_json_is_empty_when_the_register_agrees_and_names_each_difference(tmp_path, database):
    statbank = write_statbank_csv(tmp_path / "ankeast.csv", statbank_rows(BASELINE_FIGURES))
    assert run_cli("import", "statbank", statbank, "--as-of", BASELINE_AS_OF, db=database).code == 0
    rows = _register_matching_baseline()
    assert import_cases(database, write_cases_csv(tmp_path / "r1.csv", rows)).code == 0
    result = run_cli("reconcile", "--municipality", "Allerød", "--year", "2024", "--format", "json", db=database)
    assert result.code == 0, str(result)
    got = json.loads(result.stdout)
    assert (got["municipality_code"], got["year"], got["differences"]) == ("201", 2024, [])

    # One § 100 remittal registered under § 85 instead, one upheld § 32 case missing.
    changed = [dict(r) for r in rows]
    moved = next(r for r in changed if r["lovgrundlag"] == "SEL § 100" and r["udfald"] == "hjemvist")
    moved["lovgrundlag"] = "Serviceloven § 85"
    missing = next(r for r in changed if r["lovgrundlag"] == "Barnets lov § 32" and r["udfald"] == "stadfæstet")
    changed.remove(missing)
    assert import_cases(database, write_cases_csv(tmp_path / "r2.csv", changed)).code == 0
    # The missing case is still in the database from the first import: remove it by a third
    # register where it was never decided (pending).
    pending = dict(missing, udfald="", instans_afgoerelsesdato="")
    assert import_cases(database, write_cases_csv(tmp_path / "r3.csv", [*changed, pending])).code == 0
    got = json.loads(run_cli("reconcile", "--municipality", "201", "--year", "2024", "--format", "json",
                             db=database).stdout)
    differences = {(d["provision_key"], d["outcome"]): (d["statbank"], d["cases"]) for d in got["differences"]}
    u100, c100, r100, _ = BASELINE_FIGURES["Allerød"][P100]
    assert differences == {
        ("serviceloven:100", "remitted"): (r100, r100 - 1),
        ("serviceloven:85", "remitted"): (BASELINE_FIGURES["Allerød"]["1.3 Voksne - socialpædagogisk støtte - § 85"][2],
                                          BASELINE_FIGURES["Allerød"]["1.3 Voksne - socialpædagogisk støtte - § 85"][2] + 1),
        ("barnets-lov:32", "upheld"): (BASELINE_FIGURES["Allerød"]["2.2 Støttende indsatser - § 32"][0],
                                       BASELINE_FIGURES["Allerød"]["2.2 Støttende indsatser - § 32"][0] - 1),
    }
    assert all({"provision", "outcome", "statbank", "cases"} <= set(d) for d in got["differences"])
    # Each difference names the register's cases behind it, so they can be looked up.
    named = {(d["provision_key"], d["outcome"]): d["case_ids"] for d in got["differences"]}
    assert moved["sags_id"] in named[("serviceloven:85", "remitted")]
    assert len(named[("serviceloven:85", "remitted")]) == differences[("serviceloven:85", "remitted")][1]
    assert missing["sags_id"] not in named[("barnets-lov:32", "upheld")]
    table = run_cli("reconcile", "--municipality", "Allerød", "--year", "2024", db=database)
    assert table.code == 0 and "anden bestemmelse" in table.out and "mangler 1 sag" in table.out
    assert moved["sags_id"] in table.out


def test_reconcile_without_statistics_says_what_to_import(tmp_path, empty_db):
    assert import_cases(empty_db, write_cases_csv(tmp_path / "r.csv", [case("S-1")])).code == 0
    result = run_cli("reconcile", "--municipality", "Allerød", "--year", "2024", db=empty_db)
    assert result.code == 2 and "import statbank" in result.err


def test_the_audit_line_of_an_import_is_written_in_its_transaction(tmp_path, database):
    """An import rolled back (--strict with a bad row) leaves no audit line saying it imported;
    one that goes through leaves exactly one."""
    from klagestat import api
    from klagestat.store import audit

    engine = api.open_database(str(database))
    try:
        entry = audit.Entry("analytiker@allerod.dk", "201", "importér", "register.csv")
        bad = write_cases_csv(tmp_path / "bad.csv", [case("OK-1"), case("U-1", udfald="vundet")])
        assert api.import_cases(engine, bad, "Allerød", strict=True, audited=entry).status == "rejected"
        good = write_cases_csv(tmp_path / "good.csv", [case("OK-1")])
        assert api.import_cases(engine, good, "Allerød", audited=entry).status == "imported"
        with engine.connect() as conn:
            events = audit.events_of(conn, "201")
    finally:
        engine.dispose()
    assert [(e.action, e.target) for e in events] == [("importér", "register.csv")]
