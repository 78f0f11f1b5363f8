"""The decisions file (`--decisions FILE`): how many decisions the municipality made per area and
year, so reversals and complaints can be shown per 1,000 decisions.

    omraade;aar;afgoerelser
    I alt;2024;10.000
    Børne- og Ungeudvalget;2024;2.350

Semicolon-separated, UTF-8 (with or without BOM) or CP-1252, with a header. `omraade` is a
committee or area as written in the register's omraade column, or "I alt" for the whole
municipality. Every problem is reported with file, line, column and value.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from klagestat.domain.problems import ProblemList
from klagestat.domain.text import normalise

from .text_files import decode

COLUMNS = ("omraade", "aar", "afgoerelser")
# Spellings of the column names that are accepted as they are.
COLUMN_ALIASES = {
    "omraade": ("omraade", "område", "omrade", "udvalg", "fagudvalg"),
    "aar": ("aar", "år", "ar"),
    "afgoerelser": ("afgoerelser", "afgørelser", "afgorelser", "antal afgørelser", "antal afgoerelser"),
}
_ALIAS = {normalise(s): name for name, spellings in COLUMN_ALIASES.items() for s in spellings}
# 10000, 10.000 or 10 000 (Danish thousands separators); never a decimal.
_WHOLE = re.compile(r"\d{1,3}(?:[. \u00a0]\d{3})+|\d+")
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class DecisionCount:
    area: str
    year: int
    decisions: int
    line: int


@dataclass(frozen=True)
class DecisionsFile:
    file: str
    rows: tuple[DecisionCount, ...]
    encoding: str


def read_decisions(path: Path) -> DecisionsFile:
    problems = ProblemList(str(path))
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        problems.add("Filen med antal afgørelser findes ikke.", code="file-missing")
    except IsADirectoryError:
        problems.add("Filen med antal afgørelser er en mappe, ikke en fil.", code="file-is-folder")
    except PermissionError:
        problems.add("Filen med antal afgørelser kan ikke læses (ingen adgang).", code="file-no-access")
    problems.raise_if_any()
    if len(data) > MAX_BYTES:
        problems.add("Filen med antal afgørelser er for stor til at være en lille tabel over områder og år.", code="file-too-big")
        problems.raise_if_any()
    text, encoding = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    header = next((cells for cells in reader if any(c.strip() for c in cells)), None)
    if header is None:
        problems.add("Filen er tom. Den skal have overskriften omraade;aar;afgoerelser og én linje pr. område og år.", code="file-empty")
        problems.raise_if_any()
    header_line = reader.line_num
    if len(header) == 1 and ("," in header[0] or "\t" in header[0]):
        problems.add("Kolonnerne skal være adskilt af semikolon (;), som i omraade;aar;afgoerelser.",
                     line=header_line, value=header[0], code="separator-wrong")
        problems.raise_if_any()
    positions: dict[str, int] = {}
    for i, name in enumerate(header):
        column = _ALIAS.get(normalise(name))
        if column is None:
            problems.add("Ukendt kolonne. Filen skal have kolonnerne omraade, aar og afgoerelser.",
                         line=header_line, column=name.strip() or f"nr. {i + 1}", value=name, code="column-unknown")
        elif column in positions:
            problems.add(f"Kolonnen {column} står to gange.", line=header_line, column=name.strip(), value=name, code="column-duplicate")
        else:
            positions[column] = i
    for column in COLUMNS:
        if column not in positions:
            problems.add(f"Kolonnen {column} mangler i overskriften (omraade;aar;afgoerelser).", line=header_line,
                         column=column, code="column-missing")
    problems.raise_if_any()
    rows: list[DecisionCount] = []
    seen: dict[tuple[str, int], int] = {}
    for cells in reader:
        offset = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.add(f"Linjen har {len(cells)} kolonner, men overskriften har {len(header)}.", line=offset,
                         value=";".join(cells), code="row-width")
            continue
        area = cells[positions["omraade"]].strip()
        year_text = cells[positions["aar"]].strip()
        count_text = cells[positions["afgoerelser"]].strip()
        ok = True
        if not area:
            problems.add("Området mangler. Skriv udvalget eller området som i klageregistret, eller 'I alt'.",
                         line=offset, column="omraade", value=cells[positions["omraade"]], code="area-missing")
            ok = False
        year = int(year_text) if re.fullmatch(r"\d{4}", year_text) else None
        if year is None or not 1990 <= year <= 2100:
            problems.add("Året skal være et årstal som 2024.", line=offset, column="aar", value=year_text, code="year-invalid")
            ok = False
        if not _WHOLE.fullmatch(count_text):
            problems.add("Antal afgørelser skal være et helt tal, 0 eller derover (fx 10000 eller 10.000).",
                         line=offset, column="afgoerelser", value=count_text, code="count-invalid")
            ok = False
        if not ok:
            continue
        key = (normalise(area), year)
        if key in seen:
            problems.add(f"{area} {year} står også i linje {seen[key]}; hvert område og år må kun stå én gang.",
                         line=offset, column="omraade", value=area, code="row-duplicate")
            continue
        seen[key] = offset
        rows.append(DecisionCount(area, year, int(re.sub(r"\D", "", count_text)), offset))
    if not rows and not problems:
        problems.add("Filen har ingen linjer med antal afgørelser under overskriften.", code="no-data-rows")
    problems.raise_if_any()
    return DecisionsFile(str(path), tuple(rows), encoding)
