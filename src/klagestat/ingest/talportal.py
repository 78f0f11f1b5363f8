"""Ankestyrelsen's Talportal downloads → a statistics-bank table (statbank_format.RawTable).

A Talportal row is one area, law, subject (Sagsemne) and period, with one column per measure
the user ticked, in any order and any subset. The three counts on the merits (upheld, changed,
remitted) are what klagestat stores; they come from the count columns, or the one that is
missing from "Realitetsbehandlede sager i alt" minus the two others, never guessed from a rate.
Every other count and rate in the row is checked against them, and a contradiction names the
line, the column and both values. The dismissed cases come from their column or from "Afgjorte
sager" minus the merits; without either they are not available (".."), never 0.

The CSV is R's write.table (";" and decimal comma, latin-1; UTF-8 too); the XLSX ("Som tabel")
has a two-level header of measures over periods (or periods over measures) and no law column.
"""

from __future__ import annotations

import codecs
import csv
import io
import warnings
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from klagestat.domain.periods import parse_period
from klagestat.domain.problems import ProblemList
from klagestat.domain.text import normalise, shortened

from .input_file import max_import_bytes
from .register_files import cell_text, check_workbook_archive, column_name, sheet_rows
from .statbank_csv import csv_error_da
from .statbank_format import RawTable
from .text_files import decode

AREA_NAMES = ("kommune", "instans", "kommuner")
LAW_NAME = "lovgivning"
SUBJECT_NAME = "sagsemne"
PERIOD_NAMES = ("periode", "år", "tid")

# Measure → its column names in the Talportal, normalised.
COUNTS = {
    "upheld": ("stadfæstede sager",),
    "changed": ("ændrede/ophævede sager", "ændrede sager"),
    "remitted": ("hjemviste sager",),
    "dismissed": ("afviste sager", "afviste/henviste sager"),
    "decided": ("afgjorte sager",),
    "merits": ("realitetsbehandlede sager i alt", "realitetsbehandlede sager"),
}
# Rate → (its column names, numerator, denominator); a fraction 0–1 or a percent 0–100.
RATES = {
    "reversal": (("omgørelsesprocent",), "reversed", "merits"),
    "upheld_rate": (("stadfæstelsesprocent",), "upheld", "merits"),
    "remitted_rate": (("hjemvisningsprocent",), "remitted", "merits"),
    "changed_rate": (("ændrings-/ophævelsesprocent", "ændrings/ophævelsesprocent"), "changed", "merits"),
    "dismissed_rate": (("afvisningsprocent",), "dismissed", "decided"),
}
DAYS_NAMES = ("sagsbehandlingstid", "sagsbehandlingstid i dage", "gennemsnitlig sagsbehandlingstid")
MERITS_PARTS = ("upheld", "changed", "remitted")
NOT_AVAILABLE = ("na", "", ".", "..", "-")
CHOSEN_TOTAL_LABELS = ("i alt", "total")  # a Kommune row for all the municipalities chosen
RATE_TOLERANCE = Fraction(5, 10000)  # 0.05 percentage points, as a fraction
MEASURE_DA = {
    "upheld": "stadfæstede", "changed": "ændrede/ophævede", "remitted": "hjemviste", "dismissed": "afviste",
    "decided": "afgjorte", "merits": "realitetsbehandlede", "reversed": "omgjorte",
}
TICK_COUNTS = ("Vælg antallene i Talportalen (Stadfæstede sager, Ændrede/ophævede sager, Hjemviste sager og "
               "Afviste sager, eller Realitetsbehandlede sager i alt), og hent filen igen.")


def measure_of(name: str) -> str | None:
    """The measure a column holds ("upheld", "reversal", "days" …), or None."""
    key = normalise(name)
    for measure, names in COUNTS.items():
        if key in names:
            return measure
    for measure, (names, _, _) in RATES.items():
        if key in names:
            return measure
    return "days" if key in DAYS_NAMES else None


def looks_like_talportal(header: list[str]) -> bool:
    """A header with the Talportal's measure columns (the statistics bank's has INDHOLD instead)."""
    keys = {normalise(h) for h in header}
    return any(measure_of(h) for h in header) and bool(keys & {*AREA_NAMES, *PERIOD_NAMES, SUBJECT_NAME})


def is_talportal_csv(data: bytes) -> bool:
    """Whether a text file's first line is a Talportal header."""
    first = data.removeprefix(codecs.BOM_UTF8)[:8192].split(b"\n", 1)[0]
    try:
        line = first.decode("utf-8")
    except UnicodeDecodeError:
        line = first.decode("cp1252", errors="replace")
    delimiter = max((";", ",", "\t"), key=lambda d: (line.count(d), d == ";"))
    try:
        header = next(csv.reader([line.rstrip("\r")], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return False
    return looks_like_talportal(header)


@dataclass
class WideTable:
    """A Talportal download as read: text columns, one entry per row, with where each came from."""

    file: str
    format: str
    position: str  # "linje" (CSV) or "række" (XLSX)
    lines: list[int]
    area: list[str]
    law: list[str] | None  # None: the file has no law column (the XLSX)
    subject: list[str]
    period: list[str]
    # measure → (the column each row's value is in, as messages name it; the values)
    measures: dict[str, tuple[list[str], list[str]]]
    columns: dict[str, str]  # role → the column's name in the file, for messages
    notes: list[str]


# ---- CSV ------------------------------------------------------------------------------------------


def read_talportal_csv(name: str, data: bytes) -> RawTable:
    problems = ProblemList(name, importing=True)
    text, encoding = _decode(data, problems)
    first_line = text.split("\n", 1)[0].rstrip("\r")
    delimiter = max((";", ",", "\t"), key=lambda d: (first_line.count(d), d == ";"))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')
    try:
        header = [h.strip() for h in next(reader)]
        rows = []
        lines = []
        for fields in reader:
            if fields and any(f.strip() for f in fields):
                rows.append(fields)
                lines.append(reader.line_num)
    except csv.Error as e:
        problems.add(csv_error_da(e), line=reader.line_num, code="csv-invalid")
        problems.raise_if_any()
    # R's write.table with row names writes one field more per row than the header has names.
    if rows and all(len(r) == len(header) + 1 for r in rows[:50]):
        rows = [r[1:] for r in rows]
    for fields, line in zip(rows, lines):
        if len(fields) != len(header):
            problems.add(f"Linjen har {len(fields)} felter, men overskriften har {len(header)}.",
                         line=line, value=shortened(delimiter.join(fields), 80), code="row-width")
            if len(problems.problems) > 40:
                break
    problems.raise_if_any()
    return to_raw_table(_columns(name, f"Talportal-CSV ({encoding})", "linje", header, rows, lines, problems,
                                 with_law=True))


def _decode(data: bytes, problems: ProblemList) -> tuple[str, str]:
    try:
        text, encoding = decode(data)
    except UnicodeDecodeError:
        problems.add("Filen er ikke en tekstfil i UTF-8 eller latin-1/Windows' tegnsæt.", code="file-encoding")
        problems.raise_if_any()
    if data.startswith(codecs.BOM_UTF8):
        return text, encoding
    return text, "latin-1/CP-1252" if encoding == "CP-1252" else encoding


def _columns(name: str, file_format: str, position: str, header: list[str], rows: list[list[str]],
             lines: list[int], problems: ProblemList, with_law: bool) -> WideTable:
    """The rows as columns, each named by its role or measure; unknown columns noted, not read."""
    roles: dict[str, int] = {}
    measures: dict[str, int] = {}
    unknown: list[str] = []
    for i, h in enumerate(header):
        key = normalise(h)
        measure = measure_of(h)
        role = ("area" if key in AREA_NAMES else "law" if key == LAW_NAME else "subject" if key == SUBJECT_NAME
                else "period" if key in PERIOD_NAMES else None)
        if role and role not in roles:
            roles[role] = i
        elif measure and measure not in measures:
            measures[measure] = i
        elif role or measure:
            problems.add("Kolonnen står to gange i overskriften.", line=1, column=h, code="column-duplicate")
        elif h:
            unknown.append(h)
    for role, names in (("area", "Kommune (eller Instans)"), ("period", "periode")):
        if role not in roles:
            problems.add(f"Overskriften mangler kolonnen {names}. Vælg den i Talportalen, og hent filen igen.", line=1, code="column-missing")
    _require_counts(set(measures), problems, position)
    problems.raise_if_any()
    notes = []
    if unknown:
        notes.append(f"Kolonnerne {', '.join(repr(shortened(u, 40)) for u in unknown[:10])} kendes ikke og er ikke læst.")

    def column(index: int | None) -> list[str]:
        return [r[index].strip() for r in rows] if index is not None else [""] * len(rows)

    def labels(index: int | None) -> list[str]:
        """A law or subject column: NA (R's missing value) is "no law", the row of all laws."""
        return ["" if v == "NA" else v for v in column(index)]

    return WideTable(
        name, file_format, position, lines, column(roles["area"]),
        labels(roles["law"]) if "law" in roles else ([""] * len(rows) if with_law else None),
        labels(roles.get("subject")) if "subject" in roles else ["I alt"] * len(rows), column(roles["period"]),
        {m: ([header[i]] * len(rows), column(i)) for m, i in measures.items()},
        {role: header[i] for role, i in roles.items()} | {"subject": header[roles["subject"]] if "subject" in roles
                                                          else "Sagsemne"},
        notes,
    )


def _require_counts(measures: set[str], problems: ProblemList, position: str) -> None:
    """The three counts on the merits must be in the file or follow from it without guessing."""
    parts = [m for m in MERITS_PARTS if m in measures]
    if len(parts) == 3 or (len(parts) == 2 and "merits" in measures):
        return
    line = 1 if position == "linje" else None
    if not measures & set(COUNTS):
        problems.add(f"Filen har kun procenter og ingen antal sager, og klagestat regner altid fra antallene. "
                     f"{TICK_COUNTS}", line=line, code="counts-missing")
        return
    missing = [MEASURE_DA[m] for m in MERITS_PARTS if m not in measures]
    problems.add(f"Filen mangler antallet af {' og '.join(missing)} sager, og det kan ikke regnes ud af de andre "
                 f"kolonner. {TICK_COUNTS}", line=line, code="counts-missing")


# ---- from the wide rows to the statistics-bank cells ----------------------------------------------


def to_raw_table(table: WideTable) -> RawTable:
    """Counts derived and checked row by row (as arrays: a national file has 200,000 rows)."""
    problems = ProblemList(table.file, position=table.position, importing=True)
    n = len(table.lines)
    lines = np.asarray(table.lines, dtype=np.int64)
    counts: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # measure → (values, known)
    for measure in COUNTS:
        if measure in table.measures:
            columns, values = table.measures[measure]
            counts[measure] = _parse_counts(values, columns, lines, problems)
    rates = {m: (table.measures[m][0], _parse_decimals(table.measures[m][1], table.measures[m][0], lines, problems))
             for m in RATES if m in table.measures}
    days = None
    if "days" in table.measures:
        columns, values = table.measures["days"]
        days = _parse_decimals(values, columns, lines, problems)[0]  # the exact days, None where NA
    problems.raise_if_any()

    absent = (np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool))
    value = {m: counts.get(m, absent)[0].copy() for m in COUNTS}
    known = {m: counts.get(m, absent)[1].copy() for m in COUNTS}
    names = {m: table.measures[m][0] for m in counts}

    # One unknown part of the merits follows from the merits and the two others.
    for part in MERITS_PARTS:
        others = [p for p in MERITS_PARTS if p != part]
        fill = ~known[part] & known["merits"] & known[others[0]] & known[others[1]]
        value[part][fill] = value["merits"][fill] - value[others[0]][fill] - value[others[1]][fill]
        known[part] |= fill
    merits_known = known["upheld"] & known["changed"] & known["remitted"]
    merits = value["upheld"] + value["changed"] + value["remitted"]
    # The dismissed cases follow from all decided cases minus the merits.
    fill = ~known["dismissed"] & known["decided"] & merits_known
    value["dismissed"][fill] = value["decided"][fill] - merits[fill]
    known["dismissed"] |= fill

    broken = np.zeros(n, dtype=bool)  # rows whose counts contradict each other: their rates aren't checked

    def contradiction(rows: np.ndarray, columns: list[str], shown: np.ndarray, message) -> None:
        broken[rows] = True
        for i in np.nonzero(rows)[0][:20].tolist():
            problems.add(message(i), line=int(lines[i]), column=columns[i], value=str(int(shown[i])), code="counts-contradict")

    for part in MERITS_PARTS:
        derived = known[part] & ~counts.get(part, absent)[1]
        bad = derived & (value[part] < 0)
        contradiction(bad, names.get("merits", ["Realitetsbehandlede sager i alt"] * n), value["merits"], lambda i: (
            f"Realitetsbehandlede sager i alt er {value['merits'][i]}, men de {_parts_text(value, i, part)} "
            f"er flere, så antallet af {MEASURE_DA[part]} sager bliver negativt. Filen hænger ikke sammen."))
    if "merits" in counts:
        bad = known["merits"] & merits_known & (merits != value["merits"])
        bad &= np.all([counts.get(p, absent)[1] for p in MERITS_PARTS], axis=0)
        contradiction(bad, names["merits"], value["merits"], lambda i: (
            f"Realitetsbehandlede sager i alt er {value['merits'][i]}, men stadfæstede + ændrede/ophævede + "
            f"hjemviste er {value['upheld'][i]} + {value['changed'][i]} + {value['remitted'][i]} = {merits[i]}. "
            "Filen hænger ikke sammen."))
    if "decided" in counts:
        bad = known["decided"] & merits_known & known["dismissed"] & (value["decided"] != merits + value["dismissed"])
        bad |= known["decided"] & merits_known & (value["decided"] < merits)
        contradiction(bad, names["decided"], value["decided"], lambda i: (
            f"Afgjorte sager er {value['decided'][i]}, men realitetsbehandlede + afviste er {merits[i]} + "
            f"{value['dismissed'][i] if known['dismissed'][i] and value['dismissed'][i] >= 0 else '?'} = "
            f"{merits[i] + max(int(value['dismissed'][i]), 0)}. Filen hænger ikke sammen."))

    known = {m: k & ~broken for m, k in known.items()}
    value["merits"], known["merits"] = merits, merits_known & ~broken
    value["reversed"], known["reversed"] = value["changed"] + value["remitted"], known["merits"]
    value["decided"], known["decided"] = merits + value["dismissed"], known["merits"] & known["dismissed"]
    for measure, (columns, (exact, decimals, given)) in rates.items():
        _check_rate(measure, columns, exact, decimals, given, value, known, lines, problems)
    problems.problems.sort(key=lambda p: p.line or 0)  # in the file's order, as the user reads it
    problems.raise_if_any()

    # Four cells per row: the three on the merits and the dismissed, ".." where not known.
    def cell_text(measure: str) -> list[str]:
        texts = value[measure].astype(str).tolist()
        for i in np.nonzero(~known[measure])[0].tolist():
            texts[i] = ".."
        return texts

    outcomes = ("upheld", "changed", "remitted", "dismissed")
    values = [cell_text(o) for o in outcomes]
    # Each cell is named by its outcome's column, as the catalogue knows them (outcomes.toml).
    labels = {o: COUNTS[o][0].capitalize() for o in outcomes}
    law = tuple(x for x in (table.law or [""] * n) for _ in outcomes) if table.law is not None else None
    return RawTable(
        table.file, table.format,
        {"area": table.columns["area"], "basis": table.columns["subject"], "outcome": "(antal sager)",
         "period": table.columns["period"], "value": "(antal sager)", "law": table.columns.get("law", "Lovgivning")},
        [line for line in table.lines for _ in outcomes],
        tuple(x for x in table.area for _ in outcomes),
        tuple(x for x in table.subject for _ in outcomes),
        tuple(labels[o] for _ in range(n) for o in outcomes),
        tuple(x for x in table.period for _ in outcomes),
        tuple(v for row in zip(*values) for v in row),
        where=table.position, law=law, talportal=True, source="Talportalen", notes=list(table.notes),
        days=None if days is None else tuple(d for d in days for _ in outcomes),
    )


def _parts_text(value, i: int, derived: str) -> str:
    return " + ".join(f"{MEASURE_DA[p]} ({value[p][i]})" for p in MERITS_PARTS if p != derived)


def _parse_counts(values: list[str], columns: list[str], lines: np.ndarray, problems: ProblemList):
    distinct = list(dict.fromkeys(values))
    parsed: dict[str, int | None] = {}
    for text in distinct:
        t = text.strip()
        if normalise(t) in NOT_AVAILABLE:
            parsed[text] = None
        elif t.isascii() and t.isdigit() and len(t) <= 9:
            parsed[text] = int(t)
        else:
            number = _decimal(t)
            if number is not None and number.denominator == 1 and 0 <= number < 10**9:
                parsed[text] = int(number)  # "3,0" from a spreadsheet
                continue
            message = ("Antallet er negativt; et antal sager kan ikke være negativt." if number is not None and number < 0
                       else "Antallet er ikke et helt tal (og ikke NA).")
            for i in np.nonzero(np.asarray(values, dtype=object) == text)[0][:5].tolist():
                problems.add(message, line=int(lines[i]), column=columns[i], value=shortened(text), code="count-invalid")
            parsed[text] = None
    result = [parsed[v] for v in values]
    known = np.fromiter((v is not None for v in result), dtype=bool, count=len(result))
    return np.fromiter((v or 0 for v in result), dtype=np.int64, count=len(result)), known


def _decimal(text: str) -> Fraction | None:
    t = text.strip().removesuffix("%").strip().replace("\u2212", "-")
    if not t or t.count(",") + t.count(".") > 1:
        return None
    try:
        return Fraction(t.replace(",", "."))
    except (ValueError, ZeroDivisionError):
        return None


def _parse_decimals(values: list[str], columns: list[str], lines: np.ndarray, problems: ProblemList):
    """(exact value or None, decimals written, the text) per row; a text that is no number is a problem."""
    parsed: dict[str, tuple[Fraction | None, int]] = {}
    for text in dict.fromkeys(values):
        t = text.strip()
        if normalise(t) in NOT_AVAILABLE:
            parsed[text] = (None, 0)
            continue
        number = _decimal(t)
        if number is None or number < 0:
            for i in [i for i, v in enumerate(values) if v == text][:5]:
                problems.add("Tallet kan ikke læses (forventet fx 0,391 eller 39,1 eller NA).",
                             line=int(lines[i]), column=columns[i], value=shortened(text), code="number-invalid")
            parsed[text] = (None, 0)
            continue
        digits = t.removesuffix("%").strip()
        decimals = len(digits.replace(",", ".").partition(".")[2])
        parsed[text] = (number, decimals)
    exact = [parsed[v][0] for v in values]
    decimals = [parsed[v][1] for v in values]
    return exact, decimals, values


def _check_rate(measure, columns, exact, decimals, given, value, known, lines, problems) -> None:
    """A rate must be its counts' fraction to within 0.05 points (or to the decimals it is written
    with, when fewer); read as a fraction (0–1) or a percent (0–100), whichever the column is."""
    _, numerator, denominator = RATES[measure]
    rows = [i for i, x in enumerate(exact) if x is not None and known[numerator][i] and known[denominator][i]
            and value[denominator][i] > 0]
    if not rows:
        return
    as_fraction = all(exact[i] <= 1 for i in rows) and not any("%" in given[i] for i in rows)

    def wrong(i: int, scale: int) -> bool:
        truth = Fraction(int(value[numerator][i]), int(value[denominator][i]))
        written = exact[i] / scale
        tolerance = max(RATE_TOLERANCE, Fraction(1, 2 * 10 ** decimals[i]) / scale)
        return abs(written - truth) > tolerance

    bad = [i for i in rows if wrong(i, 1 if as_fraction else 100)]
    if bad and as_fraction and not [i for i in rows if wrong(i, 100)]:
        bad = []  # a percent column whose values are all 1 or below
    for i in bad[:20]:
        num, den = int(value[numerator][i]), int(value[denominator][i])
        percent = float(Fraction(num, den) * 100)
        problems.add(
            f"Procenten passer ikke med antallene: {MEASURE_DA[numerator]} / {MEASURE_DA[denominator]} sager er "
            f"{num} / {den} = {percent:.2f} %".replace(".", ",") + ". Filen hænger ikke sammen.",
            line=int(lines[i]), column=columns[i], value=given[i], code="percent-mismatch")


# ---- XLSX -----------------------------------------------------------------------------------------


def read_talportal_xlsx(name: str, data: bytes) -> RawTable:
    """The Talportal's "Som tabel" sheet: two header rows (measures over periods, or periods over
    measures), the row names in the first columns (Sagsemne and Kommune, either order; a name
    written once for a block of rows), the data, then an empty row and "Kilde: …"."""
    from openpyxl import load_workbook  # only this path pays for importing it

    problems = ProblemList(name, position="række", importing=True)
    raw = io.BytesIO(data)
    check_workbook_archive(raw, max_import_bytes(), problems)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(raw, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file
        problems.add("Filen kan ikke læses som Excel-projektmappe; den kan være beskadiget.", code="file-damaged")
        problems.raise_if_any()
    try:
        sheets = [ws for ws in workbook.worksheets if ws.sheet_state == "visible"] or workbook.worksheets
        ws = next((s for s in sheets if normalise(s.title) == "som tabel"), sheets[0] if sheets else None)
        if ws is None:
            problems.add("Projektmappen har ingen ark.", code="workbook-no-sheets")
            problems.raise_if_any()
        ws.reset_dimensions()
        rows = [[cell_text(v) for v in row] for row in sheet_rows(ws, problems)]
    finally:
        workbook.close()
    return to_raw_table(_xlsx_table(name, rows, problems))


def _xlsx_table(name: str, rows: list[list[str]], problems: ProblemList) -> WideTable:
    start = next((i for i, r in enumerate(rows) if any(r)), None)
    if start is None or start + 2 >= len(rows):
        problems.add("Arket har ikke to overskriftsrækker og data under dem, som Talportalens tabel ('Som tabel').", code="talportal-layout")
        problems.raise_if_any()
    top, second = rows[start], rows[start + 1]
    width = max(len(top), len(second))
    top, second = top + [""] * (width - len(top)), second + [""] * (width - len(second))
    # The row names: the first columns, named in either header row.
    roles: dict[str, int] = {}
    for i in range(width):
        key = normalise(top[i] or second[i])
        role = "area" if key in AREA_NAMES else "subject" if key == SUBJECT_NAME else "law" if key == LAW_NAME else None
        if role is None:
            break
        roles[role] = i
    first_data_column = len(roles)
    if "area" not in roles:
        problems.add("Regnearket ligner ikke Talportalens tabel ('Som tabel'): de første kolonner skal være Sagsemne "
                     "og Kommune (eller Instans) under to overskriftsrækker med mål og perioder. klagestat læser "
                     "statistik som Talportalens CSV eller regneark, statistikbankens CSV eller JSON-stat.",
                     line=start + 1, code="talportal-layout")
        problems.raise_if_any()
    top_filled = _carried_right(top, first_data_column)
    measures_on_top = any(measure_of(h) for h in top_filled[first_data_column:])
    columns: list[tuple[int, str, str]] = []  # (index, measure, period text)
    unknown = []
    for i in range(first_data_column, width):
        measure_text, period_text = (top_filled[i], second[i]) if measures_on_top else (second[i], top_filled[i])
        if not measure_text and not period_text:
            continue
        measure = measure_of(measure_text)
        if measure is None:
            unknown.append(measure_text or column_name(i))
            continue
        if parse_period(period_text) is None:
            problems.add("Ukendt periode i overskriften. Forventet et år (2024) eller et kvartal (2024 - 1. kvartal).",
                         line=start + (2 if measures_on_top else 1), column=column_name(i), value=period_text, code="period-unknown")
            continue
        columns.append((i, measure, period_text))
    _require_counts({m for _, m, _ in columns}, problems, "række")
    problems.raise_if_any()

    periods = list(dict.fromkeys(p for _, _, p in columns))
    at = {(m, p): i for i, m, p in columns}  # (measure, period) → the column
    out = {key: [] for key in ("line", "area", "subject", "period")}
    measures: dict[str, tuple[list[str], list[str]]] = {m: ([], []) for _, m, _ in columns}
    last = {role: "" for role in roles}
    for number, row in enumerate(rows[start + 2:], start + 3):
        row = row + [""] * (width - len(row))
        if not any(row) or normalise(row[0]).startswith("kilde:"):
            break  # the empty row before "Kilde: Ankestyrelsen (…)"
        for role, i in roles.items():
            last[role] = row[i] or last[role]  # a name written once for a block of rows
        for period in periods:
            out["line"].append(number)
            out["area"].append(last["area"])
            out["subject"].append(last.get("subject") or "I alt")
            out["period"].append(period)
            for measure, (names, values) in measures.items():
                i = at.get((measure, period))
                names.append(f"{column_name(i)} ({_header_text(top_filled, second, i)})" if i is not None else "")
                values.append(row[i] if i is not None else "")
    notes = [f"Kolonnerne {', '.join(repr(shortened(u, 40)) for u in dict.fromkeys(unknown))} kendes ikke og er "
             "ikke læst."] if unknown else []
    labels = {"area": top[roles["area"]] or second[roles["area"]]}
    if "subject" in roles:
        labels["subject"] = top[roles["subject"]] or second[roles["subject"]]
    return WideTable(name, "Talportal-XLSX", "række", out["line"], out["area"], None,
                     ["" if s == "NA" else s for s in out["subject"]], out["period"], measures,
                     {"period": "(overskriften)", "subject": "Sagsemne", **labels}, notes)


def _carried_right(header: list[str], first: int) -> list[str]:
    """A header row with each cell from `first` on that is empty (the rest of a merged or spanning
    cell) holding the text written to its left."""
    filled, current = list(header), ""
    for i in range(first, len(header)):
        current = header[i] or current
        filled[i] = current
    return filled


def _header_text(top: list[str], second: list[str], i: int) -> str:
    return " ".join(x for x in (top[i], second[i]) if x)
