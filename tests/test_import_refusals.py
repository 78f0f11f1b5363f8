"""Files that are not what `klagestat import statbank` reads end in a Danish message and exit code 2,
never a traceback, and the database is unchanged (issue 11). The rejects CSV of a register
import neutralises formulas like every other export."""

from __future__ import annotations

import csv
import io
import os
import zipfile

import pytest

from conftest import db_rows, run_cli
from web_helpers import REGISTER_HEADER, SECRET, case, register_bytes

HEADER = "OMRÅDE;LOVGRUNDLAG;AFGØRELSE;TID;INDHOLD\n"
OUTCOMES = ("Stadfæstet", "Ændret/ophævet", "Hjemvist", "Afvist/henvist")


def _rows(period: str = "2024", value: str = "3") -> str:
    return "".join(f"Lejre;1 Serviceloven;{o};{period};{value if o == 'Stadfæstet' else '3'}\n" for o in OUTCOMES)


def _xlsx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    return out.getvalue()


BAD_FILES = {
    "random.csv": (lambda: os.urandom(4096) + b"\x00", "ikke en tekstfil"),
    "tabel.xlsx": (_xlsx, "ikke en Excel-projektmappe"),
    "quoted.csv": (lambda: (HEADER + '"' + "a" * 200_000 + '";1 Serviceloven;Stadfæstet;2024;3\n').encode(), "tegn langt"),
    "longline.csv": (lambda: (HEADER + "Lejre;" + "b" * 2_000_000 + ";Stadfæstet;2024;3\n").encode(), "tegn langt"),
    "huge.csv": (lambda: (HEADER + _rows(value="1" + "0" * 30)).encode(), "urimeligt stort"),
    "nested.json": (lambda: b"[" * 100_000 + b"]" * 100_000, "lag inden i hinanden"),
    "shape.json": (lambda: b'{"dimension": {"a": 5}}', "JSON-stat"),
    "future.csv": (lambda: (HEADER + _rows(period="2099K1")).encode(), "fremtiden"),
    "utf16.csv": (lambda: (HEADER + _rows()).encode("utf-16"), "UTF-16"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_file_klagestat_cannot_read_is_refused_in_danish(tmp_path, name):
    make, expected = BAD_FILES[name]
    path = tmp_path / name
    path.write_bytes(make())
    db = tmp_path / "k.db"
    good = tmp_path / "god.csv"
    good.write_text(HEADER + _rows(), encoding="utf-8")
    assert run_cli("import", "statbank", good, db=db).code == 0
    before = db_rows(db, "SELECT COUNT(*) FROM statbank_cell")
    result = run_cli("import", "statbank", path, db=db)
    assert result.code == 2, str(result)
    assert expected in result.err and "Traceback" not in result.err + result.out, result.err
    assert "Intet er importeret" in result.err
    assert db_rows(db, "SELECT COUNT(*) FROM statbank_cell") == before


# ---- the one door: every import names what a file that is no table looks like -------------------

NOT_TABLES = {
    "rapport.csv": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "Filen er en PDF"),
    "kort.csv": (b"\x89PNG\r\n\x1a\n" + bytes(64), "Filen er et billede (PNG)"),
    "tilfældig.csv": (bytes(range(256)) * 8, "tekstfil"),
}


@pytest.mark.parametrize("command", ["statbank", "population", "cases"])
@pytest.mark.parametrize("name", sorted(NOT_TABLES))
def test_every_import_says_what_a_file_that_is_no_table_looks_like(tmp_path, command, name):
    content, expected = NOT_TABLES[name]
    path = tmp_path / name
    path.write_bytes(content)
    extra = ("--municipality", "Lejre") if command == "cases" else ()
    result = run_cli("import", command, path, *extra, db=tmp_path / "k.db")
    assert result.code == 2 and expected in result.err, str(result)
    assert "Traceback" not in result.err + result.out


def test_the_rejects_csv_neutralises_formulas(tmp_path, monkeypatch):
    monkeypatch.setenv("KLAGESTAT_SECRET", SECRET)
    rows = [case("F-1", udfald="=HYPERLINK(\"http://x\",\"klik\")", beskrivelse="\uff1d1+1"),
            case("F-2", udfald="@SUM(1)", omraade="+45 12 34")]
    register = tmp_path / "r.csv"
    register.write_bytes(register_bytes(rows))
    rejects = tmp_path / "afviste.csv"
    result = run_cli("import", "cases", register, "--municipality", "Lejre", "--rejects", rejects, db=tmp_path / "k.db")
    assert result.code == 0, str(result)
    cells = [c for row in csv.reader(io.StringIO(rejects.read_text(encoding="utf-8-sig")), delimiter=";") for c in row]
    assert cells and not any(c.startswith(("=", "+", "-", "@", "\uff1d")) for c in cells), cells
    assert "'=HYPERLINK(\"http://x\",\"klik\")" in cells and "'\uff1d1+1" in cells


# ---- the complaint register ------------------------------------------------------------------------

def _workbook(header=REGISTER_HEADER, sheet_xml=None) -> bytes:
    """A register workbook as openpyxl writes it (inline strings); `sheet_xml` rewrites the sheet's XML."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(list(header))
    row = case("S-1")
    workbook.active.append([row.get(h, "") for h in REGISTER_HEADER])
    out = io.BytesIO()
    workbook.save(out)
    if sheet_xml is None:
        return out.getvalue()
    patched = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as source, zipfile.ZipFile(patched, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info.filename, sheet_xml(data) if info.filename == "xl/worksheets/sheet1.xml" else data)
    return patched.getvalue()


# Entities that would read a local file (XXE) or expand to gigabytes (billion laughs) if expanded.
XXE = b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY l0 "ha">'
          + b"".join(b'<!ENTITY l%d "%s">' % (i, b"&l%d;" % (i - 1) * 10) for i in range(1, 10)) + b"]>")
CASE_ID_CELL = b"<is><t>S-1</t></is>"

BAD_REGISTERS = {
    "overskrift.csv": (lambda: ("sags_id;lovgrundlag;" + "y" * 200_000 + "\r\nS-1;SEL § 100;x\r\n").encode(),
                       "linje 1: En celle i rækken, der begynder her, er længere end 128 KiB"),
    "xxe.xlsx": (lambda: _workbook(sheet_xml=lambda d: XXE + d.replace(CASE_ID_CELL, b"<is><t>&xxe;</t></is>")),
                 "Arkets XML kan ikke læses"),
    "latter.xlsx": (lambda: _workbook(sheet_xml=lambda d: LAUGHS + d.replace(CASE_ID_CELL, b"<is><t>&l9;</t></is>")),
                    "Arkets XML kan ikke læses"),
}


@pytest.mark.parametrize("name", sorted(BAD_REGISTERS))
def test_a_register_klagestat_cannot_read_is_refused_in_danish(tmp_path, monkeypatch, name):
    monkeypatch.setenv("KLAGESTAT_SECRET", SECRET)
    make, expected = BAD_REGISTERS[name]
    path = tmp_path / name
    path.write_bytes(make())
    db = tmp_path / "k.db"
    good = tmp_path / "god.csv"
    good.write_bytes(register_bytes([case("G-1")]))
    assert run_cli("import", "cases", good, "--municipality", "Lejre", db=db).code == 0
    result = run_cli("import", "cases", path, "--municipality", "Lejre", db=db)
    assert result.code == 2, str(result)
    assert expected in result.err and "Traceback" not in result.err + result.out, result.err
    assert "root:" not in result.err  # nothing of /etc/passwd
    assert db_rows(db, "SELECT case_id FROM case_record") == [("G-1",)]
    assert db_rows(db, "SELECT COUNT(*) FROM case_import")[0][0] == 1


def test_unknown_columns_are_listed_short(tmp_path, monkeypatch):
    monkeypatch.setenv("KLAGESTAT_SECRET", SECRET)
    path = tmp_path / "bred.xlsx"
    path.write_bytes(_workbook(header=[*REGISTER_HEADER, "z" * 200_000, *(f"ekstra {i}" for i in range(500))]))
    result = run_cli("import", "cases", path, "--municipality", "Lejre", db=tmp_path / "k.db")
    assert result.code == 0, str(result)
    assert "'" + "z" * 59 + "…'" in result.out + result.err
    assert "og 481 andre" in result.out + result.err
    assert len(result.out + result.err) < 5_000


def test_an_xlsx_export_longer_than_a_sheet_goes_on_in_the_next_sheet(tmp_path):
    from openpyxl import load_workbook

    from klagestat.render.exports import write_xlsx

    path = tmp_path / "sager.xlsx"
    write_xlsx(path, "Sager", ["Sagsnummer", "Udfald"], ((f"S-{i}", "=1+1") for i in range(7)), sheet_rows=4)
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["Sager", "Sager (2)", "Sager (3)"]
    sheets = [[list(r) for r in ws.iter_rows(values_only=True)] for ws in workbook.worksheets]
    assert [len(s) for s in sheets] == [4, 4, 2]  # the header on each, 3 + 3 + 1 rows
    assert all(s[0] == ["Sagsnummer", "Udfald"] for s in sheets)
    assert [r[0] for s in sheets for r in s[1:]] == [f"S-{i}" for i in range(7)]
    assert sheets[2][1][1] == "'=1+1"
    assert workbook.worksheets[1].auto_filter.ref == "A1:B4"
