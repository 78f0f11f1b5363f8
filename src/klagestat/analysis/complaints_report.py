"""Everything the regular complaint report for one municipality and year needs, from its own
register: rates by committee (or the areas of an --areas file) and by law with the year before,
other complaint bodies, reasons for reversal, the years the appealed decisions were made,
repeated complainants, and the reversed cases and learning notes. Rates come from
`compute_rates(source="cases")`, the function behind `klagestat rates --source cases`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from klagestat.domain.areas import AreaConfig
from klagestat.domain.catalogue import Catalogue, Municipality
from klagestat.domain.periods import YearSpan
from klagestat.domain.problems import NoDataError
from klagestat.domain.rates import Definition
from klagestat.store.register import case_count
from klagestat.store.register_queries import DecidedCase, decided_cases_listed, register_is_synthetic

from .rates import CASES, RateRow, compute_rates
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
    """One committee, area or law: this year's figures and last year's."""

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
    year: int
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


def complaint_report(conn: Connection, catalogue: Catalogue, code: str, year: int, areas: AreaConfig | None = None,
                     area_source: str = "", definition: Definition = Definition.OFFICIAL) -> ComplaintReport:
    municipality = catalogue.municipalities[code]
    if not case_count(conn, code):
        raise NoDataError(f"Der er intet klageregister for {municipality.name}.",
                          "Importér det med klagestat import cases FIL --municipality KOMMUNE.")
    spans = [YearSpan(year - 1, year - 1), YearSpan(year, year)]

    def lines(by: str) -> tuple[list[GroupLine], GroupLine | None]:
        table = compute_rates(conn, catalogue, spans, municipalities=[code], by=by, areas=areas,
                              definition=definition, source=CASES)
        mine = [r for r in table.rows if r.area.code == code]
        national = {(r.group_key, r.span.first): r for r in table.rows if r.area.code != code}
        keys = list(dict.fromkeys(r.group_key for r in mine))
        by_key = {(r.group_key, r.span.first): r for r in mine}
        result = [GroupLine(next(r.group for r in mine if r.group_key == key), by_key.get((key, year)),
                            by_key.get((key, year - 1)), national.get((key, year))) for key in keys]
        result = [line for line in result if _cases(line.this_year) or _cases(line.last_year)]
        totals = {r.span.first: r for r in table.totals if r.area.code == code}
        total = GroupLine("I alt", totals.get(year), totals.get(year - 1), None) if totals else None
        return result, total

    by_area, area_total = lines("area")
    by_law, _ = lines("law")
    if not _cases(area_total.this_year if area_total else None) and not any(_cases(line.this_year) for line in by_law):
        raise NoDataError(f"{municipality.name}s klageregister har ingen sager, som Ankestyrelsen afgjorde i {year}. "
                          "Vælg et andet år, eller importér et nyere register.")
    cases = [ListedCase(c, provision_label(catalogue, c.provision_key, c.law_id, c.legal_basis, year))
             for c in decided_cases_listed(conn, code, [year])]
    return ComplaintReport(
        municipality=municipality, year=year, definition=definition, by_area=by_area, area_total=area_total,
        area_source=area_source, areas_as_typed=areas is None, by_law=by_law, other_bodies=other_bodies(conn, code, [year]),
        reasons=reversal_reasons(conn, code, [year], catalogue), decision_years=decision_years(conn, code, [year]),
        repeat_complainants=repeat_complainants(conn, code, [year]), cases=cases,
        synthetic=register_is_synthetic(conn, code),
    )


def _cases(row: RateRow | None) -> int:
    return 0 if row is None or row.counts is None else row.counts.decided
