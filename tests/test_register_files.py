"""The case-register reader with real files: CSV as Windows tools and Excel write them, XLSX built
with openpyxl, bytes as users have them (BOMs, CP-1252, CRLF, .xls, a workbook named .csv)."""

from __future__ import annotations

import datetime as dt
import tracemalloc
from pathlib import Path

import openpyxl
import pytest

from klagestat.domain.problems import IMPORT_FOOTER, InputError
from klagestat.ingest.input_file import DEFAULT_MAX_BYTES, max_import_bytes
from klagestat.ingest.register_files import SheetRows, column_name, open_case_file

HEADER = ["sags_id", "lovgrundlag", "omraade", "afgoerelsesdato"]
CPR = "0101701234"  # shaped like a CPR number: must never appear in a message


def read(path: Path, **options) -> tuple[SheetRows, list[tuple[int, list[str]]]]:
    with open_case_file(path, **options) as sheet:
        return sheet, list(sheet.rows)


def refusal(path: Path, **options) -> str:
    with pytest.raises(InputError) as caught:
        read(path, **options)
    message = str(caught.value)
    assert str(path) in message and IMPORT_FOOTER in message
    return message


def write_csv(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "sager.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(tmp_path: Path, rows: list[list], name: str = "sager.xlsx", title: str = "Sager", build=None) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    if build:
        build(workbook, sheet)
    path = tmp_path / name
    workbook.save(path)
    return path


# ---- CSV: encodings, delimiters, quoting --------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "prefix", "name"),
    [("utf-8", b"", "UTF-8"), ("utf-8", b"\xef\xbb\xbf", "UTF-8 med BOM"), ("cp1252", b"", "CP-1252")],
)
@pytest.mark.parametrize("delimiter", [";", ",", "\t", "|"])
def test_csv_encodings_and_delimiters(tmp_path, encoding, prefix, name, delimiter):
    lines = [HEADER, ["K-1", "SEL § 100", "Børn og unge", "01-03-2024"], ["K-2", "Lov om social pension", "Ældre", ""]]
    text = "".join(delimiter.join(cells) + "\r\n" for cells in lines)
    path = tmp_path / "sager.csv"
    path.write_bytes(prefix + text.encode(encoding))
    sheet, rows = read(path)
    assert (sheet.file_format, sheet.encoding, sheet.delimiter, sheet.sheet) == ("CSV", name, delimiter, None)
    assert (sheet.header, sheet.header_line, sheet.position, sheet.file) == (HEADER, 1, "linje", str(path))
    assert rows == [(2, lines[1]), (3, lines[2])]
    assert sheet.notes == []


def test_csv_delimiter_tie_prefers_semicolon(tmp_path):
    sheet, rows = read(write_csv(tmp_path, "sags_id;navn, fornavn\nK-1;Hansen, Ib\n"))
    assert sheet.delimiter == ";"
    assert rows == [(2, ["K-1", "Hansen, Ib"])]


def test_csv_quotes_embedded_newlines_and_crlf_keep_line_numbers(tmp_path):
    text = (
        'sags_id;beskrivelse;laering\r\n'
        'K-1;"to\r\nlinjer; med semikolon";"sagde ""nej"""\r\n'
        '\r\n'
        'K-2;"tre\r\n\r\nlinjer";x\r\n'
        '  K-3 ;  mellemrum  ;\r\n'
    )
    sheet, rows = read(write_csv(tmp_path, text))
    assert rows == [
        (2, ["K-1", "to\nlinjer; med semikolon", 'sagde "nej"']),
        (5, ["K-2", "tre\n\nlinjer", "x"]),
        (8, ["K-3", "mellemrum", ""]),
    ]


def test_csv_blank_lines_skipped_rows_as_written(tmp_path):
    text = "\n\n ; ; \nsags_id;lovgrundlag;;\n\nK-1;SEL § 100;;\n; ;\t;\nK-2\nK-3;a;b;c\n\n\n"
    sheet, rows = read(write_csv(tmp_path, text))
    assert (sheet.header, sheet.header_line) == (["sags_id", "lovgrundlag"], 4)  # trailing empty headers dropped
    # Surplus empty cells go; short and long rows are the caller's to check.
    assert rows == [(6, ["K-1", "SEL § 100"]), (8, ["K-2"]), (9, ["K-3", "a", "b", "c"])]


def test_csv_has_no_sheets(tmp_path):
    sheet, rows = read(write_csv(tmp_path, "sags_id\nK-1\n"), sheet="Ark2")
    assert sheet.notes == ["Filen er CSV og har ingen ark, så --sheet 'Ark2' er ikke brugt."]


def test_csv_header_row_given_skips_a_title(tmp_path):
    text = "Klageregister for Eksempel Kommune\nudtrukket 2024-05-01\nsags_id;lovgrundlag\nK-1;SEL § 100\n"
    sheet, rows = read(write_csv(tmp_path, text), header_row=3)
    assert (sheet.header, sheet.header_line, rows) == (["sags_id", "lovgrundlag"], 3, [(4, ["K-1", "SEL § 100"])])
    assert "linje 9 kan ikke være overskriften" in refusal(write_csv(tmp_path, text), header_row=9)


def test_csv_utf16_from_excel_unicode_text(tmp_path):
    sheet, rows = read(write_csv(tmp_path, "sags_id\tområde\r\nK-1\tÆldre\r\n", "utf-16", name="sager.txt"))
    assert (sheet.encoding, sheet.delimiter, sheet.header, rows) == ("UTF-16", "\t", ["sags_id", "område"], [(2, ["K-1", "Ældre"])])


def test_csv_header_names_must_be_unique_and_present(tmp_path):
    message = refusal(write_csv(tmp_path, "sags_id;;lovgrundlag;Sags_ID\nK-1;x;y;z\n"))
    assert "linje 1, kolonne nr. 2: Kolonnen har ingen overskrift" in message
    assert "Kolonnenavnet 'sags_id' står i flere kolonner (nr. 1 og nr. 4)" in message


def test_csv_decode_error_late_in_the_file_names_its_line(tmp_path):
    # UTF-8 for the first 64 KiB, then a CP-1252 "ø": the encoding was decided from the start.
    lines = ["sags_id;cpr;beskrivelse"] + [f"K-{n};{CPR};ok" for n in range(2, 6001)]
    lines[4999] = f"K-5000;{CPR};S\xf8ren"
    path = tmp_path / "sager.csv"
    path.write_bytes("\n".join(lines).encode("cp1252"))
    assert path.stat().st_size > 64 * 1024
    read_before: list[int] = []
    with pytest.raises(InputError) as caught:
        with open_case_file(path) as sheet:
            assert sheet.encoding == "UTF-8"
            for line, _cells in sheet.rows:
                read_before.append(line)
    message = str(caught.value)
    assert "linje 5000, kolonne beskrivelse: Der er tegn, som ikke kan læses som UTF-8" in message
    assert read_before[-1] == 4999 and len(read_before) == 4998
    assert CPR not in message and "ren" not in message.split("beskrivelse")[1].split("UTF-8")[0]


def test_csv_unclosed_quote_names_the_line_it_starts(tmp_path):
    message = refusal(write_csv(tmp_path, f'sags_id;cpr\nK-1;{CPR}\nK-2;"{CPR}\nK-3;x\nK-4;y\n'))
    assert "linje 3: Et anførselstegn" in message and CPR not in message


def test_csv_text_after_closing_quote(tmp_path):
    assert "linje 2: En celle har tekst efter sit afsluttende anførselstegn" in refusal(
        write_csv(tmp_path, 'sags_id;beskrivelse\nK-1;"kort" og godt\n'))


def test_csv_streams_in_little_memory(tmp_path):
    path = tmp_path / "stor.csv"
    row = ";".join(["K-{}", "SEL § 100", "Børn og unge", "2024-03-01", "2024-04-02", "fastholdt",
                    "Ankestyrelsen", "2024-04-20", "", "stadfæstet", "", "En kort beskrivelse af sagen"]) + "\r\n"
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("sags_id;lovgrundlag;omraade;afgoerelsesdato;klagedato;genvurdering;klageinstans;"
                  "videresendt;instans_afgoerelsesdato;udfald;aarsag;beskrivelse\r\n")
        out.writelines(row.format(n) for n in range(300_000))
    size = path.stat().st_size
    tracemalloc.start()
    try:
        with open_case_file(path) as sheet:
            count = sum(1 for _ in sheet.rows)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 300_000
    assert peak < 0.2 * size, f"peak {peak} bytes for a file of {size} bytes"


# ---- the file as a whole ------------------------------------------------------------------------


def test_size_limit_from_the_environment(tmp_path, monkeypatch):
    path = write_csv(tmp_path, "sags_id\n" + "K-1\n" * 1000)
    monkeypatch.setenv("KLAGESTAT_MAX_IMPORT_MB", "0,001")
    assert max_import_bytes() == 1048
    message = refusal(path)
    assert "Filen fylder 3,9 KB, mere end grænsen på 1 KB" in message and "KLAGESTAT_MAX_IMPORT_MB=100" in message
    monkeypatch.setenv("KLAGESTAT_MAX_IMPORT_MB", "1")
    assert read(path)[0].header == ["sags_id"]
    assert "mere end grænsen på 0,1 KB" in refusal(path, max_bytes=100)
    monkeypatch.setenv("KLAGESTAT_MAX_IMPORT_MB", "mange")
    with pytest.raises(InputError, match="positivt tal"):
        read(path)
    monkeypatch.delenv("KLAGESTAT_MAX_IMPORT_MB")
    assert max_import_bytes() == DEFAULT_MAX_BYTES


def test_size_limit_message_says_megabytes(tmp_path, monkeypatch):
    path = tmp_path / "sager.csv"
    path.write_bytes(b"sags_id\n" + b"K-1234567\n" * 300_000)  # 2,9 MB
    monkeypatch.setenv("KLAGESTAT_MAX_IMPORT_MB", "2")
    message = refusal(path)
    assert "Filen fylder 2,9 MB, mere end grænsen på 2 MB" in message
    assert "KLAGESTAT_MAX_IMPORT_MB=100" in message


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: d / "findes-ikke.csv", "Filen findes ikke."),
        (lambda d: d, "Stien er en mappe, ikke en fil."),
        (lambda d: _bytes(d / "tom.csv", b""), "Filen er tom"),
        (lambda d: _bytes(d / "sager.pdf", b"%PDF-1.4"), "Filtypen '.pdf' kendes ikke"),
        (lambda d: _bytes(d / "sager", b"sags_id\n"), "Filtypen '(ingen)' kendes ikke"),
        (lambda d: _bytes(d / "sager.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)), "gem filen som .xlsx eller .csv"),
        (lambda d: _bytes(d / "sager.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)), "Excels gamle format (.xls)"),
        (lambda d: _bytes(d / "sager.xlsx", b"sags_id;x\n"), "Filen hedder .xlsx, men er ikke en Excel-projektmappe"),
        (lambda d: _bytes(d / "sager.xlsx", b"PK\x03\x04 ikke en zip"), "beskadiget"),
        (lambda d: _bytes(d / "blanke.csv", b"\r\n  \r\n;;;\r\n"), "kun tomme linjer"),
        (lambda d: _bytes(d / "nul.csv", b"s\x00a\x00g\x00"), "NUL-tegn"),
    ],
)
def test_files_that_cannot_be_read(tmp_path, make, expected):
    assert expected in refusal(make(tmp_path))


def _bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_column_name():
    assert [column_name(i) for i in (0, 1, 25, 26, 27, 701, 702)] == ["A", "B", "Z", "AA", "AB", "ZZ", "AAA"]


# ---- XLSX -----------------------------------------------------------------------------------------


def test_xlsx_cells_become_text(tmp_path):
    def build(workbook, sheet):
        sheet["D2"].number_format = "dd-mm-yyyy"
        sheet["D3"].number_format = "dd-mm-yyyy hh:mm"
        sheet["E2"] = "=SUM(C2:C3)"

    rows = [
        ["sags_id", "cpr", "antal", "afgoerelsesdato", "formel", "videresendt"],
        ["  K-1 ", 101701234, 12.0, dt.date(2024, 3, 1), None, True],
        ["K-2", None, 3.5, dt.datetime(2024, 3, 2, 14, 30), None, False],
    ]
    sheet, got = read(write_xlsx(tmp_path, rows, build=build))
    assert (sheet.file_format, sheet.encoding, sheet.delimiter, sheet.sheet) == ("XLSX", None, None, "Sager")
    assert (sheet.header, sheet.header_line, sheet.position, sheet.notes) == (rows[0], 1, "række", [])
    assert got == [
        (2, ["K-1", "101701234", "12", "2024-03-01", "=SUM(C2:C3)", "ja"]),
        (3, ["K-2", "", "3.5", "2024-03-02 14:30:00", "", "nej"]),
    ]


def test_xlsx_header_after_blank_rows_padding_and_gaps(tmp_path):
    def build(workbook, sheet):
        sheet["A3"], sheet["B3"], sheet["C3"] = "sags_id", "lovgrundlag", "omraade"
        sheet["A4"] = "K-1"
        sheet["A7"], sheet["B7"], sheet["C7"], sheet["E7"] = "K-2", "SEL § 100", "Ældre", "noget til højre"
        sheet["B9"] = "   "  # only spaces: an empty row
        sheet["A20"].number_format = "0"  # a formatted, empty cell far down

    sheet, rows = read(write_xlsx(tmp_path, [], build=build))
    assert (sheet.header, sheet.header_line) == (["sags_id", "lovgrundlag", "omraade"], 3)
    assert rows == [(4, ["K-1", "", ""]), (7, ["K-2", "SEL § 100", "Ældre", "", "noget til højre"])]


def test_xlsx_header_row_given(tmp_path):
    path = write_xlsx(tmp_path, [["Klageregister"], [], ["sags_id", "udfald"], ["K-1", "ændret"]])
    sheet, rows = read(path, header_row=3)
    assert (sheet.header, sheet.header_line, rows) == (["sags_id", "udfald"], 3, [(4, ["K-1", "ændret"])])
    assert "række 2: Rækken er tom" in refusal(path, header_row=2)
    assert "har kun 4 rækker, så række 10" in refusal(path, header_row=10)


def test_xlsx_merged_header_cells_refused(tmp_path):
    def build(workbook, sheet):
        sheet.merge_cells("A1:B1")
        sheet.merge_cells("C1:D1")

    path = write_xlsx(tmp_path, [["Sag", None, "Datoer", None], ["sags_id", "cpr", "klagedato", "videresendt"]], build=build)
    message = refusal(path)
    assert "række 1: Overskriftsrækken har flettede celler A1:B1, C1:D1; fjern fletningen" in message
    assert "ingen overskrift" not in message  # B1 and D1 are empty because of the merge: said once


def test_xlsx_merged_data_cells_refused_without_values(tmp_path):
    def build(workbook, sheet):
        sheet.merge_cells("B3:B5")

    rows = [["sags_id", "cpr"], ["K-1", CPR], ["K-2", CPR], ["K-3", None], ["K-4", None]]
    message = refusal(write_xlsx(tmp_path, rows, build=build))
    assert "række 3: Cellerne B3:B5 er flettet" in message and CPR not in message


def test_xlsx_merged_title_above_the_header_is_fine(tmp_path):
    def build(workbook, sheet):
        sheet.merge_cells("A1:C1")

    path = write_xlsx(tmp_path, [["Klageregister 2024"], [], ["sags_id", "a", "b"], ["K-1", "x", "y"]], build=build)
    sheet, rows = read(path, header_row=3)
    assert (sheet.header_line, rows) == (3, [(4, ["K-1", "x", "y"])])


def test_xlsx_duplicate_and_missing_header_names_by_column_letter(tmp_path):
    message = refusal(write_xlsx(tmp_path, [["sags_id", None, "udfald", "UDFALD"], ["K-1", "x", "y", "z"]]))
    assert "række 1, kolonne B: Kolonnen har ingen overskrift" in message
    assert "Kolonnenavnet 'udfald' står i flere kolonner (C og D)" in message


def test_xlsx_other_sheets_with_content_are_named(tmp_path):
    def build(workbook, sheet):
        workbook.create_sheet("Tom")
        workbook.create_sheet("Noter")["A1"] = "husk"
        other = workbook.create_sheet("2023")
        other["A1"], other["A2"] = "sags_id", "K-9"

    path = write_xlsx(tmp_path, [["sags_id"], ["K-1"]], build=build)
    sheet, rows = read(path)
    assert (sheet.sheet, rows) == ("Sager", [(2, ["K-1"])])
    assert sheet.notes == [
        "Arkene 'Noter', '2023' har også indhold, men er ikke læst; kun arket 'Sager' er læst. "
        "Brug --sheet NAVN for at læse et andet ark."
    ]
    other, rows = read(path, sheet="2023")
    assert (other.sheet, other.header, other.header_line, rows) == ("2023", ["sags_id"], 1, [(2, ["K-9"])])
    assert "'Sager'" in other.notes[0] and "'Noter'" in other.notes[0] and "'Tom'" not in other.notes[0]
    assert read(path, sheet="noter")[0].sheet == "Noter"  # case doesn't matter when it's unambiguous
    assert "Arket 'Ark9' findes ikke i filen. Arkene hedder: 'Sager', 'Tom', 'Noter', '2023'." in refusal(path, sheet="Ark9")


def test_xlsx_empty_sheet(tmp_path):
    assert "Arket 'Sager' er tomt" in refusal(write_xlsx(tmp_path, []))


def test_xlsx_saved_as_csv_is_read_as_xlsx(tmp_path):
    path = write_xlsx(tmp_path, [["sags_id", "udfald"], ["K-1", "ændret"]], name="sager.csv")
    sheet, rows = read(path)
    assert (sheet.file_format, sheet.header, rows) == ("XLSX", ["sags_id", "udfald"], [(2, ["K-1", "ændret"])])
    assert sheet.notes == ["Filen hedder .csv, men er en Excel-projektmappe; den er læst som Excel (XLSX)."]


def test_a_zip_that_is_not_a_workbook(tmp_path):
    import zipfile

    path = tmp_path / "sager.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert "zip-fil, men ikke en Excel-projektmappe" in refusal(path)


@pytest.mark.parametrize("member", ["xl/sharedStrings.xml", "xl/worksheets/sheet2.xml"])
def test_xlsx_counts_against_the_limit_unpacked(tmp_path, member):
    """A zip bomb disguised as a workbook: small on disk, huge unpacked; refused before unpacking."""
    import zipfile

    path = write_xlsx(tmp_path, [["sags_id"], ["K-1"]])
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, b"<sst>" + b"a" * 600_000 + b"</sst>")
    assert path.stat().st_size < 50 * 1024
    assert "Projektmappen fylder udpakket 0,6 MB, mere end grænsen på 50 KB" in refusal(path, max_bytes=50 * 1024)
