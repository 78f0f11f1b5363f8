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
from web_helpers import SECRET, case, register_bytes

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
    "tabel.xlsx": (_xlsx, "Excel-regneark"),
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
