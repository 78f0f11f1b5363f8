"""Statistics-bank files (CSV or JSON-stat) → validated cells, or every problem at once.

The rules (design.md, "Statistics-bank files"):
- municipalities by name, old spelling or code; "Hele landet" is the national level;
- `..` is not available, never zero;
- totals ("I alt" outcomes, law-level rows, the all-laws row, a year against its quarters) are
  kept, never added to their parts, and checked against their parts when all parts have values;
  a total that contradicts its parts refuses the file;
- years are derived from quarters when a file has only quarters (and all of them).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from klagestat.domain.catalogue import Area, AreaLevel, Catalogue
from klagestat.domain.legal_basis import UNMAPPED, BasisLevel, BasisRef, split_numeric_prefix
from klagestat.domain.outcomes import OUTCOME_NAMES_DA, TOTAL, Outcome
from klagestat.domain.periods import Period, parse_period

from .label_map import LabelMap
from .problems import ProblemList
from .statbank_csv import read_csv
from .statbank_format import RawTable
from .statbank_jsonstat import read_jsonstat

OUTCOME_CODES = (Outcome.UPHELD.value, Outcome.CHANGED.value, Outcome.REMITTED.value, Outcome.DISMISSED.value)
UNAVAILABLE = ".."


@dataclass(frozen=True, slots=True)
class Basis:
    id: int
    label: str
    ref: BasisRef


@dataclass
class StatbankData:
    """A statistics-bank file, validated and ready for the store."""

    file: str
    format: str
    sha256: str
    bases: list[Basis]
    # (line or None when derived, year, quarter (0 = year), area code, basis id, outcome, count or None, derived)
    cells: list[tuple]
    areas: dict[str, AreaLevel]
    notes: list[str] = field(default_factory=list)

    @property
    def years(self) -> list[int]:
        return sorted({c[1] for c in self.cells})


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_statbank(
    path: Path,
    catalogue: Catalogue,
    label_map: LabelMap | None = None,
    allow_unmapped: bool = False,
) -> StatbankData:
    name = str(path)
    problems = ProblemList(name)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        problems.add("Filen findes ikke.")
        problems.raise_if_any()
    except IsADirectoryError:
        problems.add("Det er en mappe, ikke en fil.")
        problems.raise_if_any()
    head = data.lstrip()[:1]
    table = read_jsonstat(name, data) if head in (b"{", b"[") else read_csv(name, data)
    result = _validate(table, catalogue, label_map or LabelMap(), allow_unmapped)
    result.sha256 = file_hash(data)
    return result


def _validate(table: RawTable, catalogue: Catalogue, label_map: LabelMap, allow_unmapped: bool) -> StatbankData:
    problems = ProblemList(table.file, position=table.where)
    col = table.columns

    # Labels are few and rows are many: each distinct label is resolved once, to a small id.
    areas: list[Area] = []
    area_ids: dict[str, int] = {}
    periods: list[Period] = []
    period_ids: dict[str, int] = {}
    outcomes: list[str] = []
    outcome_ids: dict[str, int] = {}
    basis_labels: list[str] = []
    basis_first_line: list[int] = []
    basis_ids: dict[str, int] = {}

    def new_area(label: str, line: int) -> int:
        area = label_map.area(label) or catalogue.find_area(label)
        if area is None:
            problems.add("Ukendt kommune. Skriv kommunens navn eller kode (fx 'Lejre' eller '350').",
                         line=line, column=col["area"], value=label)
            area = Area(AreaLevel.MUNICIPALITY, "?", label)
        area_ids[label] = len(areas)
        areas.append(area)
        return area_ids[label]

    def new_period(label: str, line: int) -> int:
        period = parse_period(label)
        if period is None:
            problems.add("Ukendt periode. Forventet et år (2024) eller et kvartal (2024K1).",
                         line=line, column=col["period"], value=label)
            period = Period(0, 0)
        period_ids[label] = len(periods)
        periods.append(period)
        return period_ids[label]

    def new_outcome(label: str, line: int) -> int:
        outcome = label_map.outcome(label) or catalogue.outcome_for_label(label)
        if outcome is None:
            problems.add(
                "Ukendt afgørelse. Kendte afgørelser er fx Stadfæstet, Ændret/ophævet, Hjemvist, "
                "Afvist/henvist og I alt; andre kan oversættes med --label-map.",
                line=line, column=col["outcome"], value=label,
            )
            outcome = "?"
        outcome_ids[label] = len(outcomes)
        outcomes.append(outcome)
        return outcome_ids[label]

    def new_basis(label: str, line: int) -> int:
        basis_ids[label] = len(basis_labels)
        basis_labels.append(label)
        basis_first_line.append(line)
        return basis_ids[label]

    values: dict[int, int | None] = {}
    lines: dict[int, int] = {}
    # A cell's key packs (period, area, basis, outcome) ids into one int: cheaper than a tuple.
    # The multipliers are generous bounds; they are checked below.
    M_O, M_B, M_A = 64, 1 << 16, 1 << 12
    for line, a, b, o, p, v in table.rows:
        ai = area_ids.get(a)
        if ai is None:
            ai = new_area(a, line)
        pi = period_ids.get(p)
        if pi is None:
            pi = new_period(p, line)
        oi = outcome_ids.get(o)
        if oi is None:
            oi = new_outcome(o, line)
        bi = basis_ids.get(b)
        if bi is None:
            bi = new_basis(b, line)
        if v.isdigit() and v.isascii():
            count = int(v)
        else:
            count = _parse_count(v, line, col["value"], problems)
        key = ((pi * M_A + ai) * M_B + bi) * M_O + oi
        if key in values:
            problems.add(
                f"Samme celle står to gange (også på {table.where} {lines[key]}).",
                line=line, column=col["value"], value=f"{a} / {b} / {o} / {p}",
            )
        values[key] = count
        lines[key] = line
        if len(problems.problems) > 200:
            break
    if len(outcomes) >= M_O or len(basis_labels) >= M_B or len(areas) >= M_A:
        problems.add("Filen har flere forskellige etiketter, end klagestat kan læse i én fil.")
    problems.raise_if_any()

    bases = _resolve_bases(basis_labels, basis_first_line, catalogue, label_map, allow_unmapped, table, problems)

    # Unpack the keys once into parallel columns for the checks and the store.
    cells = []
    for key, count in values.items():
        oi = key % M_O
        rest = key // M_O
        bi = rest % M_B
        rest //= M_B
        ai = rest % M_A
        pi = rest // M_A
        cells.append((pi, ai, bi, oi, count, lines[key]))

    checker = _TotalsChecker(table, problems, periods, areas, bases, outcomes, catalogue)
    checker.check(cells)
    problems.raise_if_any()

    stored, notes = _with_derived_years(cells, periods, areas, outcomes, catalogue)
    area_levels = {a.code: a.level for a in areas}
    return StatbankData(table.file, table.format, "", bases, stored, area_levels, notes)


def _parse_count(text: str, line: int, column: str, problems: ProblemList) -> int | None:
    v = text.strip()
    if v == UNAVAILABLE:
        return None
    if v.isdigit() and v.isascii():
        return int(v)
    if v == "":
        problems.add("Tallet mangler. Skriv 0 eller '..' (ikke tilgængeligt).", line=line, column=column, value=text)
    elif v.lstrip("-").strip().isdigit():
        problems.add("Antallet er negativt; et antal sager kan ikke være negativt.", line=line, column=column, value=text)
    else:
        problems.add("Antallet er ikke et helt tal.", line=line, column=column, value=text)
    return None


def _resolve_bases(
    labels: list[str],
    first_lines: list[int],
    catalogue: Catalogue,
    label_map: LabelMap,
    allow_unmapped: bool,
    table: RawTable,
    problems: ProblemList,
) -> list[Basis]:
    # Law-level rows ("1 Serviceloven") give their numeric prefix to the provisions under them.
    prefix_laws: dict[str, str] = {}
    for label in labels:
        major, minor, rest = split_numeric_prefix(label)
        if major is not None and minor is None:
            law = catalogue.law_named_in(rest)
            if law is not None:
                prefix_laws[major] = law.id
    bases = []
    unknown: list[tuple[int, str]] = []
    for i, label in enumerate(labels):
        ref = label_map.basis(label) or catalogue.recognise_basis(label, prefix_laws)
        if ref is None:
            unknown.append((first_lines[i], label))
            ref = UNMAPPED
        bases.append(Basis(i, label, ref))
    if unknown and not allow_unmapped:
        for line, label in unknown:
            problems.add("Ukendt lovgrundlag.", line=line, column=table.columns["basis"], value=label)
        example = unknown[0][1]
        problems.raise_if_any(
            hint=(
                f"klagestat kender ikke {len(unknown)} lovgrundlag i filen (listen ovenfor). "
                "Skriv dem i en oversættelsesfil (TOML) og importér igen med --label-map FIL, fx:\n"
                "  [legal_basis]\n"
                f'  "{example}" = "Serviceloven § 100"\n'
                "eller importér dem som 'ukendt lovgrundlag' med --allow-unmapped."
            )
        )
    return bases


class _TotalsChecker:
    """Checks every total in the file against its parts; a contradiction refuses the file."""

    def __init__(self, table, problems, periods, areas, bases, outcomes, catalogue):
        self.table = table
        self.problems = problems
        self.periods = periods
        self.areas = areas
        self.bases = bases
        self.outcomes = outcomes
        self.catalogue = catalogue

    def _fail(self, line: int, total: int, parts: int, what: str, where: str) -> None:
        self.problems.add(
            f"Totalen {total} passer ikke med summen af {what}, som er {parts} ({where}). "
            f"Filen er ikke intern konsistent; hent den igen fra statistikbanken.",
            line=line, column=self.table.columns["value"], value=str(total),
        )

    def _compare(self, total, parts: list[int | None], complete: bool, what: str, where: str) -> None:
        value, line = total
        if value is None:
            return
        known = [p for p in parts if p is not None]
        s = sum(known)
        if s > value or (complete and len(known) == len(parts) and s != value):
            self._fail(line, value, s, what, where)

    def check(self, cells: list[tuple]) -> None:
        outcomes = self.outcomes
        bases = self.bases
        periods = self.periods

        # 1. "I alt" over outcomes against the four outcomes.
        by_cell: dict[tuple, dict[str, tuple]] = defaultdict(dict)
        for pi, ai, bi, oi, count, line in cells:
            by_cell[(pi, ai, bi)][outcomes[oi]] = (count, line)
        all_outcomes_in_file = set(OUTCOME_CODES) <= set(outcomes)
        for (pi, ai, bi), row in by_cell.items():
            if TOTAL in row:
                parts = [row[o][0] for o in OUTCOME_CODES if o in row]
                self._compare(row[TOTAL], parts, all_outcomes_in_file, "de fire afgørelser",
                              self._where(pi, ai, bi))

        # 2. Law rows against their provisions; the all-laws row against the laws.
        law_rows: dict[tuple, tuple] = {}
        all_rows: dict[tuple, tuple] = {}
        provision_parts: dict[tuple, list] = defaultdict(list)
        for pi, ai, bi, oi, count, line in cells:
            ref = bases[bi].ref
            o = outcomes[oi]
            if ref.level is BasisLevel.LAW:
                law_rows[(pi, ai, ref.law_id, o)] = (count, line, bi)
            elif ref.level is BasisLevel.ALL:
                all_rows[(pi, ai, o)] = (count, line, bi)
            elif ref.level is BasisLevel.PROVISION:
                provision_parts[(pi, ai, ref.law_id, o)].append(count)
        for key, (count, line, bi) in law_rows.items():
            parts = provision_parts.get(key)
            if parts:
                self._compare((count, line), parts, True, "bestemmelserne under loven",
                              self._where(key[0], key[1], bi, key[3]))
        law_figures: dict[tuple, list] = defaultdict(list)
        for (pi, ai, law_id, o), (count, _, _) in law_rows.items():
            law_figures[(pi, ai, o)].append(count)
        for (pi, ai, law_id, o), parts in provision_parts.items():
            if (pi, ai, law_id, o) not in law_rows:
                law_figures[(pi, ai, o)].append(None if None in parts else sum(parts))
        for key, (count, line, bi) in all_rows.items():
            parts = law_figures.get(key)
            if parts:
                self._compare((count, line), parts, True, "lovene", self._where(key[0], key[1], bi, key[2]))

        # 3. A year row against its quarters.
        quarters: dict[tuple, list] = defaultdict(list)
        years: dict[tuple, tuple] = {}
        for pi, ai, bi, oi, count, line in cells:
            period = periods[pi]
            if period.is_year:
                years[(period.year, ai, bi, oi)] = (count, line, pi)
            else:
                quarters[(period.year, ai, bi, oi)].append(count)
        for key, (count, line, pi) in years.items():
            parts = quarters.get(key)
            if parts:
                complete = len(parts) == len(self.catalogue_quarters(key[0]))
                self._compare((count, line), parts, complete, "kvartalerne",
                              self._where(pi, key[1], key[2], outcomes[key[3]]))

    def catalogue_quarters(self, year: int) -> tuple[int, ...]:
        return expected_quarters(year, self.catalogue)

    def _where(self, pi, ai, bi, outcome: str | None = None) -> str:
        parts = [self.periods[pi].label(), self.areas[ai].name, self.bases[bi].label]
        if outcome and outcome != TOTAL and outcome in OUTCOME_CODES:
            parts.append(OUTCOME_NAMES_DA[Outcome(outcome)])
        elif outcome == TOTAL:
            parts.append("I alt")
        return ", ".join(parts)


def expected_quarters(year: int, catalogue: Catalogue) -> tuple[int, ...]:
    """The quarters that make up a year in the statistics bank (2013 starts with K2)."""
    first = catalogue.first_period
    start = first.quarter if year == first.year and first.quarter else 1
    return tuple(range(start, 5))


def _with_derived_years(cells, periods, areas, outcomes, catalogue) -> tuple[list[tuple], list[str]]:
    """Store rows, plus a year row summed from the quarters when the file has no year row."""
    out = []
    year_keys = set()
    quarter_sums: dict[tuple, list] = {}
    for pi, ai, bi, oi, count, line in cells:
        period = periods[pi]
        out.append((line, period.year, period.quarter, areas[ai].code, bi, outcomes[oi], count, False))
        if period.is_year:
            year_keys.add((period.year, ai, bi, oi))
        else:
            entry = quarter_sums.setdefault((period.year, ai, bi, oi), [0, set(), False])
            if count is None:
                entry[2] = True
            else:
                entry[0] += count
            entry[1].add(period.quarter)
    incomplete_years = set()
    derived = 0
    for (year, ai, bi, oi), (total, present, unavailable) in quarter_sums.items():
        if (year, ai, bi, oi) in year_keys:
            continue
        if present != set(expected_quarters(year, catalogue)):
            incomplete_years.add(year)
            continue
        out.append((None, year, 0, areas[ai].code, bi, outcomes[oi], None if unavailable else total, True))
        derived += 1
    notes = []
    if derived:
        notes.append(f"Årstal er lagt sammen af kvartalerne ({derived} celler), fordi filen kun har kvartaler.")
    for year in sorted(incomplete_years):
        notes.append(
            f"{year} har ikke alle kvartaler i filen, så året er ikke beregnet; kvartalerne er gemt."
        )
    return out, notes
