"""From stored counts to figures: each area's outcome counts per map, law, provision or area.

The rules that make a figure honest live here:
- a total is never added to its parts: a law counts through its law-level row when its vintage
  has one, else through its provisions;
- `..` (not available) makes every sum it enters not available, never zero;
- a map needs data for every law it draws on, and a map of paragraphs needs paragraph rows.

How: `grouping` decides, for each legal basis of each winning vintage and each year, which
groups it counts in (one basis may count in several maps). The store then sums the cells per
(year, area, group, outcome) in one query, so a million cells never pass through Python.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import Connection

from klagestat.domain.areas import OTHER_AREA, AreaConfig
from klagestat.domain.catalogue import Catalogue
from klagestat.domain.legal_basis import BasisLevel
from klagestat.domain.outcomes import Outcome, OutcomeCounts
from klagestat.domain.periods import DateRange
from klagestat.store.register import decided_case_counts
from klagestat.store.statbank import (
    UNMAPPED_LAW,
    BasisRow,
    days_and_decided,
    fetch_bases,
    fetch_winning_slots,
    slot_law_key,
    sum_by_group,
)

OUTCOME_VALUES = tuple(o.value for o in Outcome)
UNMAPPED_GROUP = UNMAPPED_LAW
NO_COMMITTEE = "Uden område"  # a register row with no omraade


@dataclass(frozen=True, slots=True)
class Figure:
    """Counts for one group, or why there are none (`counts` None and a Danish `note`)."""

    counts: OutcomeCounts | None
    note: str | None = None

    def __add__(self, other: Figure) -> Figure:
        if self.counts is None or other.counts is None:
            return Figure(None, self.note or other.note)
        return Figure(self.counts + other.counts)


ZERO_FIGURE = Figure(OutcomeCounts())


def unavailable(note: str) -> Figure:
    return Figure(None, note)


@dataclass
class Coverage:
    """What the winning vintages hold for some years: per (area, year) the vintage of each law."""

    slots: dict[tuple[str, int], dict[str, int]]
    bases: dict[int, list[BasisRow]]
    laws_with_rows: dict[int, set[str]] = field(default_factory=dict)
    laws_with_provisions: dict[int, set[str]] = field(default_factory=dict)

    def has(self, area_code: str, year: int) -> bool:
        return (area_code, year) in self.slots

    @property
    def vintage_ids(self) -> set[int]:
        return set(self.bases)


def load_coverage(conn: Connection, years: list[int], as_of: dt.date | None) -> Coverage:
    slots: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    for s in fetch_winning_slots(conn, years, as_of):
        slots[(s.area_code, s.year)][s.law_key] = s.vintage_id
    bases: dict[int, list[BasisRow]] = defaultdict(list)
    vintage_ids = {v for laws in slots.values() for v in laws.values()}
    for b in fetch_bases(conn, vintage_ids) if vintage_ids else []:
        bases[b.vintage_id].append(b)
    coverage = Coverage(dict(slots), dict(bases))
    for v, rows in bases.items():
        coverage.laws_with_rows[v] = {b.law_id for b in rows if b.level == BasisLevel.LAW}
        coverage.laws_with_provisions[v] = {b.law_id for b in rows if b.level == BasisLevel.PROVISION}
    return coverage


@dataclass(frozen=True)
class GroupBy:
    """How rows are grouped: one row per map (`maps`), or per law, provision or area, optionally
    within one map (`map_filter`); areas come from the user's areas file."""

    by: str
    maps: tuple[str, ...] = ()
    map_filter: str | None = None
    areas: AreaConfig | None = None


def grouping(
    coverage: Coverage, catalogue: Catalogue, years: list[int], spec: GroupBy
) -> tuple[list[tuple[int, int, int, str, str]], dict[str, str]]:
    """(vintage_id, basis_id, year, group, law key) for every basis that counts in a group, and
    labels for groups the catalogue can't name (provisions known only from a file's label)."""
    rows: list[tuple[int, int, int, str, str]] = []
    labels: dict[str, str] = {}
    for vintage_id, bases in coverage.bases.items():
        with_rows = coverage.laws_with_rows[vintage_id]
        with_provisions = coverage.laws_with_provisions[vintage_id]
        for year in years:
            for b in bases:
                for group in _groups_of(b, year, catalogue, spec, with_rows, with_provisions):
                    rows.append((vintage_id, b.basis_id, year, group, slot_law_key(b.level, b.law_id)))
                    if b.provision_key and group == b.provision_key:
                        labels.setdefault(group, b.label)
    return rows, labels


def law_level_area_notes(coverage: Coverage, catalogue: Catalogue, spec: GroupBy) -> list[str]:
    """Laws the data has only at law level while the areas file splits them by paragraph: their
    whole figure goes where a selector for the whole law puts it (or to "Øvrige"). Say so."""
    if spec.by != "area" or spec.areas is None:
        return []
    split = {s.law_id for s in spec.areas.selectors if s.paragraphs}
    notes = []
    for v in coverage.bases:
        for law_id in sorted((coverage.laws_with_rows[v] - coverage.laws_with_provisions[v]) & split):
            name = catalogue.laws[law_id].name
            target = spec.areas.area_for(law_id, None, name)
            notes.append(f"{name} findes kun på lovniveau i data, så hele loven er lagt under {target!r}, "
                         "selv om områdefilen fordeler den på paragraffer. Hent tallene pr. paragraf.")
    return list(dict.fromkeys(notes))


def _groups_of(b: BasisRow, year: int, catalogue: Catalogue, spec: GroupBy, with_rows: set[str],
               with_provisions: set[str]) -> list[str]:
    by, map_filter, areas = spec.by, spec.map_filter, spec.areas
    level = b.level
    if level == BasisLevel.ALL:
        return []  # the all-laws total is checked at import and never added to the laws
    if level == BasisLevel.UNMAPPED:
        return [UNMAPPED_GROUP] if by == "law" and map_filter is None else []
    # A law counts through its law-level row when the vintage has one, else through its provisions.
    counts_as_law = level == BasisLevel.LAW or b.law_id not in with_rows

    def law_in_map(m: str) -> bool:
        """Whether this basis carries its law's figure into map m."""
        if catalogue.map_covers_whole_law(m, year, b.law_id):
            return counts_as_law
        return level == BasisLevel.PROVISION and catalogue.map_contains(m, year, b.provision_key)

    if by == "map":
        return [m for m in spec.maps if law_in_map(m)]
    if by == "law":
        if map_filter is not None and not law_in_map(map_filter):
            return []
        return [b.law_id] if counts_as_law or map_filter is not None else []
    if by == "provision":
        if level != BasisLevel.PROVISION:
            return []
        if map_filter is not None and not catalogue.map_contains(map_filter, year, b.provision_key):
            return []
        return [b.provision_key]
    if by == "area":
        if level == BasisLevel.PROVISION:
            if map_filter is not None and not catalogue.map_contains(map_filter, year, b.provision_key):
                return []
            return [areas.area_for(b.law_id, b.provision_key, catalogue.provision_label(b.provision_key, year))]
        # A law known only at law level goes where a selector for the whole law puts it.
        if b.law_id in with_provisions:
            return []
        if map_filter is not None and not catalogue.map_covers_whole_law(map_filter, year, b.law_id):
            return []
        return [areas.area_for(b.law_id, None, catalogue.laws[b.law_id].name)]
    raise ValueError(f"unknown grouping {by!r}")


def group_figures(
    conn: Connection, coverage: Coverage, catalogue: Catalogue, years: list[int], spec: GroupBy
) -> tuple[dict[tuple[str, int], dict[str, Figure]], dict[str, str]]:
    """{(area code, year): {group: Figure}} for every area and year with data."""
    rows, labels = grouping(coverage, catalogue, years, spec)
    by_outcome: dict[tuple[str, int], dict[str, dict[str, int | None]]] = defaultdict(lambda: defaultdict(dict))
    for year, area_code, group, law_key, outcome, vintage, count in sum_by_group(conn, rows):
        slots = coverage.slots.get((area_code, year))
        if slots is None or slots.get(law_key) != vintage:
            continue  # another vintage wins this period, area and law
        cell = by_outcome[(area_code, year)][group]
        previous = cell.get(outcome, 0)
        cell[outcome] = None if previous is None or count is None else previous + count
    result: dict[tuple[str, int], dict[str, Figure]] = {}
    for key in coverage.slots:
        groups = {g: _figure(counts, labels.get(g, g)) for g, counts in by_outcome.get(key, {}).items()}
        if spec.by == "map":
            groups = _map_requirements(coverage, catalogue, key, spec.maps, groups)
        result[key] = groups
    return result, labels


def processing_days(
    conn: Connection, coverage: Coverage, catalogue: Catalogue, years: list[int], spec: GroupBy
) -> dict[tuple[str, int, str], tuple[Fraction, int] | None]:
    """{(area code, year, group): (Σ days × decided, Σ decided)} for the groups whose every legal
    basis has the Talportal's processing time: the average over a group is weighted by each
    basis' decided cases. None where a basis of the group lacks it (never a partial average)."""
    weights = days_and_decided(conn, coverage.vintage_ids, years)
    if not weights:
        return {}  # no vintage has processing days: the grouping isn't worth making again
    rows, _ = grouping(coverage, catalogue, years, spec)
    groups_of: dict[tuple[int, int, int], list[tuple[str, str]]] = defaultdict(list)
    for vintage_id, basis_id, year, group, law_key in rows:
        groups_of[(vintage_id, basis_id, year)].append((group, law_key))
    result: dict[tuple[str, int, str], tuple[Fraction, int] | None] = {}
    for vintage_id, year, area, basis_id, days, decided in weights:
        for group, law_key in groups_of.get((vintage_id, basis_id, year), ()):
            if coverage.slots.get((area, year), {}).get(law_key) != vintage_id:
                continue  # another vintage wins this period, area and law
            key = (area, year, group)
            if days is None or decided is None or result.get(key, (0, 0)) is None:
                result[key] = None
                continue
            total, weight = result.get(key, (Fraction(0), 0))
            result[key] = (total + Fraction(days).limit_denominator(10**6) * decided, weight + decided)
    return result


def _figure(by_outcome: dict[str, int | None], what: str) -> Figure:
    # The dismissed cases are outside the official rate: without them the figure still stands,
    # with the dismissed (and so all decided cases) not known.
    if any(by_outcome.get(o.value, 0) is None for o in Outcome if o is not Outcome.DISMISSED):
        return unavailable(f"Tal ikke tilgængelige ('..') for {what}.")
    return Figure(OutcomeCounts(**{o: by_outcome.get(o, 0) for o in OUTCOME_VALUES}))


def _map_requirements(coverage: Coverage, catalogue: Catalogue, key, maps, groups: dict[str, Figure]) -> dict[str, Figure]:
    """A map is only a figure when every law it draws on has data of the kind it needs."""
    area_code, year = key
    laws_present = coverage.slots[key]
    result = {}
    for m in maps:
        if not catalogue.map_in_force(m, year):
            continue
        figure = groups.get(m, ZERO_FIGURE)
        for law_id in sorted(catalogue.map_laws(m, year)):
            name = catalogue.laws[law_id].name
            vintage = laws_present.get(law_id)
            if vintage is None:
                figure = unavailable(f"Ingen tal for {name} i {year}, som indgår i kortet.")
                break
            if catalogue.map_needs_provisions(m, year, law_id) and law_id not in coverage.laws_with_provisions[vintage]:
                figure = unavailable(f"{name} findes kun på lovniveau i {year}; kortet kræver tal pr. paragraf.")
                break
        result[m] = figure
    return result


# ---- the municipality's own register -----------------------------------------------------------

def case_group_figures(
    conn: Connection, catalogue: Catalogue, years: list[int], spec: GroupBy, municipality_codes: list[str] | None,
    within: DateRange | None = None,
) -> tuple[dict[tuple[str, int], dict[str, Figure]], dict[str, str]]:
    """{(municipality, year): {group: Figure}} counted from the register's cases decided by
    Ankestyrelsen, by the year of its decision, so they line up with the statistics bank.

    `within`: only the cases decided in that range of days (a complaint report for a half year).
    A case is one complete record, so unlike the statistics there are no totals to keep apart
    and nothing "not available": a group without cases is simply zero.
    """
    counts: dict[tuple[str, int], dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    labels: dict[str, str] = {}
    for code, year, law_id, key, label, committee, outcome, n in decided_case_counts(conn, municipality_codes, years, within):
        for group in _case_groups(law_id, key, committee, year, catalogue, spec):
            cell = counts[(code, year)][group]
            cell[outcome] = cell.get(outcome, 0) + n
            if key and group == key and label:
                labels.setdefault(group, label)
    result = {}
    for area_year, groups in counts.items():
        figures = {g: _figure(by_outcome, g) for g, by_outcome in groups.items()}
        if spec.by == "map":
            _, year = area_year
            figures = {m: figures.get(m, ZERO_FIGURE) for m in spec.maps if catalogue.map_in_force(m, year)}
        result[area_year] = figures
    if within is not None and municipality_codes is not None:
        # A register exists for the municipality: a year of the range without a decided case
        # counts zero cases, it is not a year without figures.
        for code in municipality_codes:
            for year in within.years:
                result.setdefault((code, year), {m: ZERO_FIGURE for m in spec.maps if catalogue.map_in_force(m, year)}
                                  if spec.by == "map" else {})
    return result, labels


def _case_groups(law_id: str | None, key: str | None, committee: str | None, year: int, catalogue: Catalogue,
                 spec: GroupBy) -> list[str]:
    by, map_filter, areas = spec.by, spec.map_filter, spec.areas

    def in_map(m: str) -> bool:
        if law_id is None:
            return False
        if catalogue.map_covers_whole_law(m, year, law_id):
            return True
        return key is not None and catalogue.map_contains(m, year, key)

    if map_filter is not None and not in_map(map_filter):
        return []
    if by == "map":
        return [m for m in spec.maps if in_map(m)]
    if by == "law":
        return [law_id or UNMAPPED_GROUP]
    if by == "provision":
        return [key] if key else []
    if by == "area":
        if areas is None:  # the register's own committee column (omraade)
            return [committee or NO_COMMITTEE]
        if law_id is None:
            return [OTHER_AREA]
        name = catalogue.provision_label(key, year) if key else catalogue.laws[law_id].name
        return [areas.area_for(law_id, key, name)]
    raise ValueError(f"unknown grouping {by!r}")
