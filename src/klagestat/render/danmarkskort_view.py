"""What the Danmarkskort case shows, built once for both its forms: the committee case (Word,
PDF, HTML, Markdown: `danmarkskort_report.py`) and the municipality's profile on the web
(`web/public.py`). Each renders these in its own layout; neither computes them again."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from klagestat.analysis.danmarkskort import DanmarkskortCase, DerivedSection, MapSection
from klagestat.analysis.rates import RateRow
from klagestat.domain.outcomes import OUTCOME_NAMES_DA, Outcome

from . import numbers
from .charts import FunnelPoint, TrendSeries

SHOWN_OUTCOMES = (Outcome.UPHELD, Outcome.CHANGED, Outcome.REMITTED)  # the parts of the merits


def rate_or_none(row: RateRow | None) -> Fraction | None:
    """A row's rate when it has cases; None (no figure, not 0 %) otherwise."""
    return row.rate if row is not None and row.denominator else None


def trend_series(case: DanmarkskortCase) -> list[TrendSeries]:
    """Each map's rate over the years, the municipality's and the nation's."""
    return [TrendSeries(s.name, tuple(y for y, _, _ in s.trend), tuple(rate_or_none(m) for _, m, _ in s.trend),
                        tuple(rate_or_none(n) for _, _, n in s.trend))
            for s in case.maps]


def funnel_points(section: MapSection) -> list[FunnelPoint]:
    """Every municipality on the map, by cases and rate, for the funnel plot."""
    return [FunnelPoint(r.area.code, r.area.name, r.denominator, r.rate) for r in section.all_municipalities
            if r.denominator and r.rate is not None]


@dataclass(frozen=True)
class OutcomeLine:
    label: str  # the outcome's Danish name
    count: str  # the municipality's cases
    share: str  # of its cases decided on the merits, whole percent
    national_share: str  # the nation's, one decimal


def outcome_lines(section: MapSection) -> list[OutcomeLine]:
    """The outcomes of the municipality's cases decided on the merits, beside the nation's."""
    row, national = section.row, section.national
    if row is None or row.counts is None or not row.denominator:
        return []
    n, counts = row.denominator, row.counts
    national_n = national.denominator if national is not None and national.counts is not None else None
    return [OutcomeLine(OUTCOME_NAMES_DA[o], numbers.count(getattr(counts, o)),
                        numbers.municipal_percent(Fraction(getattr(counts, o), n)),
                        numbers.national_percent(Fraction(getattr(national.counts, o), national_n))
                        if national is not None and national_n else "–")
            for o in SHOWN_OUTCOMES]


def rate_and_cases(row: RateRow | None, national_level: bool) -> tuple[str, str]:
    """ "52 %" and "(25)": a municipality's rate in whole percents, the nation's with one decimal."""
    if row is None or not row.denominator:
        return "ingen sager", ""
    rate = numbers.national_percent(row.rate) if national_level else numbers.municipal_percent(row.rate)
    return rate, f"({numbers.count(row.denominator)})"


def rate_with_cases(row: RateRow | None, national_level: bool) -> str:
    """The minutes' style: "63 % (65)" = rate and cases."""
    return " ".join(rate_and_cases(row, national_level)).strip()


def comparison_lines(case: DanmarkskortCase, section: MapSection) -> list[tuple[str, list[str]]]:
    """The municipality, its neighbours and the nation, year by year (newest first)."""
    lines = [(line.name, [rate_with_cases(line.by_year.get(y), False) for y in case.table_years])
             for line in section.comparison]
    national = {y: n for y, _, n in section.trend}
    lines.append(("Landsplan", [rate_with_cases(national.get(y), True) for y in case.table_years]))
    return lines


DERIVED_WHY = ("Ministeriet laver intet kort for det; kommunerne regner det selv som socialområdet generelt uden "
               "de to handicapområder, år for år efter samme regler.")


def derived_lines(case: DanmarkskortCase, section: DerivedSection) -> list[tuple[str, str, str]]:
    """(year, the municipality's "52 % (25)", the nation's) in the case's table years, newest first."""
    return [(str(year), rate_with_cases(section.mine.get(year), False), rate_with_cases(section.national.get(year), True))
            for year in case.table_years]
