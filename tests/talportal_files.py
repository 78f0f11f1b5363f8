"""Files as Ankestyrelsen's Talportal writes them, for the tests.

The CSV is R's write.table(sep=";", dec=","): strings quoted, numbers not, NA unquoted, rates as
fractions with 15 significant digits, latin-1 unless told. The XLSX is the "Som tabel" sheet: a
two-level header (measures over periods or periods over measures), Sagsemne and Kommune in the
first columns, a subject written once for its block of rows, an empty row and "Kilde: …".
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from conftest import LAW_ROWS

AREA, LAW, SUBJECT, PERIOD = "Kommune", "Lovgivning", "Sagsemne", "periode"
DECIDED, UPHELD, CHANGED, REMITTED, DISMISSED, MERITS = (
    "Afgjorte sager", "Stadfæstede sager", "Ændrede/ophævede sager", "Hjemviste sager", "Afviste sager",
    "Realitetsbehandlede sager i alt")
REVERSAL, UPHELD_RATE, REMITTED_RATE, CHANGED_RATE, DISMISSED_RATE = (
    "Omgørelsesprocent", "Stadfæstelsesprocent", "Hjemvisningsprocent", "Ændrings-/ophævelsesprocent",
    "Afvisningsprocent")
DAYS = "Sagsbehandlingstid"
ALL_MEASURES = (DECIDED, UPHELD, CHANGED, REMITTED, DISMISSED, MERITS, REVERSAL)
NA = "NA"


def law_and_subject(provision: str) -> tuple[str, str]:
    """"1.2 Voksne - merudgifter - § 100" → ("Serviceloven", "Voksne - merudgifter - § 100")."""
    prefix, _, subject = provision.partition(" ")
    return LAW_ROWS[prefix.split(".")[0]].partition(" ")[2], subject


def measures(counts: tuple, percent: bool = False) -> dict[str, Fraction | int | None]:
    """Every Talportal measure of one row from (upheld, changed, remitted, dismissed); None is NA."""
    u, c, r, d = counts
    if None in (u, c, r):
        merits = None
    else:
        merits = u + c + r
    decided = None if merits is None or d is None else merits + d
    scale = 100 if percent else 1

    def share(part, whole):
        return None if part is None or not whole else Fraction(part, whole) * scale

    return {
        DECIDED: decided, UPHELD: u, CHANGED: c, REMITTED: r, DISMISSED: d, MERITS: merits,
        REVERSAL: share(None if merits is None else c + r, merits), UPHELD_RATE: share(u, merits),
        REMITTED_RATE: share(r, merits), CHANGED_RATE: share(c, merits), DISMISSED_RATE: share(d, decided),
    }


def r_number(value) -> str:
    """A number as R's write.table(dec=",") writes it: 15 significant digits, no trailing zeros."""
    if value is None:
        return NA
    if isinstance(value, int) or (isinstance(value, Fraction) and value.denominator == 1):
        return str(int(value))
    return f"{float(value):.15g}".replace(".", ",")


def talportal_rows(figures: dict, period: str = "2024", columns=ALL_MEASURES, totals: bool = True,
                   percent: bool = False) -> list[dict]:
    """{column: value} per row: every provision of every area, and (totals) the area's "I alt"
    row over its subjects, with Lovgivning NA."""
    rows = []
    for area, provisions in figures.items():
        for provision, counts in provisions.items():
            law, subject = law_and_subject(provision)
            row = {AREA: area, LAW: law, SUBJECT: subject, PERIOD: period}
            values = measures(counts, percent)
            rows.append(row | {m: values[m] for m in columns})
        if totals:
            sums = tuple(None if any(c[i] is None for c in provisions.values()) else sum(c[i] for c in provisions.values())
                         for i in range(4))
            values = measures(sums, percent)
            rows.append({AREA: area, LAW: None, SUBJECT: "I alt", PERIOD: period} | {m: values[m] for m in columns})
    return rows


def write_talportal_csv(path: Path, rows: list[dict], columns=ALL_MEASURES, *, encoding: str = "latin-1",
                        bom: bool = False, names=(AREA, LAW, SUBJECT, PERIOD)) -> Path:
    header = [*names, *columns]
    lines = [";".join(f'"{h}"' for h in header)]
    for row in rows:
        cells = []
        for h in header:
            value = row.get(h)
            if h in (AREA, LAW, SUBJECT, PERIOD):
                cells.append(NA if value is None else f'"{value}"')
            else:
                cells.append(value if isinstance(value, str) else r_number(value))
        lines.append(";".join(cells))
    data = ("\n".join(lines) + "\n").encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def write_talportal_xlsx(path: Path, figures: dict, periods: list[str], columns=ALL_MEASURES, *,
                         measures_on_top: bool = True, subject_first: bool = True) -> Path:
    """figures: {period: {area: {provision: counts}}}; every period has the same areas and provisions."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Som tabel"
    names = [SUBJECT, AREA] if subject_first else [AREA, SUBJECT]
    pairs = ([(m, p) for m in columns for p in periods] if measures_on_top
             else [(m, p) for p in periods for m in columns])
    top, second = list(names), [None, None]
    for i, (m, p) in enumerate(pairs):
        outer, inner = (m, p) if measures_on_top else (p, m)
        previous = pairs[i - 1] if i else None
        same_outer = previous is not None and (previous[0] if measures_on_top else previous[1]) == outer
        top.append(None if same_outer else outer)  # a spanning cell is written once
        second.append(inner)
    sheet.append(top)
    sheet.append(second)
    first = figures[periods[0]]
    provisions = list(next(iter(first.values())))
    for provision in provisions:
        subject = law_and_subject(provision)[1]
        for k, area in enumerate(first):
            label = subject if k == 0 else None  # written once for the block
            row = [label, area] if subject_first else [area, label]
            for m, p in pairs:
                value = measures(figures[p][area][provision])[m]
                row.append(None if value is None else (int(value) if isinstance(value, int) or value.denominator == 1
                                                        else float(value)))
            sheet.append(row)
    sheet.append([])
    sheet.append(["Kilde: Ankestyrelsen (2025)"])
    book.save(path)
    return path
