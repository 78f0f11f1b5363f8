"""Everything the annual Danmarkskort case for one municipality and year needs, as result objects.

One call gathers, per map: the municipality's figures and the national figures for the year,
the trend over the years before, the municipality against its neighbours (the comparison group
municipalities use in their cases), every municipality's figures for the funnel plot and the
map, and the provisions behind the reversals; and, when the municipality has imported its own
register, the clusters of remittals found there. All figures come from `compute_rates`, the
function behind `klagestat rates`, so the case can never disagree with it. `danmarkskort_cases`
gathers the cases of many municipalities at once, computing what they share only once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection

from klagestat.domain.catalogue import NATIONAL_CODE, AreaLevel, Catalogue, Municipality
from klagestat.domain.periods import YearSpan
from klagestat.domain.problems import NoDataError
from klagestat.domain.rates import Definition
from klagestat.store.register import case_count
from klagestat.store.statbank import VintageInfo

from .rates import RateRow, compute_rates
from .register import Clusters, clusters

TABLE_YEARS = 4  # the comparison table: this year and the three before, as municipalities show it
TREND_YEARS = 6  # the trend chart


@dataclass
class ComparisonLine:
    """One line of the comparison table: a municipality or the pooled group, by year."""

    name: str
    level: AreaLevel
    by_year: dict[int, RateRow]


@dataclass
class MapSection:
    code: str
    name: str
    row: RateRow | None  # the municipality this year; None or no cases: the section says so
    national: RateRow | None
    trend: list[tuple[int, RateRow | None, RateRow | None]]  # (year, municipality, national), oldest first
    comparison: list[ComparisonLine]  # the municipality, its neighbours, the neighbours pooled
    all_municipalities: list[RateRow]  # every municipality with cases this year (funnel plot, map)
    provisions: list[RateRow]  # the municipality's provisions with reversals this year, most first

    @property
    def has_cases(self) -> bool:
        return self.row is not None and self.row.denominator not in (None, 0)

    @property
    def has_funnel(self) -> bool:
        """A funnel plot needs the municipality's cases and the national rate it is centred on
        (a file of one municipality's figures has no national row)."""
        return self.has_cases and self.national is not None and self.national.rate is not None


@dataclass
class DerivedSection:
    """A group made from the maps (social-other), which the ministry doesn't publish: the
    municipality's and the nation's rate in the table years."""

    code: str
    name: str
    mine: dict[int, RateRow]  # year → the municipality's row
    national: dict[int, RateRow]  # year → the nation's row


@dataclass
class DanmarkskortCase:
    municipality: Municipality
    year: int
    definition: Definition
    table_years: list[int]  # newest first, as in the municipalities' own tables
    trend_years: list[int]  # oldest first
    maps: list[MapSection]
    neighbours: list[Municipality]
    as_of: dt.date | None
    vintages: list[VintageInfo]
    register_cases: int | None  # cases in the municipality's own register (0: none imported; None: not read)
    clusters: Clusters | None  # from the register, when there is one and it was read
    derived: list[DerivedSection] = field(default_factory=list)  # social-other, in the table years

    @property
    def synthetic(self) -> bool:
        return any(v.synthetic for v in self.vintages)


def danmarkskort_case(conn: Connection, catalogue: Catalogue, code: str, year: int,
                      as_of: dt.date | None = None, definition: Definition = Definition.OFFICIAL,
                      with_register: bool = True) -> DanmarkskortCase:
    return next(danmarkskort_cases(conn, catalogue, [code], year, as_of, definition, with_register))


def danmarkskort_cases(conn: Connection, catalogue: Catalogue, codes: Sequence[str], year: int,
                       as_of: dt.date | None = None, definition: Definition = Definition.OFFICIAL,
                       with_register: bool = True) -> Iterator[DanmarkskortCase]:
    """The case of each municipality in `codes` (each once, in that order), exactly as
    `danmarkskort_case` gives it one at a time.

    Most of a case's work is shared: every municipality's figures for the year (the funnel plot
    and the map), and `compute_rates` sums the statistics of all municipalities whichever it is
    asked for. So the tables are computed once for all of them (one for the year, one for the
    trend years with every municipality's neighbours and comparison group, one per map for the
    provisions) and sliced per municipality; a row of a municipality doesn't depend on which
    others are asked for. Raises NoDataError, before any case, when one of them has no figures
    for the year.
    """
    codes = list(dict.fromkeys(codes))
    if not codes:
        return
    span = [YearSpan(year, year)]
    everyone = compute_rates(conn, catalogue, span, definition=definition, as_of=as_of)
    with_figures = {r.area.code for r in everyone.rows if r.counts is not None}
    for code in codes:
        if code not in with_figures:
            name = catalogue.municipalities[code].name
            raise NoDataError(f"Statistikbanken har ingen tal for {name} i {year}. Vælg et andet år.",
                              "Eller importér tallene med klagestat import statbank.")
    trend_years = case_years(catalogue, year)
    table_years = sorted((y for y in trend_years if y > year - TABLE_YEARS), reverse=True)

    with_neighbours = list(dict.fromkeys(c for code in codes
                                         for c in (code, *catalogue.municipalities[code].neighbours)))
    over_years = _by_map_and_area(compute_rates(
        conn, catalogue, [YearSpan(y, y) for y in trend_years], municipalities=with_neighbours,
        comparison_groups=codes, definition=definition, as_of=as_of).rows)
    all_municipalities = {map_code: [r for r in rows if r.denominator and r.rate is not None]
                          for map_code, rows in _by_map(everyone.rows, AreaLevel.MUNICIPALITY).items()}
    provisions = {map_code: _provisions_with_reversals(conn, catalogue, codes, year, map_code, definition, as_of)
                  for map_code in catalogue.maps}
    derived_rows = _by_map_and_area(compute_rates(
        conn, catalogue, [YearSpan(y, y) for y in table_years], municipalities=codes,
        maps=list(catalogue.derived_maps), definition=definition, as_of=as_of).rows) if catalogue.derived_maps else {}

    for code in codes:
        municipality = catalogue.municipalities[code]
        neighbours = [catalogue.municipalities[n] for n in municipality.neighbours]
        group_code = catalogue.comparison_group(code)[0].code
        sections = []
        for map_code, map_definition in catalogue.maps.items():
            def by_year(area: str, years=None) -> dict[int, RateRow]:
                return {r.span.first: r for r in over_years.get((map_code, area), [])
                        if years is None or r.span.first in years}

            mine = by_year(code)
            national = by_year(NATIONAL_CODE)
            comparison = [ComparisonLine(municipality.name, AreaLevel.MUNICIPALITY,
                                         {y: r for y, r in mine.items() if y in table_years})]
            for n in neighbours:
                comparison.append(ComparisonLine(n.name, AreaLevel.MUNICIPALITY, by_year(n.code, table_years)))
            group = by_year(group_code, table_years)
            if group:
                comparison.append(ComparisonLine("Nabokommunerne samlet", AreaLevel.GROUP, group))
            sections.append(MapSection(
                code=map_code,
                name=map_definition.name,
                row=mine.get(year),
                national=national.get(year),
                trend=[(y, mine.get(y), national.get(y)) for y in trend_years],
                comparison=comparison,
                all_municipalities=list(all_municipalities.get(map_code, [])),
                provisions=provisions[map_code].get(code, []),
            ))
        derived = [DerivedSection(
            m, catalogue.map_name(m),
            {r.span.first: r for r in derived_rows.get((m, code), [])},
            {r.span.first: r for r in derived_rows.get((m, NATIONAL_CODE), [])}) for m in catalogue.derived_maps]
        register_cases = case_count(conn, code) if with_register else None
        yield DanmarkskortCase(
            municipality=municipality, year=year, definition=definition, table_years=table_years,
            trend_years=trend_years, maps=sections, neighbours=neighbours, as_of=everyone.as_of,
            vintages=everyone.vintages, register_cases=register_cases,
            clusters=clusters(conn, code, [year]) if register_cases else None,
            derived=derived,
        )


def case_years(catalogue: Catalogue, year: int) -> list[int]:
    """The years a case of `year` shows figures of (its trend, which holds its tables' years),
    oldest first: what its figures can change with."""
    first_year = catalogue.first_period.year
    return [y for y in range(year - TREND_YEARS + 1, year + 1) if y >= first_year]


def _by_map(rows: list[RateRow], level: AreaLevel) -> dict[str, list[RateRow]]:
    """The rows of one level, per map, in their order."""
    result: dict[str, list[RateRow]] = {}
    for r in rows:
        if r.area.level == level:
            result.setdefault(r.map, []).append(r)
    return result


def _by_map_and_area(rows: list[RateRow]) -> dict[tuple[str, str], list[RateRow]]:
    """The rows per (map, area code), in their order."""
    result: dict[tuple[str, str], list[RateRow]] = {}
    for r in rows:
        result.setdefault((r.map, r.area.code), []).append(r)
    return result


def _provisions_with_reversals(conn, catalogue, codes, year, map_code, definition, as_of) -> dict[str, list[RateRow]]:
    """Each municipality's provisions with reversals in the map and year, most reversals first."""
    table = compute_rates(conn, catalogue, [YearSpan(year, year)], municipalities=codes, maps=[map_code],
                          by="provision", definition=definition, as_of=as_of)
    result: dict[str, list[RateRow]] = {}
    for r in table.rows:
        if r.area.level == AreaLevel.MUNICIPALITY and r.counts is not None and r.counts.reversed > 0:
            result.setdefault(r.area.code, []).append(r)
    return {code: sorted(rows, key=lambda r: (-r.counts.reversed, r.group or ""))
            for code, rows in result.items()}
