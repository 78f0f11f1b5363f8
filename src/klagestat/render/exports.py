"""Tables as files to download: CSV and XLSX, shared by the public pages and the case area.

Both open as Danish Excel expects (CSV: UTF-8 with a byte-order mark, semicolons, decimal
comma, ja/nej) and both are safe to open: a text cell that a spreadsheet would run as a formula
(it starts with =, +, -, @, a tab or a carriage return) gets an apostrophe in front, so it is
shown as the text it is. Numbers stay numbers, negative ones too: only text is neutralised.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction

from openpyxl import Workbook
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_TITLE_LENGTH = 31  # Excel's limit


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
    number = _number(value)
    if number is not None:
        # repr: every digit of the exact value, with a decimal comma (Excel in Danish reads it as a number).
        return repr(number).replace(".", ",") if isinstance(number, float) else str(number)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return neutralised(str(value))


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    out = io.StringIO()
    # CRLF, as RFC 4180 and Excel have it: the writer then quotes a text holding "\r" too.
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralised(h) for h in header])
    for row in rows:
        writer.writerow([csv_text(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(sheet_title: str, header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """One sheet: a bold, frozen header row with filters, then the rows."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title[:SHEET_TITLE_LENGTH]
    sheet.append([neutralised(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        # A neutralised text never starts with "=", which openpyxl would store as a formula.
        sheet.append([_xlsx_value(v) for v in row])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_value(value):
    if value is None or isinstance(value, (bool, dt.date, dt.datetime)):
        return value
    number = _number(value)
    return number if number is not None else neutralised(str(value))
