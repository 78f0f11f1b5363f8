"""Reversal rates per municipality, region and nation, by map, law, provision or area.

`compute_rates` is the one place rates are computed; the CLI table, JSON, CSV (and later the
reports and the web) all render the `RateTable` it returns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from fractions import Fraction

from sqlalchemy import Connection

from klagestat.domain.areas import OTHER_AREA, AreaConfig
from klagestat.domain.catalogue import NATIONAL_CODE, Area, AreaLevel, Catalogue
from klagestat.domain.legal_basis import key_law, key_paragraphs
from klagestat.domain.outcomes import OutcomeCounts
from klagestat.domain.periods import DateRange, YearSpan
from klagestat.domain.problems import NoDataError
from klagestat.domain.rates import CASES, GROUPINGS, STATBANK, Definition, denominator, reversal_rate
from klagestat.domain.statistics import FUNNEL_LEVELS, FunnelClass, funnel_classes, wilson_interval
from klagestat.store.comments import comments_of
from klagestat.store.statbank import VintageInfo, quarters_present, vintages_by_id

from .figures import (
    ZERO_FIGURE,
    Figure,
    GroupBy,
    case_group_figures,
    group_figures,
    law_level_area_notes,
    load_coverage,
    processing_days,
    unavailable,
)
from .population import Inhabitants, Population

TOTAL_GROUP = "I alt"
NO_INHABITANTS = Inhabitants(None, None)
NO_DISMISSED_NOTE = ("Omgørelsesprocenten over alle afgjorte sager er ikke tilgængelig: filen havde ikke afviste "
                     "sager (kolonnen var ikke valgt, eller tallet er NA eller '..'). Den officielle "
                     "omgørelsesprocent kræver dem ikke.")


@dataclass(frozen=True)
class RateRow:
    span: YearSpan
    area: Area
    map: str | None  # map code when rows are per map, or the --map filter
    group: str | None  # Danish label of the law, provision or area when grouped
    group_key: str | None
    counts: OutcomeCounts | None
    definition: Definition
    rate: Fraction | None
    ci: tuple[float, float] | None
    national_rate: Fraction | None
    funnel: dict[float, FunnelClass] = field(default_factory=dict)  # level → class
    note: str | None = None
    inhabitants: Inhabitants = NO_INHABITANTS
    processing_days: Fraction | None = None  # the Talportal's average, weighted by decided cases
    comment: str | None = None  # the municipality's own words on the year's map (store/comments.py)

    @property
    def denominator(self) -> int | None:
        return None if self.counts is None else denominator(self.counts, self.definition)

    def _per_10000(self, cases: int | None) -> Fraction | None:
        """Cases per 10,000 inhabitants and year (the span's years' inhabitants summed)."""
        if cases is None or not self.inhabitants.person_years:
            return None
        return Fraction(cases * 10_000, self.inhabitants.person_years)

    @property
    def decided_per_10000(self) -> Fraction | None:
        """All decided cases, dismissed included, as Ankestyrelsen counts them."""
        return self._per_10000(None if self.counts is None else self.counts.decided)

    @property
    def reversed_per_10000(self) -> Fraction | None:
        return self._per_10000(None if self.counts is None else self.counts.reversed)

    @property
    def difference_from_national(self) -> Fraction | None:
        if self.rate is None or self.national_rate is None:
            return None
        return self.rate - self.national_rate


@dataclass
class RateTable:
    rows: list[RateRow]
    totals: list[RateRow]  # "I alt" per area and years when grouped by law, provision or area
    definition: Definition
    by: str
    spans: list[YearSpan]
    map_filter: str | None
    as_of: dt.date | None
    vintages: list[VintageInfo]
    notes: list[str]
    source: str = STATBANK

    @property
    def synthetic(self) -> bool:
        return any(v.synthetic for v in self.vintages)


def _pool(figures: list[Figure | None]) -> Figure | None:
    """Sum a group's figures over the years of a span; None when the group has none at all."""
    present = [f for f in figures if f is not None]
    return sum(present, start=ZERO_FIGURE) if present else None


def _group_label(catalogue: Catalogue, by: str, key: str, year: int, file_labels: dict[str, str]) -> str:
    if by == "map":
        return catalogue.map_name(key)
    if by == "law":
        return catalogue.laws[key].name if key in catalogue.laws else "Ukendt lovgrundlag"
    if by == "provision":
        if key_paragraphs(key) or key in catalogue.provisions:
            return catalogue.provision_label(key, year)
        return f"{catalogue.laws[key_law(key)].name}: {file_labels.get(key, key)}"
    return key


def _group_order(catalogue: Catalogue, by: str, keys: set[str], areas: AreaConfig | None) -> list[str]:
    if by == "map":
        return [m for m in catalogue.map_codes() if m in keys]
    law_order = {law_id: i for i, law_id in enumerate(catalogue.laws)}
    if by == "law":
        return sorted(keys, key=lambda k: (law_order.get(k, 999), k))
    if by == "provision":
        def natural(key: str):
            paragraphs = key_paragraphs(key)
            first = paragraphs[0] if paragraphs else ""
            digits = "".join(ch for ch in first if ch.isdigit())
            return (law_order.get(key_law(key), 999), int(digits) if digits else 10**6, key)
        return sorted(keys, key=natural)
    ordered = [a for a in (areas.names if areas else ()) if a in keys]
    return ordered + sorted(k for k in keys if k not in ordered and k != OTHER_AREA) + (
        [OTHER_AREA] if OTHER_AREA in keys else []
    )


class _AreaFigures:
    """Each area's figures per year, as the rows are built: the municipalities' own, the nation's
    and the regions' (their own rows, else all their municipalities), comparison groups summed;
    with the notes that say where a figure came from, and why one is missing."""

    def __init__(self, catalogue: Catalogue, figures: dict[tuple[str, int], dict[str, Figure] | None]):
        self.catalogue = catalogue
        self._figures = dict(figures)
        self.notes: list[str] = []
        self.why_missing: dict[tuple[str, int], str] = {}

    def of(self, code: str, year: int) -> dict[str, Figure] | None:
        return self._figures.get((code, year))

    def set(self, code: str, year: int, figures: dict[str, Figure] | None) -> None:
        self._figures[(code, year)] = figures

    def summed(self, codes: tuple[str, ...], year: int) -> dict[str, Figure] | None:
        """The municipalities' figures added group by group; None when one of them has none."""
        parts = [self.of(c, year) for c in codes]
        result: dict[str, Figure] = {}
        for p in parts:
            if p is None:
                return None
            for g, f in p.items():
                result[g] = result.get(g, ZERO_FIGURE) + f
        return result

    def aggregate(self, code: str, year: int, members: tuple[str, ...], what: str) -> dict[str, Figure] | None:
        """A national or regional figure: its own rows, else all its municipalities (group by
        group), else none. Never a subset of the municipalities."""
        own = self.of(code, year)
        combined = self.summed(members, year)
        name = self.catalogue.area(code).name
        if own is not None:
            if combined is None:
                return own
            # Where its own rows can't give a group (a law missing), all municipalities may.
            filled = [g for g, f in own.items() if f.counts is None and combined.get(g, own[g]).counts is not None]
            if filled:
                self.notes.append(f"{what} for {year} er for nogle tal lagt sammen af alle {len(members)} kommuner, "
                                  f"fordi rækkerne for {name} ikke rækker.")
                own = {**own, **{g: combined[g] for g in filled}}
                self.set(code, year, own)
            return own
        if combined is not None:
            self.notes.append(f"{what} for {year} er lagt sammen af alle {len(members)} kommuner, "
                              f"fordi data ikke har rækker for {name}.")
            self.set(code, year, combined)
            return combined
        self.why_missing[(code, year)] = (f"{what} for {year} kan ikke opgøres: data har hverken rækker for "
                                          f"{name} eller for alle {len(members)} kommuner.")
        self.notes.append(self.why_missing[(code, year)])
        self.set(code, year, None)
        return None


def compute_rates(
    conn: Connection,
    catalogue: Catalogue,
    spans: list[YearSpan],
    municipalities: list[str] | None = None,
    maps: list[str] | None = None,
    by: str = "map",
    areas: AreaConfig | None = None,
    definition: Definition = Definition.OFFICIAL,
    as_of: dt.date | None = None,
    regions: list[str] = (),
    comparison_groups: list[str] = (),
    include_national: bool = True,
    source: str = STATBANK,
    within: DateRange | None = None,
) -> RateTable:
    """Rates from the statistics bank, or (source "cases") from the municipalities' own registers,
    counted by the year of Ankestyrelsen's decision; the national level always comes from the
    statistics bank, the one source that covers every municipality.

    In steps: the figures (`_figures_of`), the areas the rows are for (`_areas`), a row per area
    and group in each span (`_span_rows`), then each row's inhabitants, processing days and the
    municipality's own comment.

    `within` (source "cases" only): count just the cases Ankestyrelsen decided in that range of
    days, for a complaint report of a half year or a quarter; the spans must hold its years."""
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}")
    if by == "area" and areas is None and source != CASES:
        raise ValueError("grouping by area needs an areas file")
    committees = by == "area" and areas is None  # the register's own omraade column
    if committees:
        include_national = False  # the statistics know laws and provisions, not committees
    map_filter = maps[0] if by != "map" and maps else None
    years = sorted({y for s in spans for y in s.years})
    coverage = load_coverage(conn, years, as_of)
    spec = GroupBy(by, tuple(maps or catalogue.maps), map_filter, areas)
    figures, file_labels, case_figures = _figures_of(conn, catalogue, spans, years, spec, coverage, as_of,
                                                     municipalities, source, committees, within)
    national_by_year = {y: figures.aggregate(NATIONAL_CODE, y, tuple(catalogue.municipalities), "Landstallet")
                        if include_national else None for y in years}
    area_list, groups_members = _areas(catalogue, figures, years, coverage, municipalities, case_figures, regions,
                                       comparison_groups, include_national)
    rows: list[RateRow] = []
    totals: list[RateRow] = []
    for span in spans:
        span_rows, span_totals = _span_rows(catalogue, figures, span, area_list, national_by_year, by, areas,
                                            definition, map_filter, file_labels)
        rows += span_rows
        totals += span_totals

    population = Population(conn, catalogue, years, as_of, groups_members)
    rows, totals = _with_inhabitants(rows, population), _with_inhabitants(totals, population)
    if source == STATBANK and not committees:
        days = processing_days(conn, coverage, catalogue, years, spec)
        if days:
            rows = [_with_days(row, days, by) for row in rows]
    rows = _with_comments(conn, rows)
    vintages = sorted(vintages_by_id(conn, coverage.vintage_ids | population.vintage_ids).values(), key=lambda v: v.id)
    return RateTable(rows, totals, definition, by, spans, map_filter, as_of, vintages,
                     list(dict.fromkeys(figures.notes)), source)


def _with_comments(conn: Connection, rows: list[RateRow]) -> list[RateRow]:
    """A municipality's row of one year's map gets the municipality's own comment on it."""
    years = sorted({r.span.first for r in rows if r.span.first == r.span.last})
    comments = comments_of(conn, years) if years else {}
    if not comments:
        return rows
    return [replace(r, comment=comments.get((r.area.code, r.span.first, r.map or "")))
            if r.area.level is AreaLevel.MUNICIPALITY and r.span.first == r.span.last and r.group is None else r
            for r in rows]


def _figures_of(conn: Connection, catalogue: Catalogue, spans: list[YearSpan], years: list[int], spec: GroupBy,
                coverage, as_of: dt.date | None, municipalities: list[str] | None, source: str,
                committees: bool, within: DateRange | None) -> tuple[_AreaFigures, dict[str, str], dict | None]:
    """The statistics' figures per area, year and group (and the register's, for source
    "cases"), their labels as the files have them; NoDataError when there are none."""
    case_figures = None
    if source == CASES:
        case_figures, case_labels = case_group_figures(conn, catalogue, years, spec, municipalities, within)
        if not case_figures:
            raise NoDataError(*_no_cases_message(catalogue, spans, municipalities))
    elif not coverage.slots:
        raise NoDataError(*_no_data_message(conn, spans, years, as_of))
    found, file_labels = ({}, {}) if committees else group_figures(conn, coverage, catalogue, years, spec)
    figures = _AreaFigures(catalogue, found)
    figures.notes += law_level_area_notes(coverage, catalogue, spec)
    if case_figures is not None:
        file_labels = {**file_labels, **case_labels}
        figures.notes.append("Kommunens tal er talt i klageregistret efter året for Ankestyrelsens afgørelse; "
                             "landstallet er fra Ankestyrelsens statistik.")
    return figures, file_labels, case_figures


def _areas(catalogue: Catalogue, figures: _AreaFigures, years: list[int], coverage,
           municipalities: list[str] | None, case_figures: dict | None, regions, comparison_groups,
           include_national: bool) -> tuple[list[Area], dict[str, tuple[str, ...]]]:
    """The areas that get rows, in order: the municipalities, the regions, the comparison groups
    (with their members), the nation. The regions' and groups' figures are made here."""
    if case_figures is not None:
        # The register replaces the statistics for the municipalities, once the national level
        # (from the statistics) is computed; a year without cases has no figure.
        with_cases = sorted({code for code, _ in case_figures}, key=int)
        for code in municipalities if municipalities is not None else with_cases:
            for y in years:
                figures.set(code, y, case_figures.get((code, y)))
        codes = list(dict.fromkeys(municipalities if municipalities is not None else with_cases))
    elif municipalities is None:
        codes = [c for c in catalogue.municipalities if any(coverage.has(c, y) for y in years)]
    else:
        codes = list(dict.fromkeys(municipalities))
    area_list = [catalogue.area(c) for c in codes]
    groups_members: dict[str, tuple[str, ...]] = {}  # a comparison group's municipalities
    for r in regions:
        members = catalogue.region_members(r)
        name = catalogue.regions[r].name
        for y in years:
            figures.aggregate(r, y, members, f"Tallet for {name}")
        area_list.append(catalogue.area(r))
    for code in comparison_groups:
        group, group_members = catalogue.comparison_group(code)
        groups_members[group.code] = group_members
        for y in years:
            figures.set(group.code, y, figures.summed(group_members, y))
        area_list.append(group)
    if include_national:
        area_list.append(catalogue.area(NATIONAL_CODE))
    return area_list, groups_members


def _span_rows(catalogue: Catalogue, figures: _AreaFigures, span: YearSpan, area_list: list[Area],
               national_by_year: dict, by: str, areas: AreaConfig | None, definition: Definition,
               map_filter: str | None, file_labels: dict[str, str]) -> tuple[list[RateRow], list[RateRow]]:
    """A row per group and area over the span (with funnel classes against the nation's rate
    in that group), and, when grouped, each area's "I alt" over its groups."""
    per_area: list[tuple[Area, dict[str, Figure], str | None]] = []
    for area in area_list:
        groups, note = _span_groups(area.name, span, [figures.of(area.code, y) for y in span.years])
        reasons = [figures.why_missing[(area.code, y)] for y in span.years if (area.code, y) in figures.why_missing]
        per_area.append((area, groups, reasons[0] if reasons and note else note))
    national = _span_groups("landsplan", span, [national_by_year[y] for y in span.years])[0]
    group_keys = {g for _, groups, _ in per_area for g in groups}

    rows: list[RateRow] = []
    label_year = span.last
    for g in _group_order(catalogue, by, group_keys, areas):
        national_figure = national.get(g)
        national_rate = None
        if national_figure is not None and national_figure.counts is not None:
            national_rate = reversal_rate(national_figure.counts, definition)
        pending: list[RateRow] = []
        for area, groups, area_note in per_area:
            figure = groups.get(g)
            if figure is None:
                if groups:
                    continue  # the area has data, just not in this group
                figure = unavailable(area_note)  # no data at all: say so in every group
            pending.append(_row(span, area, by, g, _group_label(catalogue, by, g, label_year, file_labels),
                                figure, definition, national_rate, map_filter))
        rows.extend(_with_funnel(pending, national_rate))
    totals: list[RateRow] = []
    if by != "map":
        # "I alt" over the groups, against the national level's own "I alt".
        national_total = _pool(list(national.values())) if national else None
        national_rate = None
        if national_total is not None and national_total.counts is not None:
            national_rate = reversal_rate(national_total.counts, definition)
        span_totals = [
            _row(span, area, by, None, TOTAL_GROUP, _pool(list(groups.values())), definition,
                 national_rate, map_filter)
            for area, groups, _ in per_area if groups
        ]
        totals.extend(_with_funnel(span_totals, national_rate))
    return rows, totals


def _with_days(row: RateRow, days: dict, by: str) -> RateRow:
    """The row's average processing time over its years, when the area's own rows have it for
    every year (an area summed from its municipalities has none)."""
    group = row.map if by == "map" else row.group_key
    parts = [days.get((row.area.code, year, group)) for year in row.span.years]
    if any(p is None for p in parts):
        return row
    weight = sum(w for _, w in parts)
    return replace(row, processing_days=sum(t for t, _ in parts) / weight) if weight else row


def _with_inhabitants(rows: list[RateRow], population: Population) -> list[RateRow]:
    """Each row with its area's inhabitants (or, in `inhabitants.note`, why there are none)."""
    return [replace(row, inhabitants=population.of(row.area, row.span)) for row in rows]


def _no_data_message(conn: Connection, spans: list[YearSpan], years: list[int], as_of: dt.date | None
                     ) -> tuple[str, str | None]:
    what = ", ".join(s.label() for s in spans)
    when = f" pr. {as_of:%d-%m-%Y}" if as_of else ""
    quarters = quarters_present(conn, years, as_of)
    if quarters:
        listed = ", ".join(f"{y}K{q}" for y, q in quarters)
        return (f"Der er ingen årstal for {what}{when}, kun kvartalerne {listed}. Et år regnes først, "
                "når alle dets kvartaler er importeret.", None)
    if as_of and _any_vintage(conn, years):
        return (f"Der er ingen tal for {what}{when}: alle importer af de år er fra efter {as_of:%d-%m-%Y}.",
                "Vælg en senere --as-of, eller udelad den.")
    return (f"Der er ingen tal for {what} i databasen.",
            "Importér statistikbankens tal med 'klagestat import statbank FIL'.")


def _no_cases_message(catalogue: Catalogue, spans: list[YearSpan], municipalities: list[str] | None
                      ) -> tuple[str, str]:
    what = ", ".join(s.label() for s in spans)
    who = ", ".join(catalogue.municipalities[c].name for c in municipalities) if municipalities else "nogen kommune"
    return (f"Klageregistret har ingen sager afgjort af Ankestyrelsen i {what} for {who}.",
            "Importér registret med 'klagestat import cases'.")


def _any_vintage(conn: Connection, years: list[int]) -> bool:
    return bool(load_coverage(conn, years, None).slots)


def _span_groups(name: str, span: YearSpan, yearly: list[dict[str, Figure] | None]) -> tuple[dict[str, Figure], str | None]:
    """An area's figures pooled over a span's years; not available when a year has no data."""
    present = [y for y in yearly if y is not None]
    if not present:
        return {}, f"Ingen tal for {name} i {span.label()}."
    keys = list(dict.fromkeys(g for y in present for g in y))
    pooled = {g: _pool([y.get(g) for y in present]) for g in keys}
    missing = [year for year, figures in zip(span.years, yearly) if figures is None]
    if missing:
        note = f"Ingen tal for {name} i {', '.join(map(str, missing))}; de samlede år kan ikke opgøres."
        return {g: unavailable(note) for g in pooled}, note
    return pooled, None


def _row(span, area, by, group_key, label, figure, definition, national_rate, map_filter) -> RateRow:
    counts = figure.counts
    rate = reversal_rate(counts, definition) if counts is not None else None
    ci = None
    note = figure.note
    if counts is not None and denominator(counts, definition) is None:
        note = NO_DISMISSED_NOTE
    elif counts is not None:
        ci = wilson_interval(counts.reversed, denominator(counts, definition))
    return RateRow(
        span=span, area=area,
        map=group_key if by == "map" else map_filter,
        group=None if by == "map" else label,
        group_key=None if by == "map" else group_key,
        counts=counts, definition=definition, rate=rate, ci=ci,
        national_rate=national_rate,
        note=note,
    )


def _with_funnel(rows: list[RateRow], national_rate: Fraction | None) -> list[RateRow]:
    """Funnel classes for the municipalities' rows, computed for all of them at once."""
    if national_rate is None:
        return rows
    eligible = [i for i, r in enumerate(rows)
                if r.area.level is AreaLevel.MUNICIPALITY and r.rate is not None and r.denominator]
    if not eligible:
        return rows
    ks = [rows[i].counts.reversed for i in eligible]
    ns = [rows[i].denominator for i in eligible]
    out = list(rows)
    by_level = {level: funnel_classes(ks, ns, national_rate, level) for level in FUNNEL_LEVELS}
    for j, i in enumerate(eligible):
        out[i] = replace(rows[i], funnel={level: classes[j] for level, classes in by_level.items()})
    return out
