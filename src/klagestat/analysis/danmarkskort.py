"""Everything the annual Danmarkskort case for one municipality and year needs, as result objects.

One call gathers, per map: the municipality's figures and the national figures for the year,
the trend over the years before, the municipality against its neighbours (the comparison group
municipalities use in their cases), every municipality's figures for the funnel plot and the
map, and the provisions behind the reversals; and, when the municipality has imported its own
register, the clusters of remittals found there. All figures come from `compute_rates`, the
function behind `klagestat rates`, so the case can never disagree with it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection

from klagestat.domain.catalogue import AreaLevel, Catalogue, Municipality
from klagestat.domain.periods import YearSpan
from klagestat.domain.rates import Definition
from klagestat.store.cases import case_count
from klagestat.store.statbank import VintageInfo

from .rates import NoDataError, RateRow, compute_rates
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
    register_cases: int  # cases in the municipality's own register (0: none imported)
    clusters: Clusters | None  # from the register, when there is one

    @property
    def synthetic(self) -> bool:
        return any(v.synthetic for v in self.vintages)


def danmarkskort_case(conn: Connection, catalogue: Catalogue, code: str, year: int,
                      as_of: dt.date | None = None, definition: Definition = Definition.OFFICIAL) -> DanmarkskortCase:
    municipality = catalogue.municipalities[code]
    this_year = compute_rates(conn, catalogue, [YearSpan(year, year)], municipalities=[code], definition=definition,
                              as_of=as_of)
    if not any(r.area.code == code and r.counts is not None for r in this_year.rows):
        raise NoDataError(f"Statistikbanken har ingen tal for {municipality.name} i {year}. Importér dem med "
                          "klagestat import statbank, eller vælg et andet år.")
    first_year = catalogue.first_period.year
    trend_years = [y for y in range(year - TREND_YEARS + 1, year + 1) if y >= first_year]
    table_years = sorted((y for y in trend_years if y > year - TABLE_YEARS), reverse=True)

    neighbours = [catalogue.municipalities[n] for n in municipality.neighbours]
    over_years = compute_rates(conn, catalogue, [YearSpan(y, y) for y in trend_years],
                               municipalities=[code, *municipality.neighbours], comparison_groups=[code],
                               definition=definition, as_of=as_of)
    everyone = compute_rates(conn, catalogue, [YearSpan(year, year)], definition=definition, as_of=as_of)
    sections = []
    for map_code, map_definition in catalogue.maps.items():
        def rows(table, level=None, area=None, years=None):
            return [r for r in table.rows if r.map == map_code and (level is None or r.area.level == level)
                    and (area is None or r.area.code == area) and (years is None or r.span.first in years)]

        mine = {r.span.first: r for r in rows(over_years, AreaLevel.MUNICIPALITY, code)}
        national = {r.span.first: r for r in rows(over_years, AreaLevel.NATIONAL)}
        comparison = [ComparisonLine(municipality.name, AreaLevel.MUNICIPALITY,
                                     {y: r for y, r in mine.items() if y in table_years})]
        for n in neighbours:
            comparison.append(ComparisonLine(n.name, AreaLevel.MUNICIPALITY, {
                r.span.first: r for r in rows(over_years, AreaLevel.MUNICIPALITY, n.code, table_years)}))
        group = {r.span.first: r for r in rows(over_years, AreaLevel.GROUP, years=table_years)}
        if group:
            comparison.append(ComparisonLine("Nabokommunerne samlet", AreaLevel.GROUP, group))
        sections.append(MapSection(
            code=map_code,
            name=map_definition.name,
            row=mine.get(year),
            national=national.get(year),
            trend=[(y, mine.get(y), national.get(y)) for y in trend_years],
            comparison=comparison,
            all_municipalities=[r for r in rows(everyone, AreaLevel.MUNICIPALITY)
                                if r.denominator and r.rate is not None],
            provisions=_provisions_with_reversals(conn, catalogue, code, year, map_code, definition, as_of),
        ))
    register_cases = case_count(conn, code)
    return DanmarkskortCase(
        municipality=municipality, year=year, definition=definition, table_years=table_years,
        trend_years=trend_years, maps=sections, neighbours=neighbours, as_of=this_year.as_of,
        vintages=this_year.vintages, register_cases=register_cases,
        clusters=clusters(conn, code, [year]) if register_cases else None,
    )


def _provisions_with_reversals(conn, catalogue, code, year, map_code, definition, as_of) -> list[RateRow]:
    table = compute_rates(conn, catalogue, [YearSpan(year, year)], municipalities=[code], maps=[map_code],
                          by="provision", definition=definition, as_of=as_of)
    rows = [r for r in table.rows if r.area.code == code and r.counts is not None
            and r.counts.changed + r.counts.remitted > 0]
    return sorted(rows, key=lambda r: (-(r.counts.changed + r.counts.remitted), r.group or ""))
