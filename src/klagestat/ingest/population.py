"""Statistics Denmark's population (FOLK1A, "Folketal den 1. i kvartalet") → inhabitants per area
and quarter, or every problem at once.

As the statistics bank and its API deliver it: semicolon CSV `OMRÅDE;KØN;ALDER;CIVILSTAND;TID;
INDHOLD` (any of KØN, ALDER, CIVILSTAND may be left out; when there, only their totals "I alt" /
"Alder i alt"), or the same table as JSON-stat. Areas by name or code, "Hele landet" for the
nation, regions; other areas (Christiansø) are skipped with a note. `..` is not available.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from klagestat.domain.catalogue import AreaLevel, Catalogue
from klagestat.domain.cpr import mask_cpr
from klagestat.domain.periods import parse_period
from klagestat.domain.problems import ProblemList
from klagestat.domain.text import normalise, shortened

from .input_file import content_kind, read_input, refuse_unreadable, split_synthetic_mark
from .statbank import file_hash
from .statbank_csv import csv_error_da
from .statbank_jsonstat import dimension_roles, read_jsonstat_cells
from .text_files import decode

# Role → the column (or JSON-stat dimension) names that carry it, normalised.
ROLES = {
    "area": ("område", "omraade", "omrade", "kommune"),
    "period": ("tid", "time", "kvartal"),
    "value": ("indhold", "contentscode", "folketal", "value"),
}
# Columns that split the population (sex, age, marital status): only their totals may be there.
SPLITS = ("køn", "koen", "alder", "civilstand")
TOTALS = ("i alt", "alder i alt", "køn i alt", "civilstand i alt", "total")
EXPECTED = "OMRÅDE;TID;INDHOLD (og evt. KØN, ALDER, CIVILSTAND med kun 'I alt')"
SOURCE = "Danmarks Statistiks statistikbank (tabel FOLK1A)"
FORMATS = "klagestat læser folketallet som CSV (semikolonsepareret) eller JSON-stat"


def role_of(name: str) -> str | None:
    key = normalise(name)
    for role, names in ROLES.items():
        if key in names:
            return role
    return "split" if key in SPLITS else None


@dataclass
class PopulationData:
    file: str
    format: str
    sha256: str
    rows: list[tuple[int, int, int, str, int | None]]  # (line, year, quarter, area code, inhabitants)
    notes: list[str] = field(default_factory=list)
    synthetic: bool = False  # the file carries the demo's mark (input_file.SYNTHETIC_MARK)

    @property
    def years(self) -> list[int]:
        return sorted({r[1] for r in self.rows})


def read_population(path: Path, catalogue: Catalogue) -> PopulationData:
    name = mask_cpr(str(path))
    problems = ProblemList(name, importing=True)
    original = read_input(path, problems)
    data, synthetic = split_synthetic_mark(original)
    head = data[:65536]
    kind = content_kind(head)
    if kind == "xlsx":
        problems.add(f"Filen er en Excel-projektmappe. {FORMATS}; hent folketallet fra {SOURCE} i et af dem.", code="file-wrong-kind")
        problems.raise_if_any()
    refuse_unreadable(head, problems, FORMATS, f"hent folketallet fra {SOURCE} i et af dem")
    if kind == "json":
        fmt, columns, lines = _jsonstat(name, data, problems)
        where = "værdi nr."
    else:
        fmt, columns, lines = _csv(name, data, problems)
        where = "linje"
    rows, notes = _validate(name, where, columns, lines, catalogue)
    return PopulationData(name, fmt, file_hash(original), rows, notes, synthetic)


def _csv(name: str, data: bytes, problems: ProblemList):
    try:
        text, encoding = decode(data)
    except UnicodeDecodeError:
        problems.add("Filen er ikke en tekstfil i UTF-8 eller Windows' tegnsæt.", code="file-encoding")
        problems.raise_if_any()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"')
    try:
        header = [h.strip() for h in next(reader)]
        rows, lines = [], []
        for fields in reader:
            if any(f.strip() for f in fields):
                rows.append(fields)
                lines.append(reader.line_num)
    except StopIteration:  # nothing but the synthetic mark
        problems.add("Filen er tom.", code="file-empty")
        problems.raise_if_any()
    except csv.Error as e:
        problems.add(csv_error_da(e), line=reader.line_num, code="csv-invalid")
        problems.raise_if_any()
    roles: dict[str, int] = {}
    splits: list[int] = []
    for i, h in enumerate(header):
        role = role_of(h)
        if role == "split":
            splits.append(i)
        elif role is not None and role not in roles:
            roles[role] = i
        else:
            problems.add(f"Kolonnen kendes ikke. Forventet {EXPECTED}.", line=1, column=shortened(h or "(tom)", 40), code="column-unknown")
    missing = [n for r, n in (("area", "OMRÅDE"), ("period", "TID"), ("value", "INDHOLD")) if r not in roles]
    if missing:
        problems.add(f"Overskriften mangler kolonnen {', '.join(missing)}. Forventet {EXPECTED}.", line=1, code="column-missing")
    problems.raise_if_any()
    for fields, line in zip(rows, lines):
        if len(fields) != len(header):
            problems.add(f"Linjen har {len(fields)} felter, men overskriften har {len(header)}.",
                         line=line, value=shortened(";".join(fields), 80), code="row-width")
    problems.raise_if_any()
    for i in splits:
        for fields, line in zip(rows, lines):
            if normalise(fields[i]) not in TOTALS:
                problems.add(f"Kolonnen {header[i]} må kun have totalen ('I alt' eller 'Alder i alt'), for klagestat "
                             f"bruger hele befolkningen. Vælg kun totalen i statistikbanken, eller udelad kolonnen.",
                             line=line, column=header[i], value=fields[i], code="dimension-not-total")
                break
    problems.raise_if_any()
    columns = {r: (header[i], [f[i].strip() for f in rows]) for r, i in roles.items()}
    return f"CSV ({encoding})", columns, lines


def _jsonstat(name: str, data: bytes, problems: ProblemList):
    cells = read_jsonstat_cells(name, data, SOURCE)
    roles = dimension_roles(cells, lambda n: None if role_of(n) == "split" else role_of(n), problems)
    for pos, dim_id in enumerate(cells.ids):
        if role_of(dim_id) == "split" or role_of(cells.labels[pos]) == "split":
            wrong = [c for c in set(cells.categories[pos]) if normalise(c) not in TOTALS]
            if wrong:
                problems.add(f"Dimensionen {dim_id} må kun have totalen ('I alt' eller 'Alder i alt'), for klagestat "
                             "bruger hele befolkningen.", column=dim_id, value=sorted(wrong)[0], code="dimension-not-total")
    missing = [n for r, n in (("area", "OMRÅDE"), ("period", "TID")) if r not in roles]
    if missing:
        problems.add(f"Datasættet mangler dimensionen {', '.join(missing)}.", code="dimension-missing")
    problems.raise_if_any()
    columns = {r: (cells.ids[roles[r]], list(cells.categories[roles[r]])) for r in ("area", "period")}
    columns["value"] = ("value", list(cells.values))
    return cells.format, columns, list(range(1, len(cells.values) + 1))


def _validate(name: str, where: str, columns: dict, lines: list[int], catalogue: Catalogue):
    problems = ProblemList(name, position=where, importing=True)
    (area_column, areas), (period_column, periods), (value_column, values) = (
        columns["area"], columns["period"], columns["value"])
    found_areas = {label: catalogue.find_area(label) for label in set(areas)}
    found_periods = {label: parse_period(label) for label in set(periods)}
    skipped = sorted(label for label, area in found_areas.items() if area is None)
    rows: list[tuple[int, int, int, str, int | None]] = []
    seen: dict[tuple, int] = {}
    reported_periods: set[str] = set()
    for line, area_label, period_label, text in zip(lines, areas, periods, values):
        area = found_areas[area_label]
        if area is None:
            continue
        period = found_periods[period_label]
        if period is None or period.is_year:
            if period_label not in reported_periods:
                reported_periods.add(period_label)
                problems.add("Ukendt periode. Forventet et kvartal som 2024K1 (folketallet den 1. i kvartalet).",
                             line=line, column=period_column, value=period_label, code="period-unknown")
            continue
        value = text.strip().replace(".", "") if text.strip() not in ("..", ".") else ".."
        if value == "..":
            inhabitants = None
        elif value.isascii() and value.isdigit() and len(value) <= 9:
            inhabitants = int(value)
        else:
            problems.add("Folketallet er ikke et helt tal (eller '..').", line=line, column=value_column,
                         value=shortened(text), code="count-invalid")
            continue
        key = (period.year, period.quarter, area.code)
        if key in seen:
            problems.add(f"Samme folketal står to gange: {area.name} {period.label()} står også på {where} {seen[key]}.",
                         line=line, column=value_column, value=text, code="value-duplicate")
            continue
        seen[key] = line
        rows.append((line, period.year, period.quarter, area.code, inhabitants))
        if len(problems.problems) > 100:
            break
    if not rows and not problems:
        problems.add("Filen har ingen folketal for kommuner, regioner eller hele landet.", column=area_column, code="no-data-rows")
    problems.raise_if_any()
    rows = _checked_totals(rows, catalogue, problems, where)
    notes = []
    if skipped:
        notes.append(f"Områder, der ikke er kommuner, regioner eller hele landet, er sprunget over: "
                     f"{', '.join(skipped[:10])}.")
    return rows, notes


def _checked_totals(rows, catalogue: Catalogue, problems: ProblemList, where: str):
    """A region or the nation can't have fewer inhabitants than the municipalities in it that the
    file has (the nation also counts Christiansø, so it is never required to equal their sum)."""
    by_key = {(y, q, code): (line, n) for line, y, q, code, n in rows}
    for (y, q, code), (line, total) in by_key.items():
        if total is None:
            continue
        level = catalogue.area(code).level
        if level is AreaLevel.REGION:
            members = catalogue.region_members(code)
        elif level is AreaLevel.NATIONAL:
            members = tuple(catalogue.municipalities)
        else:
            continue
        parts = [by_key[(y, q, m)][1] for m in members if (y, q, m) in by_key]
        known = sum(p for p in parts if p is not None)
        if known > total:
            problems.add(f"Folketallet {total} for {catalogue.area(code).name} er mindre end summen af dets kommuner "
                         f"i filen ({known}). Filen hænger ikke sammen; hent den igen.", line=line, value=str(total), code="total-mismatch")
    problems.raise_if_any()
    return rows
