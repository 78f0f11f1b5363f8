"""Whether the decisions made after an initiative of the action plan are reversed less.

For each initiative, the complaints to Ankestyrelsen in the municipality's register on the
provisions or areas it targets (all, when it names none) are split by the date of the
**municipality's** decision: before the initiative's start, or on it and after (an initiative
works from its first day, so a decision made on the start date counts after). Each side's
reversal rate follows the official definition (changed and remitted over the cases decided on
the merits), with its Wilson interval; the difference has Newcombe's interval built from the two
Wilson intervals and Fisher's exact test. The after-side is young: many of its complaints are
still pending, so its rate is not final; the verdict says so, and is "too early" when the
after-side has fewer than FEW_CASES cases decided on the merits or more than a third pending.

The same counts by the year of the municipality's decision (all of the register's complaints to
Ankestyrelsen) are the table the municipality shows its council year after year, with the
initiatives' starts marked: Ankestyrelsen decides up to a year and a half later, and citizens
appeal old decisions, so a year's figures fill in over the next years.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import Connection

from klagestat.domain.areas import AreaConfig, Selector
from klagestat.domain.catalogue import Catalogue
from klagestat.domain.legal_basis import key_paragraphs
from klagestat.domain.outcomes import Outcome
from klagestat.domain.plan import Initiative, Plan
from klagestat.domain.problems import InputError, Problem
from klagestat.domain.statistics import FEW_CASES, wilson_interval
from klagestat.store.register_queries import PENDING, decision_side_counts

SIGNIFICANCE = 0.05  # the p-value under which a difference is called more than chance
MAX_PENDING_SHARE = Fraction(1, 3)  # more of the after-side pending than this: too early to say
MERITS = (Outcome.UPHELD.value, Outcome.CHANGED.value, Outcome.REMITTED.value)
REVERSED = (Outcome.CHANGED.value, Outcome.REMITTED.value)


@dataclass(frozen=True)
class Side:
    """The complaints about the decisions made on one side of a start date."""

    decided: int  # by Ankestyrelsen on the merits (the rate's denominator)
    reversed: int  # changed or remitted
    dismissed: int
    pending: int  # not decided yet, at the municipality or at Ankestyrelsen

    @property
    def rate(self) -> Fraction | None:
        return Fraction(self.reversed, self.decided) if self.decided else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson_interval(self.reversed, self.decided)

    @property
    def complaints(self) -> int:
        return self.decided + self.dismissed + self.pending

    @property
    def pending_share(self) -> Fraction | None:
        """The share of the side's complaints still pending."""
        return Fraction(self.pending, self.complaints) if self.complaints else None


class Verdict:
    """The verdict's codes (stable, for programs) and their Danish words."""

    NO_START = "no_start"
    NOTHING_BEFORE = "nothing_before"
    TOO_EARLY = "too_early"
    FEWER = "fewer"
    MORE = "more"
    NO_CLEAR_DIFFERENCE = "no_clear_difference"
    DANISH = {
        NO_START: "ingen startdato",
        NOTHING_BEFORE: "intet at sammenligne med",
        TOO_EARLY: "for tidligt at sige",
        FEWER: "færre omgørelser efter starten",
        MORE: "flere omgørelser efter starten",
        NO_CLEAR_DIFFERENCE: "ingen tydelig forskel",
    }


@dataclass(frozen=True)
class InitiativeEffect:
    initiative: Initiative
    targets: tuple[str, ...]  # as the plan writes them; () for all the register's complaints
    before: Side
    after: Side
    difference: Fraction | None  # after's rate minus before's, as a fraction
    difference_interval: tuple[float, float] | None
    p_value: float | None
    verdict: str  # a Verdict code
    why: str  # the verdict in a Danish sentence


@dataclass(frozen=True)
class DecisionYear:
    year: int  # of the municipality's decision
    side: Side
    starts: tuple[str, ...]  # the initiatives that started that year


@dataclass(frozen=True)
class PlanEffect:
    municipality_code: str | None
    plan: Plan
    effects: tuple[InitiativeEffect, ...]
    years: tuple[DecisionYear, ...]
    as_of: dt.date | None  # the register as it was on this date; None: as it is


def plan_effect(conn: Connection, catalogue: Catalogue, municipality_code: str | None, plan: Plan,
                areas: AreaConfig | None = None, as_of: dt.date | None = None) -> PlanEffect:
    """The plan's effect in the municipality's register (None: every municipality's, for the benchmark)."""
    starts = sorted({i.start for i in plan.initiatives if i.start is not None})
    rows = decision_side_counts(conn, municipality_code, starts, as_of)
    effects = tuple(_effect(initiative, _matcher(catalogue, initiative, areas), rows, starts)
                    for initiative in plan.initiatives)
    return PlanEffect(municipality_code, plan, effects, _by_year(plan, rows), as_of)


def _matcher(catalogue: Catalogue, initiative: Initiative, areas: AreaConfig | None) -> Callable[[str, str], bool]:
    """Whether a complaint on (law id, provision key) is one the initiative targets."""
    if initiative.targets_all:
        return lambda law, key: True
    if initiative.areas and areas is None:
        raise InputError([Problem("--areas", f"Initiativet {initiative.name!r} retter sig mod områder "
                                  f"({', '.join(initiative.areas)}); angiv områdefilen med --areas FIL.",
                                  code="areas-file-required")], headline="Effekten kan ikke opgøres:")
    selectors = []
    for text in initiative.provisions:
        parsed = catalogue.parse_selector(text)
        if parsed is not None:  # checked when the plan was read
            selectors.append(Selector(initiative.name, text, parsed[0].id, frozenset(parsed[1])))
    wanted_areas = set(initiative.areas)

    def matches(law: str, key: str) -> bool:
        paragraphs = key_paragraphs(key) if key else ()
        if any(s.specificity(law, paragraphs) != (0, 0) for s in selectors):
            return True
        if wanted_areas and areas is not None and law:
            return areas.area_for(law, key or None, key or law) in wanted_areas
        return False

    return matches


def _side(rows: list[tuple]) -> Side:
    """Rows of (year, starts passed, law, key, outcome or PENDING, cases)."""
    decided = reversed_ = dismissed = pending = 0
    for _year, _passed, _law, _key, outcome, n in rows:
        if outcome == PENDING:
            pending += n
        elif outcome in MERITS:
            decided += n
            reversed_ += n if outcome in REVERSED else 0
        elif outcome == Outcome.DISMISSED.value:
            dismissed += n
    return Side(decided, reversed_, dismissed, pending)


def _effect(initiative: Initiative, matches: Callable[[str, str], bool], rows: list[tuple],
            starts: list[dt.date]) -> InitiativeEffect:
    targets = (*initiative.provisions, *initiative.areas)
    matched: dict[tuple, bool] = {}  # (law, key) → targeted: asked once per provision, not per row
    for law, key in {(r[2], r[3]) for r in rows}:
        matched[(law, key)] = matches(law or "", key or "")
    mine = [r for r in rows if matched[(r[2], r[3])]]
    start = initiative.start
    if start is None:
        empty = Side(0, 0, 0, 0)
        return InitiativeEffect(initiative, targets, _side(mine), empty, None, None, None, Verdict.NO_START,
                                "Initiativet har ingen startdato, så der er intet før og efter at sammenligne.")
    # A decision is before the start when fewer starts than this one's place in the list have passed.
    place = starts.index(start)
    before = _side([r for r in mine if r[1] <= place])
    after = _side([r for r in mine if r[1] > place])
    difference = interval = p_value = None
    if before.decided and after.decided:
        difference = after.rate - before.rate  # type: ignore[operator]
        interval = _newcombe(before, after)
        p_value = _fisher(before, after)
    verdict, why = _verdict(before, after, difference, p_value)
    return InitiativeEffect(initiative, targets, before, after, difference, interval, p_value, verdict, why)


def _verdict(before: Side, after: Side, difference: Fraction | None, p_value: float | None) -> tuple[str, str]:
    pending_share = after.pending_share
    if after.decided < FEW_CASES or (pending_share is not None and pending_share > MAX_PENDING_SHARE):
        reasons = []
        if after.decided < FEW_CASES:
            reasons.append(f"kun {after.decided} realitetsbehandlede sager om afgørelser efter starten "
                           f"(under {FEW_CASES})")
        if pending_share is not None and pending_share > MAX_PENDING_SHARE:
            reasons.append(f"{after.pending} af {after.complaints} klager over afgørelser efter starten verserer "
                           "stadig, så omgørelsesprocenten er ikke endelig")
        return Verdict.TOO_EARLY, "For tidligt at sige: " + " og ".join(reasons) + "."
    if not before.decided:
        return Verdict.NOTHING_BEFORE, "Der er ingen realitetsbehandlede sager om afgørelser før starten at sammenligne med."
    assert difference is not None and p_value is not None
    if p_value < SIGNIFICANCE and difference < 0:
        return Verdict.FEWER, ("Færre omgørelser efter starten: forskellen er større, end tilfældig variation "
                               "kan forklare.")
    if p_value < SIGNIFICANCE and difference > 0:
        return Verdict.MORE, ("Flere omgørelser efter starten: forskellen er større, end tilfældig variation "
                              "kan forklare.")
    return Verdict.NO_CLEAR_DIFFERENCE, "Ingen tydelig forskel: forskellen kan skyldes tilfældig variation."


def _newcombe(before: Side, after: Side) -> tuple[float, float]:
    """Newcombe's hybrid score interval (his method 10) for after's rate minus before's."""
    p1, p2 = float(before.rate), float(after.rate)  # type: ignore[arg-type]
    (l1, u1), (l2, u2) = before.interval, after.interval  # type: ignore[misc]
    d = p2 - p1
    return d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2), d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)


def _fisher(before: Side, after: Side) -> float:
    """Fisher's exact test, two-sided, of reversed against not reversed, before against after."""
    from scipy.stats import fisher_exact  # only here: the command line starts without scipy.stats

    table = [[after.reversed, after.decided - after.reversed], [before.reversed, before.decided - before.reversed]]
    return float(fisher_exact(table, alternative="two-sided").pvalue)


def _by_year(plan: Plan, rows: list[tuple]) -> tuple[DecisionYear, ...]:
    """Every year of the register's decisions, and the years an initiative starts in."""
    by_year: dict[int, list[tuple]] = {}
    for r in rows:
        by_year.setdefault(r[0], []).append(r)
    years = sorted(set(by_year) | {i.start.year for i in plan.initiatives if i.start})
    return tuple(DecisionYear(year, _side(by_year.get(year, [])),
                              tuple(i.name for i in plan.initiatives if i.start and i.start.year == year))
                 for year in years)
