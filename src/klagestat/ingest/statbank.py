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

import datetime as dt
import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from klagestat.domain.catalogue import Area, AreaLevel, Catalogue
from klagestat.domain.cpr import mask_cpr
from klagestat.domain.legal_basis import UNMAPPED, BasisLevel, BasisRef, split_numeric_prefix
from klagestat.domain.outcomes import OUTCOME_NAMES_DA, TOTAL, Outcome
from klagestat.domain.periods import Period, parse_period
from klagestat.domain.problems import ProblemList
from klagestat.domain.text import normalise

from .input_file import content_kind, read_input, refuse_unreadable, split_synthetic_mark
from .label_map import LabelMap
from .statbank_csv import read_csv
from .statbank_format import RawTable
from .statbank_jsonstat import read_jsonstat
from .talportal import CHOSEN_TOTAL_LABELS, is_talportal_csv, read_talportal_csv, read_talportal_xlsx

OUTCOME_CODES = (Outcome.UPHELD.value, Outcome.CHANGED.value, Outcome.REMITTED.value, Outcome.DISMISSED.value)
UNAVAILABLE = ".."


@dataclass(frozen=True, slots=True)
class Basis:
    id: int
    label: str
    ref: BasisRef


@dataclass
class CellColumns:
    """The cells to store, as parallel arrays; `columns()` hands them to the store as lists."""

    line: np.ndarray  # -1 for a year summed from quarters
    year: np.ndarray
    quarter: np.ndarray  # 0 = the whole year
    area: np.ndarray  # index into area_codes
    basis: np.ndarray  # basis id
    outcome: np.ndarray  # index into outcomes
    count: np.ndarray  # 0 where not available
    unavailable: np.ndarray
    area_codes: list[str]
    outcomes: list[str]

    def __len__(self) -> int:
        return len(self.line)

    @property
    def derived(self) -> np.ndarray:
        return self.line < 0

    def columns(self) -> list[list]:
        """Columns for the store: line (None for a year summed from quarters), year, quarter,
        area code, basis id, outcome, count (None for '..')."""
        lines: list = self.line.tolist()
        for i in np.nonzero(self.derived)[0].tolist():
            lines[i] = None
        counts: list = self.count.tolist()
        for i in np.nonzero(self.unavailable)[0].tolist():
            counts[i] = None
        return [
            lines, self.year.tolist(), self.quarter.tolist(), list(map(self.area_codes.__getitem__, self.area.tolist())),
            self.basis.tolist(), list(map(self.outcomes.__getitem__, self.outcome.tolist())), counts,
        ]

    def slots(self, law_keys: list[str]) -> list[tuple]:
        """The distinct (year, quarter, area code, law key) the cells cover; law_keys by basis id."""
        distinct_laws = list(dict.fromkeys(law_keys))
        n_laws = max(len(distinct_laws), 1)
        basis_law = np.array([distinct_laws.index(k) for k in law_keys], dtype=np.int64)
        key = ((self.year * 8 + self.quarter) * len(self.area_codes) + self.area) * n_laws + basis_law[self.basis]
        result = []
        for k in np.unique(key).tolist():
            k, law = divmod(k, n_laws)
            k, area = divmod(k, len(self.area_codes))
            year, quarter = divmod(k, 8)
            result.append((year, quarter, self.area_codes[area], distinct_laws[law]))
        return result


@dataclass
class StatbankData:
    """A statistics-bank file, validated and ready for the store."""

    file: str
    format: str
    sha256: str
    bases: list[Basis]
    cells: CellColumns
    areas: dict[str, AreaLevel]
    notes: list[str] = field(default_factory=list)
    days: list[tuple] = field(default_factory=list)  # (line, year, quarter, area code, basis id, days)
    synthetic: bool = False  # the file carries the demo's mark (input_file.SYNTHETIC_MARK)

    @property
    def years(self) -> list[int]:
        return np.unique(self.cells.year).tolist()


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_statbank(
    path: Path,
    catalogue: Catalogue,
    label_map: LabelMap | None = None,
    allow_unmapped: bool = False,
) -> StatbankData:
    name = mask_cpr(str(path))  # the name is shown and stored: no CPR number in it
    problems = ProblemList(name, importing=True)
    original = read_input(path, problems)
    data, synthetic = split_synthetic_mark(original)
    # The format is chosen from the content, never from the file's name.
    kind = content_kind(data[:65536])
    if kind == "xlsx":
        table = read_talportal_xlsx(name, data)
    else:
        refuse_unreadable(data[:65536], problems, FORMATS, "hent tallene i et af de formater")
        if kind == "json":
            table = read_jsonstat(name, data)
        elif is_talportal_csv(data):
            table = read_talportal_csv(name, data)
        else:
            table = read_csv(name, data)
    result = _validate(table, catalogue, label_map or LabelMap(), allow_unmapped)
    result.sha256 = file_hash(original)
    result.synthetic = synthetic
    return result


FORMATS = ("klagestat læser statistik som Talportalens CSV eller regneark (XLSX) og statistikbankens CSV "
           "(semikolonsepareret) eller JSON-stat")


def _factorize(column: tuple[str, ...]) -> tuple[list[str], np.ndarray]:
    """Distinct labels in first-seen order, and each cell's index into them (in C, mostly)."""
    distinct = list(dict.fromkeys(column))
    index = {label: i for i, label in enumerate(distinct)}
    ids = np.fromiter(map(index.__getitem__, column), dtype=np.int64, count=len(column))
    return distinct, ids


def _canonical(items: list, ids: np.ndarray) -> tuple[list, np.ndarray]:
    """Merge labels that resolved to the same thing: one id per distinct item."""
    distinct = list(dict.fromkeys(items))
    if len(distinct) == len(items):
        return items, ids
    index = {item: i for i, item in enumerate(distinct)}
    remap = np.array([index[item] for item in items], dtype=np.int64)
    return distinct, remap[ids]


def _first_lines(ids: np.ndarray, lines: np.ndarray, n: int) -> list[int]:
    """The first line on which each of n labels appears."""
    first = np.full(n, -1, dtype=np.int64)
    order = np.arange(len(ids) - 1, -1, -1)
    first[ids[order]] = lines[order]  # the last write (the first row) wins
    return first.tolist()


def _validate(table: RawTable, catalogue: Catalogue, label_map: LabelMap, allow_unmapped: bool) -> StatbankData:
    problems = ProblemList(table.file, position=table.where, importing=True)
    col = table.columns
    notes = list(table.notes)
    table, skipped_rows = _without_other_bodies(table, catalogue, label_map, notes)
    lines = np.asarray(table.lines, dtype=np.int64)

    # Labels are few and cells many: each distinct label is resolved once, then looked up by id.
    area_labels, ai = _factorize(table.area)
    period_labels, pi = _factorize(table.period)
    outcome_labels, oi = _factorize(table.outcome)
    # With a law column, a legal basis is the pair (law, subject).
    basis_labels, bi = _factorize(table.basis if table.law is None else tuple(zip(table.law, table.basis)))
    value_labels, vi = _factorize(table.value)

    areas: list[Area] = []
    for label, line in zip(area_labels, _first_lines(ai, lines, len(area_labels))):
        area = _find_area(label, table, catalogue, label_map)
        if area is None:
            problems.add("Ukendt kommune. Skriv kommunens navn eller kode (fx 'Lejre' eller '350').",
                         line=line, column=col["area"], value=label, code="area-unknown")
            area = Area(AreaLevel.MUNICIPALITY, "?", label)
        areas.append(area)
    periods: list[Period] = []
    for label, line in zip(period_labels, _first_lines(pi, lines, len(period_labels))):
        period = parse_period(label)
        if period is None:
            problems.add("Ukendt periode. Forventet et år (2024) eller et kvartal (2024K1).",
                         line=line, column=col["period"], value=label, code="period-unknown")
            period = Period(0, 0)
        elif period.first_day > dt.date.today():
            problems.add("Perioden ligger i fremtiden; Ankestyrelsen kan ikke have afgjort sager i den endnu. "
                         "Er året tastet forkert?", line=line, column=col["period"], value=label, code="period-in-future")
            period = Period(0, 0)
        periods.append(period)
    outcomes: list[str] = []
    for label, line in zip(outcome_labels, _first_lines(oi, lines, len(outcome_labels))):
        outcome = label_map.outcome(label) or catalogue.outcome_for_label(label)
        if outcome is None:
            problems.add(
                "Ukendt afgørelse. Kendte afgørelser er fx Stadfæstet, Ændret/ophævet, Hjemvist, "
                "Afvist/henvist og I alt; andre kan oversættes med --label-map.",
                line=line, column=col["outcome"], value=label,
                code="outcome-unknown",
            )
            outcome = "?"
        outcomes.append(outcome)
    missing_outcomes = [OUTCOME_NAMES_DA[Outcome(o)] for o in OUTCOME_CODES if o not in outcomes]
    if missing_outcomes and "?" not in outcomes:
        problems.add(
            f"Filen mangler afgørelsen {' og '.join(missing_outcomes)}. Uden alle fire afgørelser "
            "(Stadfæstet, Ændret/ophævet, Hjemvist, Afvist/henvist) kan omgørelsesprocenten ikke "
            "beregnes; vælg dem alle, når du henter tabellen.",
            line=1, column=col["outcome"],
            code="outcome-missing",
        )
    value_counts: list[int] = []
    value_unavailable: list[bool] = []
    bad_values = []
    for i, label in enumerate(value_labels):
        count, message = _parse_count(label)
        if message:
            bad_values.append((i, label, message))
        value_counts.append(count or 0)
        value_unavailable.append(count is None)
    for i, label, message in bad_values:
        for line in lines[vi == i][:5].tolist():
            problems.add(message, line=line, column=col["value"], value=label, code="count-invalid")
    # Unknown legal bases are said together with every problem found so far (one message).
    bases = _resolve_bases(basis_labels, _first_lines(bi, lines, len(basis_labels)), catalogue, label_map,
                           allow_unmapped, table, problems)
    problems.raise_if_any()

    counts = np.asarray(value_counts, dtype=np.int64)[vi]
    unavailable = np.asarray(value_unavailable, dtype=bool)[vi]
    # Two spellings of one municipality ("Allerød", "201") or one period are the same cells.
    areas, ai = _canonical(areas, ai)
    periods, pi = _canonical(periods, pi)

    # Each cell once: (period, area, legal basis, outcome) packed into one int64.
    na, nb, no = len(areas), len(basis_labels), len(outcomes)
    keys = ((pi * na + ai) * nb + bi) * no + oi
    order = np.argsort(keys, kind="stable")
    dup = np.nonzero(keys[order][1:] == keys[order][:-1])[0]
    for d in dup[:20].tolist():
        first, second = order[d], order[d + 1]
        law = f"{table.law[second]} / " if table.law is not None and table.law[second] else ""
        problems.add(
            f"Samme tal står to gange: {table.area[second]} / {law}{table.basis[second]} / "
            f"{table.outcome[second]} / {table.period[second]} står også på {table.where} {lines[first]}.",
            line=int(lines[second]), column=col["value"], value=table.value[second],
            code="value-duplicate",
        )
    problems.raise_if_any()

    cells = _Cells(pi, ai, bi, oi, counts, unavailable, lines)
    _TotalsChecker(table, problems, periods, areas, bases, outcomes, catalogue, cells, skipped_rows,
                   outcome_labels).check()
    problems.raise_if_any()

    stored, store_notes = _store_rows(cells, periods, areas, outcomes, catalogue)
    notes += store_notes + _laws_before_their_time(stored, bases, catalogue)
    area_levels = {a.code: a.level for a in areas}
    return StatbankData(table.file, table.format, "", bases, stored, area_levels, notes,
                        _processing_days(table, cells, periods, areas, outcomes))


def _processing_days(table: RawTable, cells: _Cells, periods, areas, outcomes) -> list[tuple]:
    """(line, year, quarter, area code, basis id, days) for every row of the file that has its
    processing time: one per row (its first cell), never for the chosen municipalities' "I alt"."""
    if table.days is None:
        return []
    first = outcomes.index(Outcome.UPHELD.value)
    rows = []
    for i in np.nonzero(cells.outcome == first)[0].tolist():
        days, area = table.days[i], areas[cells.area[i]]
        if days is not None and area != CHOSEN_TOTAL:
            period = periods[cells.period[i]]
            rows.append((int(cells.line[i]), period.year, period.quarter, area.code, int(cells.basis[i]), float(days)))
    return rows


# A Talportal row for the municipalities the user chose together ("I alt"): checked, never stored.
CHOSEN_TOTAL = Area(AreaLevel.GROUP, "*", "I alt")


def _find_area(label: str, table: RawTable, catalogue: Catalogue, label_map: LabelMap) -> Area | None:
    # In the statistics bank "I alt" is the nation; in the Talportal the municipalities chosen.
    if table.talportal and normalise(label) in CHOSEN_TOTAL_LABELS:
        return CHOSEN_TOTAL
    return label_map.area(label) or catalogue.find_area(label)


def _without_other_bodies(table: RawTable, catalogue: Catalogue, label_map: LabelMap,
                          notes: list[str]) -> tuple[RawTable, bool]:
    """A Talportal download may have rows for bodies other than municipalities ("Kommunale
    fællesskaber"): they are skipped, and a note says how many. True when rows were skipped."""
    if not table.talportal:
        return table, False
    others = {label for label in set(table.area) if _find_area(label, table, catalogue, label_map) is None}
    if not others:
        return table, False
    keep = [i for i, label in enumerate(table.area) if label not in others]
    skipped_rows = len({table.lines[i] for i in range(len(table)) if table.area[i] in others})
    notes.append(f"{skipped_rows} rækker for andre end kommuner, regioner og hele landet er sprunget over "
                 f"({', '.join(sorted(others)[:10])}).")

    def pick(column):
        return None if column is None else tuple(column[i] for i in keep)

    return replace(table, lines=[table.lines[i] for i in keep], area=pick(table.area), basis=pick(table.basis),
                   outcome=pick(table.outcome), period=pick(table.period), value=pick(table.value),
                   law=pick(table.law), days=pick(table.days)), True


def _laws_before_their_time(cells: CellColumns, bases: list[Basis], catalogue: Catalogue) -> list[str]:
    """Warn about figures for a law in years before it took effect: probably a misread label."""
    first_year = np.full(len(bases), 10_000, dtype=np.int64)
    np.minimum.at(first_year, cells.basis, cells.year)
    notes = []
    for b in bases:
        law = catalogue.laws.get(b.ref.law_id) if b.ref.law_id else None
        if law and law.valid_from and first_year[b.id] < law.valid_from.year:
            notes.append(
                f"'{b.label}' er læst som {law.name}, som først gjaldt fra {law.valid_from:%d-%m-%Y}, "
                f"men filen har tal for den i {first_year[b.id]}. Tjek etiketten, og oversæt den "
                "med --label-map, hvis den er læst forkert."
            )
    return notes


MAX_COUNT_DIGITS = 9  # no cell counts a billion cases, and sums of them must fit in 64 bits


def _parse_count(text: str) -> tuple[int | None, str | None]:
    """A count, None for ".." (not available), or a Danish message saying what is wrong."""
    v = text.strip()
    if v == UNAVAILABLE:
        return None, None
    if v.isdigit() and v.isascii():
        if len(v) > MAX_COUNT_DIGITS:
            return None, f"Antallet er urimeligt stort ({len(v)} cifre); er kolonnerne byttet om?"
        return int(v), None
    if v == "":
        return None, "Tallet mangler. Skriv 0 eller '..' (ikke tilgængeligt)."
    if v.startswith("-") and v[1:].strip().isdigit():
        return None, "Antallet er negativt; et antal sager kan ikke være negativt."
    return None, "Antallet er ikke et helt tal."


@dataclass
class _Cells:
    """The cells of a file as parallel arrays (one entry per cell)."""

    period: np.ndarray
    area: np.ndarray
    basis: np.ndarray
    outcome: np.ndarray
    count: np.ndarray  # 0 where not available
    unavailable: np.ndarray
    line: np.ndarray


def _resolve_bases(
    labels: list[str],
    first_lines: list[int],
    catalogue: Catalogue,
    label_map: LabelMap,
    allow_unmapped: bool,
    table: RawTable,
    problems: ProblemList,
) -> list[Basis]:
    # labels: subjects, or (law, subject) pairs when the file has a law column (the Talportal's CSV).
    pairs = [label if isinstance(label, tuple) else ("", label) for label in labels]
    # Law-level rows ("1 Serviceloven") give their numeric prefix to the provisions under them.
    prefix_laws: dict[str, str] = {}
    for _, label in pairs:
        major, minor, rest = split_numeric_prefix(label)
        if major is not None and minor is None:
            law = catalogue.law_named_in(rest)
            if law is not None:
                prefix_laws[major] = law.id
    bases = []
    unknown: list[tuple[int, str]] = []
    for i, (law_text, label) in enumerate(pairs):
        shown = f"{law_text}: {label}" if law_text else label
        ref = label_map.basis(label) or (label_map.basis(shown) if law_text else None)
        if ref is None and law_text:
            law = catalogue.find_law(law_text) or catalogue.law_named_in(law_text)
            ref = catalogue.recognise_basis(label, law=law) if law is not None else None
        elif ref is None:
            ref = catalogue.recognise_basis(label, prefix_laws)
        if ref is None:
            unknown.append((first_lines[i], shown))
            ref = UNMAPPED
        bases.append(Basis(i, shown, ref))
    if unknown and not allow_unmapped:
        for line, label in unknown:
            problems.add("Ukendt lovgrundlag.", line=line, column=table.columns["basis"], value=label, code="basis-unknown")
        example = unknown[0][1]
        without_law = ""
        if table.talportal and table.law is None:
            without_law = (" Talportalens regneark har ingen kolonne med loven; hent tallene som CSV (den har "
                           "kolonnen Lovgivning), eller skriv dem i en oversættelsesfil.")
        elif table.talportal and not any(table.law):
            without_law = " Filen har ingen kolonne med loven; vælg også Lovgivning i Talportalen, og hent filen igen."
        problems.raise_if_any(
            hint=(
                f"klagestat kender ikke {len(unknown)} lovgrundlag i filen (listen ovenfor).{without_law} "
                "Skriv dem i en oversættelsesfil (TOML) og importér igen med --label-map FIL, fx:\n"
                "  [legal_basis]\n"
                f'  "{example}" = "Serviceloven § 100"\n'
                "eller importér dem som 'ukendt lovgrundlag' med --allow-unmapped."
            )
        )
    return bases


class _TotalsChecker:
    """Checks every total in the file against its parts; a contradiction refuses the file.

    Each check is the same operation on different keys: group the parts by the key of the total
    they belong to, sum them, and compare with the total. The sum of the parts that have values
    may never exceed the total; when all parts are present with values, it must equal it.
    """

    def __init__(self, table, problems, periods, areas, bases, outcomes, catalogue, cells: _Cells,
                 skipped_rows: bool = False, outcome_labels: list[str] = ()):
        self.table = table
        self.problems = problems
        self.periods = periods
        self.areas = areas
        self.bases = bases
        self.outcomes = outcomes
        self.catalogue = catalogue
        self.cells = cells
        self.skipped_rows = skipped_rows
        self.outcome_labels = outcome_labels

    def _compare(self, total_rows, total_keys, part_rows, part_keys, complete, what: str, hint: str = "") -> None:
        """complete: a bool, or per total row whether all its parts are in the file."""
        hint = hint or f"Filen hænger ikke sammen; hent den igen fra {self.table.source}."
        if len(total_rows) == 0 or len(part_rows) == 0:
            return
        c = self.cells
        group_keys, inverse = np.unique(part_keys, return_inverse=True)
        sums = np.bincount(inverse, weights=c.count[part_rows], minlength=len(group_keys)).astype(np.int64)
        missing = np.bincount(inverse, weights=c.unavailable[part_rows], minlength=len(group_keys))
        pos = np.searchsorted(group_keys, total_keys)
        pos_clipped = np.minimum(pos, len(group_keys) - 1)
        found = (pos < len(group_keys)) & (group_keys[pos_clipped] == total_keys)
        totals = c.count[total_rows]
        known = ~c.unavailable[total_rows]
        part_sum = np.where(found, sums[pos_clipped], 0)
        all_known = found & (missing[pos_clipped] == 0)
        bad = found & known & ((part_sum > totals) | (np.asarray(complete) & all_known & (part_sum != totals)))
        for i in np.nonzero(bad)[0][:20].tolist():
            row = total_rows[i]
            self.problems.add(
                f"Totalen {int(totals[i])} passer ikke med summen af {what}, som er {int(part_sum[i])} "
                f"({self._where(row)}). {hint}",
                line=int(c.line[row]), column=self._column(row), value=str(int(totals[i])),
                code="total-mismatch",
            )

    def check(self) -> None:
        c = self.cells
        n_areas, n_bases, n_outcomes = len(self.areas), len(self.bases), len(self.outcomes)
        outcome_code = np.array([o if o in OUTCOME_CODES else ("T" if o == TOTAL else "?") for o in self.outcomes])
        is_part_outcome = np.isin(outcome_code, OUTCOME_CODES)[c.outcome]
        is_total_outcome = (outcome_code == "T")[c.outcome]

        # 1. "I alt" over outcomes against the four outcomes.
        cell_key = (c.period * n_areas + c.area) * n_bases + c.basis
        totals = np.nonzero(is_total_outcome)[0]
        parts = np.nonzero(is_part_outcome)[0]
        self._compare(totals, cell_key[totals], parts, cell_key[parts], True, "de fire afgørelser")

        # 2. Law rows against their provisions.
        law_basis: dict[str, int] = {}
        for b in self.bases:
            if b.ref.level is BasisLevel.LAW:
                law_basis.setdefault(b.ref.law_id, b.id)
        parent = np.array([
            law_basis.get(b.ref.law_id, -1) if b.ref.level is BasisLevel.PROVISION else -1 for b in self.bases
        ], dtype=np.int64)
        level = np.array([b.ref.level.value for b in self.bases])
        cell_parent = parent[c.basis]

        def key(basis):
            return ((c.period * n_areas + c.area) * n_bases + basis) * n_outcomes + c.outcome

        is_law_row = (level == BasisLevel.LAW.value)[c.basis]
        totals = np.nonzero(is_law_row)[0]
        parts = np.nonzero(cell_parent >= 0)[0]
        self._compare(totals, key(c.basis)[totals], parts, key(cell_parent)[parts], True,
                      "bestemmelserne under loven",
                      "Har du kun valgt nogle af lovens paragraffer i statistikbanken, så vælg dem alle, "
                      "eller fravælg lovniveauet (fx '1 Serviceloven'), og hent filen igen.")

        # 3. The all-laws row against the laws (a law's row, else its provisions).
        all_ids = [b.id for b in self.bases if b.ref.level is BasisLevel.ALL]
        if len(all_ids) == 1:
            is_all_row = c.basis == all_ids[0]
            contributes = is_law_row | (((level == BasisLevel.PROVISION.value)[c.basis]) & (cell_parent < 0))
            has_unmapped = any(b.ref.level is BasisLevel.UNMAPPED for b in self.bases)
            totals = np.nonzero(is_all_row)[0]
            parts = np.nonzero(contributes)[0]
            self._compare(totals, key(c.basis)[totals], parts, key(np.full_like(c.basis, all_ids[0]))[parts],
                          not has_unmapped, "lovene")

        # 4. A year row against its quarters, when the file has every quarter of that year.
        period_year = np.array([p.year for p in self.periods], dtype=np.int64)
        period_quarter = np.array([p.quarter for p in self.periods], dtype=np.int64)
        year, quarter = period_year[c.period], period_quarter[c.period]
        year_key = ((year * n_areas + c.area) * n_bases + c.basis) * n_outcomes + c.outcome
        totals = np.nonzero(quarter == 0)[0]
        parts = np.nonzero(quarter > 0)[0]
        complete_years = years_with_all_quarters(self.periods, self.catalogue)
        complete = np.isin(year[totals], list(complete_years))
        self._compare(totals, year_key[totals], parts, year_key[parts], complete, "kvartalerne")

        # 5. A region row against its municipalities, and the Talportal's "I alt" row against the
        #    municipalities chosen (equal when nothing else was chosen, else at least their sum).
        area_key = (c.period * n_bases + c.basis) * n_outcomes + c.outcome
        for parent, members, complete, what in self._area_totals():
            totals = np.nonzero(c.area == parent)[0]
            parts = np.nonzero(np.isin(c.area, members))[0]
            self._compare(totals, area_key[totals], parts, area_key[parts], complete, what)

    def _area_totals(self) -> list[tuple[int, list[int], bool, str]]:
        """(the total's area, its parts' areas, whether the parts are all there, what they are)."""
        index = {a.code: i for i, a in enumerate(self.areas)}
        municipalities = [i for i, a in enumerate(self.areas) if a.level is AreaLevel.MUNICIPALITY]
        result = []
        for i, area in enumerate(self.areas):
            if area.level is AreaLevel.REGION:
                members = self.catalogue.region_members(area.code)
                present = [index[m] for m in members if m in index]
                result.append((i, present, len(present) == len(members), f"kommunerne i {area.name}"))
            elif area == CHOSEN_TOTAL:
                only_municipalities = len(municipalities) == len(self.areas) - 1 and not self.skipped_rows
                result.append((i, municipalities, only_municipalities, "de valgte kommuner"))
        return result

    def _column(self, row: int) -> str:
        """The column a cell's value is in: the value column, or in the Talportal's wide rows the
        outcome's own column ("Stadfæstede sager")."""
        if self.table.talportal:
            return self.outcome_labels[self.cells.outcome[row]]
        return self.table.columns["value"]

    def _where(self, row: int) -> str:
        c = self.cells
        outcome = self.outcomes[c.outcome[row]]
        parts = [self.periods[c.period[row]].label(), self.areas[c.area[row]].name, self.bases[c.basis[row]].label]
        if outcome in OUTCOME_CODES:
            parts.append(OUTCOME_NAMES_DA[Outcome(outcome)])
        elif outcome == TOTAL:
            parts.append("I alt")
        return ", ".join(parts)


def expected_quarters(year: int, catalogue: Catalogue) -> tuple[int, ...]:
    """The quarters that make up a year in the statistics bank (2013 starts with K2)."""
    first = catalogue.first_period
    start = first.quarter if year == first.year and first.quarter else 1
    return tuple(range(start, 5))


def years_with_all_quarters(periods: list[Period], catalogue: Catalogue) -> set[int]:
    """The years for which the file has every quarter. A cell missing a quarter of such a year
    had no cases then (a provision that began mid-year, such as ældreloven in July 2025)."""
    present: dict[int, set[int]] = {}
    for p in periods:
        if not p.is_year:
            present.setdefault(p.year, set()).add(p.quarter)
    return {y for y, qs in present.items() if qs >= set(expected_quarters(y, catalogue))}


def _store_rows(cells: _Cells, periods, areas, outcomes, catalogue) -> tuple[CellColumns, list[str]]:
    """The cells to store, plus a year summed from the quarters where the file has no year row."""
    c = cells
    n_areas, n_outcomes = len(areas), len(outcomes)
    n_bases = int(c.basis.max()) + 1 if len(c.basis) else 1
    period_year = np.array([p.year for p in periods], dtype=np.int64)
    period_quarter = np.array([p.quarter for p in periods], dtype=np.int64)
    year, quarter = period_year[c.period], period_quarter[c.period]
    columns = [c.line, year, quarter, c.area, c.basis, c.outcome, c.count, c.unavailable]
    notes: list[str] = []
    if CHOSEN_TOTAL in areas:  # checked against the municipalities; never stored
        keep = c.area != areas.index(CHOSEN_TOTAL)
        columns = [a[keep] for a in columns]
        c = _Cells(c.period[keep], c.area[keep], c.basis[keep], c.outcome[keep], c.count[keep], c.unavailable[keep],
                   c.line[keep])
        year, quarter = year[keep], quarter[keep]

    quarters = np.nonzero(quarter > 0)[0]
    if len(quarters):
        key = ((year * n_areas + c.area) * n_bases + c.basis) * n_outcomes + c.outcome
        group_keys, first, inverse = np.unique(key[quarters], return_index=True, return_inverse=True)
        sums = np.bincount(inverse, weights=c.count[quarters]).astype(np.int64)
        missing = np.bincount(inverse, weights=c.unavailable[quarters]) > 0
        group_year = year[quarters[first]]
        complete_years = years_with_all_quarters(periods, catalogue)
        complete = np.isin(group_year, list(complete_years))
        has_year_row = np.isin(group_keys, key[quarter == 0])
        derive = complete & ~has_year_row
        rows = quarters[first[derive]]
        n = int(derive.sum())
        derived = [np.full(n, -1, dtype=np.int64), year[rows], np.zeros(n, dtype=np.int64), c.area[rows],
                   c.basis[rows], c.outcome[rows], sums[derive], missing[derive]]
        columns = [np.concatenate([a, b]) for a, b in zip(columns, derived)]
        if n:
            notes.append(f"Årstal er lagt sammen af kvartalerne ({n} celler), fordi filen kun har kvartaler.")
        for y in sorted(set(group_year[~complete & ~has_year_row].tolist())):
            notes.append(f"{y} har ikke alle kvartaler i filen, så året er ikke beregnet; kvartalerne er gemt.")
    return CellColumns(*columns, [a.code for a in areas], list(outcomes)), notes
