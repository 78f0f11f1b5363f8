"""Everything the regular complaint report for one municipality and period (a year, a half, a
quarter or any range of days) needs, from its own register: rates by committee (or the areas of
an --areas file) and by law beside the same period a year earlier,
other complaint bodies, reasons for reversal, the years the appealed decisions were made,
repeated complainants, and the reversed cases and learning notes. Rates come from
`compute_rates(source="cases")`, the function behind `klagestat rates --source cases`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from klagestat.domain.areas import AreaConfig
from klagestat.domain.catalogue import Catalogue, Municipality
from klagestat.domain.periods import DateRange, YearSpan
from klagestat.domain.problems import NoDataError
from klagestat.domain.rates import Definition
from klagestat.store.register import case_count
from klagestat.store.register_queries import DecidedCase, decided_cases_listed, register_is_synthetic

from .rates import CASES, RateRow, RateTable, compute_rates
from .register import (
    DecisionYears,
    OtherBodies,
    RepeatComplainants,
    ReversalReasons,
    decision_years,
    other_bodies,
    provision_label,
    repeat_complainants,
    reversal_reasons,
)


@dataclass
class GroupLine:
    """One committee, area or law: the period's figures and those of the same period a year earlier."""

    name: str
    this_year: RateRow | None
    last_year: RateRow | None
    national: RateRow | None  # by law only: the national rate from the statistics


@dataclass
class ListedCase:
    case: DecidedCase
    provision: str  # the provision's name, else the law's, else the legal basis as typed


@dataclass
class ComplaintReport:
    municipality: Municipality
    period: DateRange  # the days whose decisions the report counts
    previous: DateRange  # the same days a year earlier, the comparison
    definition: Definition
    by_area: list[GroupLine]
    area_total: GroupLine | None
    area_source: str  # a Danish sentence: where the areas come from (the omraade column or an --areas file)
    areas_as_typed: bool  # the area names are the register's omraade column, free text as typed
    by_law: list[GroupLine]
    other_bodies: OtherBodies
    reasons: ReversalReasons
    decision_years: DecisionYears
    repeat_complainants: RepeatComplainants
    cases: list[ListedCase]  # reversed, or with a learning note
    synthetic: bool


def complaint_report(conn: Connection, catalogue: Catalogue, code: str, period: DateRange,
                     areas: AreaConfig | None = None, area_source: str = "",
                     definition: Definition = Definition.OFFICIAL) -> ComplaintReport:
    """The report of the cases decided in `period` (a year, a half, a quarter or any range of
    days), each figure beside the same days a year earlier."""
    municipality = catalogue.municipalities[code]
    if not case_count(conn, code):
        raise NoDataError(f"Der er intet klageregister for {municipality.name}.",
                          "Importér det med klagestat import cases FIL --municipality KOMMUNE.")
    previous = period.year_before()

    def rates(by: str, days: DateRange) -> RateTable:
        # The statistics count whole years: the nation's rate stands beside a calendar year only.
        return compute_rates(conn, catalogue, [YearSpan(days.years[0], days.years[-1])], municipalities=[code],
                             by=by, areas=areas, definition=definition, source=CASES,
                             include_national=days.is_calendar_year, within=days)

    def lines(by: str) -> tuple[list[GroupLine], GroupLine | None]:
        now, before = rates(by, period), rates(by, previous)
        mine = [r for table in (now, before) for r in table.rows if r.area.code == code]
        this = {r.group_key: r for r in now.rows if r.area.code == code}
        last = {r.group_key: r for r in before.rows if r.area.code == code}
        national = {r.group_key: r for r in now.rows if r.area.code != code}
        keys = list(dict.fromkeys(r.group_key for r in mine))
        result = [GroupLine(next(r.group for r in mine if r.group_key == key), this.get(key), last.get(key),
                            national.get(key)) for key in keys]
        result = [line for line in result if _cases(line.this_year) or _cases(line.last_year)]
        total_now = next((r for r in now.totals if r.area.code == code), None)
        total_before = next((r for r in before.totals if r.area.code == code), None)
        total = GroupLine("I alt", total_now, total_before, None) if total_now or total_before else None
        return result, total

    by_area, area_total = lines("area")
    by_law, _ = lines("law")
    if not _cases(area_total.this_year if area_total else None) and not any(_cases(line.this_year) for line in by_law):
        raise NoDataError(f"{municipality.name}s klageregister har ingen sager, som Ankestyrelsen afgjorde "
                          f"{period.in_words()}. Vælg en anden periode, eller importér et nyere register.")
    cases = [ListedCase(c, provision_label(catalogue, c.provision_key, c.law_id, c.legal_basis, period.last.year))
             for c in decided_cases_listed(conn, code, period)]
    return ComplaintReport(
        municipality=municipality, period=period, previous=previous, definition=definition, by_area=by_area,
        area_total=area_total, area_source=area_source, areas_as_typed=areas is None, by_law=by_law,
        other_bodies=other_bodies(conn, code, period), reasons=reversal_reasons(conn, code, period, catalogue),
        decision_years=decision_years(conn, code, period), repeat_complainants=repeat_complainants(conn, code, period),
        cases=cases, synthetic=register_is_synthetic(conn, code),
    )


def _cases(row: RateRow | None) -> int:
    return 0 if row is None or row.counts is None else row.counts.decided
