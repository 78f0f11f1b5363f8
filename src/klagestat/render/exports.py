"""Tables as files to download: CSV and XLSX, shared by the public pages and the case area.

Both open as Danish Excel expects (CSV: UTF-8 with a byte-order mark, semicolons, decimal
comma, ja/nej) and both are safe to open: a text cell that a spreadsheet would run as a formula
(it starts with =, +, -, @, their full-width forms, a tab or a carriage return) gets an apostrophe in front, so it is
shown as the text it is. Numbers stay numbers, negative ones too: only text is neutralised.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import IO

from .numbers import percent, round_half_up

# What makes a spreadsheet run a cell as a formula, full-width forms included (Excel reads "＝" as "=").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
ROWS_PER_CHUNK = 2000  # rows of a streamed CSV per piece sent
SHEET_TITLE_LENGTH = 31  # Excel's limit
SHEET_ROWS = 1_048_576  # Excel's rows per sheet, the header row included


@dataclass(frozen=True)
class Rounded:
    """An exact value shown rounded, as the reports show it: in CSV the rounded figure ("45 %",
    "-1,4"; half up from the exact fraction), in XLSX the exact value under a number format that
    shows it so ("0%", "0.0"), so that a sum or a chart in the spreadsheet uses the exact value."""

    value: Fraction
    decimals: int = 0
    percent: bool = False  # a rate (0..1) shown as a percent

    def text(self) -> str:
        if self.percent:
            return percent(self.value, self.decimals)
        return str(round_half_up(self.value, self.decimals)).replace(".", ",")

    def number_format(self) -> str:
        return "0" + ("." + "0" * self.decimals if self.decimals else "") + ("%" if self.percent else "")


def neutralised(text: str) -> str:
    """The text as a spreadsheet must show it, never run it: "=1+1" → "'=1+1"."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _number(value) -> int | float | None:
    """A number as a number, or None when the value is no number (bool is no number here)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, (Decimal, Fraction)):
        return float(value)
    return None


def csv_text(value) -> str:
    """One CSV cell as Danish Excel reads it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, Rounded):
        return value.text()
    number = _number(value)
    if number is not None:
        # repr: every digit of the exact value, with a decimal comma (Excel in Danish reads it as a number).
        return repr(number).replace(".", ",") if isinstance(number, float) else str(number)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return neutralised(str(value))


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[bytes]:
    """The CSV in pieces of ROWS_PER_CHUNK rows, so a download of a million rows never sits in
    memory whole: UTF-8 with BOM and semicolons, as Excel on a Danish Windows opens it."""
    out = io.StringIO()
    # CRLF, as RFC 4180 and Excel have it: the writer then quotes a text holding "\r" too.
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    out.write("\ufeff")
    writer.writerow([neutralised(h) for h in header])
    for n, row in enumerate(rows, 1):
        writer.writerow([csv_text(v) for v in row])
        if n % ROWS_PER_CHUNK == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    return b"".join(csv_chunks(header, rows))


def write_xlsx(target: str | Path | IO[bytes], sheet_title: str, header: Sequence[str], rows: Iterable[Sequence],
               sheet_rows: int = SHEET_ROWS) -> None:
    """A bold, frozen header row with filters, then the rows; more rows than a sheet holds go on
    in a next sheet ("Sager (2)"), with the header again. openpyxl's write-only mode: the rows go
    to its temporary file as they come, not into a tree of cells in memory."""
    # openpyxl is imported here, by what writes a workbook: a CSV export never waits for it.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    last = get_column_letter(max(len(header), 1))

    def new_sheet(number: int):
        suffix = f" ({number})" if number > 1 else ""
        sheet = workbook.create_sheet(sheet_title[:SHEET_TITLE_LENGTH - len(suffix)] + suffix)
        cells = []
        for h in header:
            cell = WriteOnlyCell(sheet, value=neutralised(h))
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)
        sheet.freeze_panes = "A2"
        return sheet

    sheets = 1
    sheet, n = new_sheet(sheets), 0
    for row in rows:
        if n == sheet_rows - 1:
            sheet.auto_filter.ref = f"A1:{last}{n + 1}"
            sheets += 1
            sheet, n = new_sheet(sheets), 0
        # A neutralised text never starts with "=", which openpyxl would store as a formula.
        sheet.append([_xlsx_cell(sheet, v) if isinstance(v, Rounded) else _xlsx_value(v) for v in row])
        n += 1
    sheet.auto_filter.ref = f"A1:{last}{n + 1}"
    workbook.save(target)


def xlsx_bytes(sheet_title: str, header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    out = io.BytesIO()
    write_xlsx(out, sheet_title, header, rows)
    return out.getvalue()


def _xlsx_cell(sheet, figure: Rounded):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=float(figure.value))
    cell.number_format = figure.number_format()
    return cell


def _xlsx_value(value):
    if value is None or isinstance(value, (bool, dt.date, dt.datetime)):
        return value
    number = _number(value)
    return number if number is not None else neutralised(str(value))
