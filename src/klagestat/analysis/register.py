"""Analyses of a municipality's own complaint register, as result objects.

Each function takes a connection, the municipality (`None` = all municipalities together) and
the years, and returns a dataclass that the terminal table, the JSON output and (later) the
reports and the web page all render, so a figure can never differ between them. No formatting
here: rates and shares are exact fractions, days are numbers, dates are dates.

Which year a case belongs to differs between the analyses (the complaint body's decision, the
complaint, the end of a step); each result says it in its `basis`, a Danish sentence.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Protocol

import numpy as np
from sqlalchemy import Connection

from klagestat.catalogue import load_catalogue, load_register_vocabulary
from klagestat.domain.catalogue import Catalogue
from klagestat.domain.outcomes import Outcome, OutcomeCounts
from klagestat.domain.periods import DateRange, Years
from klagestat.domain.rates import reversal_rate
from klagestat.domain.register import ANKESTYRELSEN, Reassessment
from klagestat.domain.text import normalise
from klagestat.store import register_queries as q

ANALYSES = ("decision_years", "durations", "reassessment", "repeat_complainants", "reversal_reasons",
            "clusters", "pending", "per_thousand")
NO_AREA = "Uden område"
UNKNOWN_BASIS = "Lovgrundlag ikke oplyst"
TOTAL_AREA = "I alt"


# ---- years and words ---------------------------------------------------------------------------

def years_label(years: Years) -> str:
    """2024; 2022-2024; 2021 og 2023; 2019, 2021-2022 og 2024; a range of days by its label."""
    if isinstance(years, DateRange):
        return years.label()
    parts = [str(a) if a == b else f"{a}-{b}" for a, b in q.year_runs(years)]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " og " + parts[-1]


def _years(years: Years) -> list[int]:
    """The calendar years, sorted (a range of days: the years it touches)."""
    if isinstance(years, DateRange):
        return years.years
    found = sorted(set(int(y) for y in years))
    if not found:
        raise ValueError("the analyses need at least one year")
    return found


def _share(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


def _counts(by_outcome: dict[str, int]) -> OutcomeCounts:
    return OutcomeCounts(*(by_outcome.get(o.value, 0) for o in Outcome))


# ---- 1. the year of the municipality's decision ---------------------------------------------------

@dataclass(frozen=True)
class DecisionYearRow:
    year: int  # the year Ankestyrelsen decided (a range of days: its first year; the range is one group)
    decision_year: int | None  # the year the municipality decided; None when not recorded
    upheld: int
    changed: int
    remitted: int
    dismissed: int
    cases: int
    merits: int
    reversed: int
    rate: Fraction | None  # official: reversed / merits
    share: Fraction  # of the cases Ankestyrelsen decided that year


@dataclass(frozen=True)
class DecisionYears:
    basis: str
    years: list[int]
    rows: list[DecisionYearRow]  # by year, then decision year (not recorded last)


def decision_years(conn: Connection, municipality_code: str | None, when: Years) -> DecisionYears:
    """Which years the decisions Ankestyrelsen decided on were made in."""
    years = _years(when)
    cells: dict[tuple, dict[str, int]] = defaultdict(dict)
    for year, decision_year, outcome, n in q.decision_year_counts(conn, municipality_code, when):
        if isinstance(when, DateRange):
            year = years[0]  # a range of days is counted as one, even across New Year
        cells[(year, decision_year)][outcome] = cells[(year, decision_year)].get(outcome, 0) + n
    per_year = Counter()
    for (year, _), by_outcome in cells.items():
        per_year[year] += sum(by_outcome.values())
    rows = []
    for (year, decision_year), by_outcome in sorted(cells.items(), key=lambda kv: (kv[0][0], kv[0][1] is None,
                                                                                    kv[0][1] or 0)):
        c = _counts(by_outcome)
        rows.append(DecisionYearRow(year, decision_year, c.upheld, c.changed, c.remitted, c.dismissed, c.decided,
                                    c.merits, c.reversed, reversal_rate(c), Fraction(c.decided, per_year[year])))
    basis = (f"Sager afgjort af Ankestyrelsen i {years_label(when)} (året for Ankestyrelsens afgørelse), "
             "fordelt på året for kommunens afgørelse")
    return DecisionYears(basis, years, rows)


# ---- 2. durations --------------------------------------------------------------------------------

STEP_NAMES_DA = {
    "complaint_to_reassessment": "Klage → genvurdering",
    "complaint_to_forwarded": "Klage → videresendt",
    "forwarded_to_decision": "Videresendt → afgørelse hos klageinstansen",
    "complaint_to_decision": "Klage → afgørelse hos klageinstansen",
}


@dataclass(frozen=True)
class DurationRow:
    step: str  # a key of STEP_NAMES_DA
    name: str  # Danish
    year: int | None  # the year the step ended; None = all the years together
    n: int
    median_days: float | None
    p90_days: float | None  # 90th percentile, numpy's 'linear' method (type 7)
    excluded: int  # cases whose step ends before it starts (a registration error), left out


@dataclass(frozen=True)
class Durations:
    basis: str
    years: list[int]
    rows: list[DurationRow]  # by step, then year, the years together last


STEP_DATES = {  # step → (start, end) as columns of register_queries.step_dates
    "complaint_to_reassessment": (0, 1),
    "complaint_to_forwarded": (0, 2),
    "forwarded_to_decision": (2, 3),
    "complaint_to_decision": (0, 3),
}


def durations(conn: Connection, municipality_code: str | None, years: Sequence[int]) -> Durations:
    """How long each step of a complaint takes: number of cases, median and 90th percentile in
    days, for the cases whose step ended in the years.

    The 90th percentile interpolates linearly between the two nearest cases (numpy's default
    method 'linear', Hyndman and Fan's type 7), so it need not be a whole number of days; so may
    the median of an even number of cases.
    """
    years = _years(years)
    dates = q.step_dates(conn, municipality_code, years)
    calendar = range(years[0], years[-1] + 2)  # the years from the first to the one after the last
    year_starts = np.array([q.to_day_number(dt.date(y, 1, 1)) for y in calendar], dtype=np.int64)
    position = np.array([years.index(y) if y in years else len(years) for y in calendar[:-1]], dtype=np.int64)
    rows = []
    for step, name in STEP_NAMES_DA.items():
        start, end = (dates[:, i] for i in STEP_DATES[step])
        known = (start != q.MISSING_DAY) & (end != q.MISSING_DAY)
        days, end = (end - start)[known], end[known]
        # Which of the years (by index) the step ended in; len(years) when none of them.
        at = np.searchsorted(year_starts, end, side="right") - 1
        within = (at >= 0) & (at < len(position))
        year_index = np.full(len(end), len(years), dtype=np.int64)
        year_index[within] = position[at[within]]
        # Grouped by year (a radix sort of small numbers): each year's durations are a slice.
        inside = year_index < len(years)
        days, year_index = days[inside], year_index[inside].astype(np.int16)
        order = np.argsort(year_index, kind="stable")
        days = days[order]
        bounds = np.searchsorted(year_index[order], np.arange(len(years) + 1))
        spans = [(y, days[bounds[i]:bounds[i + 1]]) for i, y in enumerate(years)]
        if len(years) > 1:
            spans.append((None, days))
        for year, found in spans:
            valid = found[found >= 0]
            median = p90 = None
            if valid.size:
                median, p90 = float(np.median(valid)), float(np.percentile(valid, 90, method="linear"))
            rows.append(DurationRow(step, name, year, int(valid.size), median, p90, int(found.size - valid.size)))
    basis = (f"Sager, hvor skridtet sluttede i {years_label(years)} (året for skridtets slutdato: genvurderings-, "
             "videresendelses- eller afgørelsesdatoen)")
    return Durations(basis, years, rows)


# ---- 3. reassessment -----------------------------------------------------------------------------

@dataclass(frozen=True)
class ReassessmentRow:
    year: int | None  # the year of the complaint; None = all the years together
    complaints: int
    upheld: int  # fastholdt
    partly: int  # delvist omgjort
    reversed: int  # omgjort
    not_recorded: int
    with_result: int
    granted: int  # reversed + partly: the municipality gave the citizen (some) right itself
    granted_share: Fraction | None  # granted / with_result
    forwarded: int  # complaints forwarded to a complaint body


@dataclass(frozen=True)
class ReassessmentResult:
    basis: str
    years: list[int]
    rows: list[ReassessmentRow]


def reassessment(conn: Connection, municipality_code: str | None, years: Sequence[int]) -> ReassessmentResult:
    """The municipality's own reassessment of the complaints it received in the years."""
    years = _years(years)
    by_year: dict[int, Counter] = {y: Counter() for y in years}
    for year, result, forwarded, n in q.reassessment_counts(conn, municipality_code, years):
        c = by_year.setdefault(year, Counter())
        c[result or "none"] += n
        c["complaints"] += n
        c["forwarded"] += n if forwarded else 0
    spans = [(y, by_year[y]) for y in years]
    if len(years) > 1:
        spans.append((None, sum(by_year.values(), Counter())))
    rows = []
    for year, c in spans:
        upheld, partly, rev = (c[r.value] for r in (Reassessment.UPHELD, Reassessment.PARTLY, Reassessment.REVERSED))
        with_result = upheld + partly + rev
        rows.append(ReassessmentRow(year, c["complaints"], upheld, partly, rev, c["none"], with_result,
                                    rev + partly, _share(rev + partly, with_result), c["forwarded"]))
    basis = f"Klager modtaget i {years_label(years)} (året for klagedatoen)"
    return ReassessmentResult(basis, years, rows)


# ---- 4. repeat complainants -----------------------------------------------------------------------

@dataclass(frozen=True)
class RepeatGroup:
    min_cases: int  # citizens with at least this many cases
    citizens: int
    cases: int
    share: Fraction | None  # of the cases with a citizen id


@dataclass(frozen=True)
class RepeatComplainants:
    basis: str
    years: list[int]
    cases: int  # decided cases in all
    cases_with_citizen: int
    cases_without_citizen: int  # no pseudonym or borger_id: they can't be counted per citizen
    citizens: int
    groups: list[RepeatGroup]  # 2+ and 5+ cases
    most_cases: int  # the most cases one citizen had (0 when there are none)


REPEAT_THRESHOLDS = (2, 5)


def repeat_complainants(conn: Connection, municipality_code: str | None, when: Years) -> RepeatComplainants:
    """How many of the decided cases came from citizens with several cases. A citizen is a
    pseudonym within one municipality; only the number of cases per citizen leaves the store, so
    no result can hold a pseudonym."""
    years = _years(when)
    distribution, without = q.cases_per_citizen(conn, municipality_code, when)
    citizens = sum(k for _, k in distribution)
    with_citizen = sum(n * k for n, k in distribution)
    groups = []
    for threshold in REPEAT_THRESHOLDS:
        group = [(n, k) for n, k in distribution if n >= threshold]
        cases = sum(n * k for n, k in group)
        groups.append(RepeatGroup(threshold, sum(k for _, k in group), cases, _share(cases, with_citizen)))
    basis = f"Sager afgjort af en klageinstans i {years_label(when)} (året for klageinstansens afgørelse)"
    return RepeatComplainants(basis, years, with_citizen + without, with_citizen, without, citizens, groups,
                              max((n for n, _ in distribution), default=0))


# ---- 5. reversal reasons and the provisions behind reversals ----------------------------------------

@dataclass(frozen=True)
class ReasonCount:
    code: str
    name: str  # Danish
    cases: int  # reversed cases giving this reason (a case may give several)
    share: Fraction | None  # of the reversed cases


@dataclass(frozen=True)
class ProvisionReversals:
    label: str  # the provision, else the law, else the legal basis as typed
    provision_key: str | None
    law_id: str | None
    reversed: int
    changed: int
    remitted: int
    dismissed: int
    merits: int
    rate: Fraction | None
    share: Fraction  # of all reversals
    cumulative_share: Fraction  # this row and those above it


@dataclass(frozen=True)
class ReversalReasons:
    basis: str
    years: list[int]
    reversed: int
    reasons: list[ReasonCount]  # most cases first
    without_reason: int
    provisions: list[ProvisionReversals]  # Pareto order: most reversals first, then label


def _provision_identity(key: str | None, law_id: str | None, typed: str | None) -> tuple:
    if key is not None:
        return ("provision", key)
    if law_id is not None:
        return ("law", law_id)
    if typed is not None and typed.strip():
        return ("typed", normalise(typed))
    return ("unknown",)


def provision_label(catalogue: Catalogue, key: str | None, law_id: str | None, typed: str | None,
                    year: int | None) -> str:
    if key is not None:
        return catalogue.provision_label(key, year)
    if law_id is not None:
        law = catalogue.laws.get(law_id)
        return law.name if law else law_id
    if typed is not None and typed.strip():
        return typed.strip()
    return UNKNOWN_BASIS


def split_reasons(text: str | None) -> list[str]:
    return [code for code in dict.fromkeys(p.strip() for p in (text or "").split(";")) if code]


def reversal_reasons(conn: Connection, municipality_code: str | None, when: Years,
                     catalogue: Catalogue | None = None) -> ReversalReasons:
    """Why the reversed cases were reversed, and which provisions the reversals came from."""
    catalogue = catalogue or load_catalogue()
    names = load_register_vocabulary().reason_names
    years = _years(when)
    reason_cases: Counter = Counter()
    without = 0
    groups: dict[tuple, dict] = {}
    for key, law_id, typed, outcome, reasons, n in q.provision_outcome_counts(conn, municipality_code, when):
        identity = _provision_identity(key, law_id, typed)
        g = groups.setdefault(identity, {"label": provision_label(catalogue, key, law_id, typed, years[-1]),
                                         "key": key, "law": law_id, "outcomes": Counter(), "spellings": Counter()})
        g["outcomes"][outcome] += n
        g["spellings"][g["label"] if identity[0] != "typed" else typed.strip()] += n
        if outcome in q.REVERSED_OUTCOMES:
            codes = split_reasons(reasons)
            if not codes:
                without += n
            for code in codes:
                reason_cases[code] += n
    for g in groups.values():  # a legal basis typed in several ways is shown as its most common spelling
        g["label"] = sorted(g["spellings"].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    reversed_total = sum(g["outcomes"]["changed"] + g["outcomes"]["remitted"] for g in groups.values())
    ranked = sorted((g for g in groups.values() if g["outcomes"]["changed"] + g["outcomes"]["remitted"]),
                    key=lambda g: (-(g["outcomes"]["changed"] + g["outcomes"]["remitted"]), g["label"]))
    order = list(names)
    reasons = [ReasonCount(code, names.get(code, code), n, _share(n, reversed_total))
               for code, n in sorted(reason_cases.items(),
                                     key=lambda kv: (-kv[1], order.index(kv[0]) if kv[0] in order else len(order),
                                                     kv[0]))]
    provisions = []
    running = 0
    for g in ranked:
        c = _counts(g["outcomes"])
        running += c.reversed
        provisions.append(ProvisionReversals(g["label"], g["key"], g["law"], c.reversed, c.changed, c.remitted, c.dismissed,
                                             c.merits, reversal_rate(c), Fraction(c.reversed, reversed_total),
                                             Fraction(running, reversed_total)))
    basis = (f"Omgjorte sager (ændret/ophævet eller hjemvist) afgjort af en klageinstans i {years_label(when)} "
             "(året for klageinstansens afgørelse)")
    return ReversalReasons(basis, years, reversed_total, reasons, without, provisions)


# ---- 6. clusters of remittals (a change in practice) ---------------------------------------------------

@dataclass(frozen=True)
class ReasonTally:
    code: str
    name: str
    cases: int


@dataclass(frozen=True)
class Cluster:
    municipality_code: str
    label: str
    provision_key: str | None
    law_id: str | None
    first: dt.date  # the first and last remittal of the cluster
    last: dt.date
    remittals: int
    decided: int  # cases of the provision any complaint body decided between first and last
    expected: float  # remittals expected in a window of window_days at the provision's usual pace
    reasons: list[ReasonTally]  # the most common reason codes of the remittals, at most 3


@dataclass(frozen=True)
class Clusters:
    basis: str
    years: list[int]
    window_days: int
    min_cases: int
    factor: int
    clusters: list[Cluster]  # by first date


CLUSTER_FACTOR = 3
TOP_REASONS = 3


def clusters(conn: Connection, municipality_code: str | None, years: Sequence[int], window_days: int = 92,
             min_cases: int = 5, catalogue: Catalogue | None = None) -> Clusters:
    """Bursts of remittals on one provision, as when Ankestyrelsen changes its practice and sends
    many pending cases back at once.

    A cluster is a window of at most `window_days` days, dated by the complaint body's decision,
    with at least `min_cases` remittals on one provision and at least CLUSTER_FACTOR times the
    remittals expected in such a window at the provision's pace over the municipality's whole
    register (its remittals per day between the first and last decision of a complaint body in
    the register, times `window_days`). A window starts at a remittal; overlapping windows are
    merged, and a cluster runs from its first to its last remittal. Clusters that overlap the
    years are kept. A provision is its provision key, else its law, else its legal basis as typed
    (compared without regard to case and spacing).
    """
    catalogue = catalogue or load_catalogue()
    names = load_register_vocabulary().reason_names
    years = _years(years)
    wanted = [(q.to_day_number(dt.date(a, 1, 1)), q.to_day_number(dt.date(b, 12, 31))) for a, b in q.year_runs(years)]
    cases = q.decided_cases(conn, municipality_code)
    days, remitted = cases.days, cases.remitted
    # Each case's group (its municipality and provision; typed legal bases compared normalised).
    group_of: dict[tuple, int] = {}
    municipalities: dict[str, int] = {}
    store_group = np.array([group_of.setdefault((m, *_provision_identity(key, law_id, typed)), len(group_of))
                            for m, key, law_id, typed in cases.groups], dtype=np.int64)
    store_municipality = np.array([municipalities.setdefault(g[0], len(municipalities)) for g in cases.groups],
                                  dtype=np.int64)
    first_of_group = {}
    for i, g in enumerate(store_group):
        first_of_group.setdefault(int(g), cases.groups[i])
    groups = store_group[cases.kind_group][cases.kind]
    municipality = store_municipality[cases.kind_group][cases.kind]
    first_day = np.full(len(municipalities), np.iinfo(np.int64).max)
    last_day = np.full(len(municipalities), np.iinfo(np.int64).min)
    np.minimum.at(first_day, municipality, days)
    np.maximum.at(last_day, municipality, days)
    remittals = np.bincount(groups[remitted], minlength=len(group_of))
    # Every window at once: the remittals sorted by group and day; a window starts at a remittal
    # and holds the remittals of its group up to window_days - 1 days later.
    chosen = np.nonzero(remitted & (remittals[groups] >= min_cases))[0]
    chosen = chosen[np.lexsort((days[chosen], groups[chosen]))]
    r_group, r_day = groups[chosen], days[chosen]
    span = 1 << 32  # more days than any register has: (group, day) as one sortable number
    position = r_group * span + (r_day - days.min() if len(days) else 0)
    window_end = np.searchsorted(position, position + window_days, side="left")
    in_window = window_end - np.arange(len(position))
    group_history = np.zeros(len(group_of), dtype=np.int64)
    group_history[groups] = (last_day - first_day + 1)[municipality]
    # count >= factor × (remittals / history × window)  <=>  count × history >= factor × remittals × window
    qualifies = (in_window >= min_cases) & (
        in_window * group_history[r_group] >= CLUSTER_FACTOR * remittals[r_group] * window_days)
    order = np.argsort(groups, kind="stable")  # the decided cases of each group: a slice of order
    starts = np.searchsorted(groups[order], np.arange(len(group_of) + 1))
    r_starts = np.searchsorted(r_group, np.arange(len(group_of) + 1))
    found = []
    for g in np.unique(r_group[qualifies]):
        members = order[starts[g]:starts[g + 1]]
        m, key, law_id, typed = first_of_group[int(g)]
        total, history = int(remittals[g]), int(group_history[g])
        merged: list[list[int]] = []
        for i in np.arange(r_starts[g], r_starts[g + 1])[qualifies[r_starts[g]:r_starts[g + 1]]]:
            first, last = int(r_day[i]), int(r_day[window_end[i] - 1])
            if merged and first <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], last)
            else:
                merged.append([first, last])
        remitted_cases = members[remitted[members]]
        decided_days = days[members]
        for first, last in merged:
            if not any(first <= b and last >= a for a, b in wanted):
                continue
            inside = remitted_cases[(days[remitted_cases] >= first) & (days[remitted_cases] <= last)]
            tally = Counter(code for i in inside for code in split_reasons(cases.kind_reasons[cases.kind[i]]))
            top = sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_REASONS]
            first_date, last_date = q.from_day_number(first), q.from_day_number(last)
            found.append(Cluster(
                m, provision_label(catalogue, key, law_id, typed, last_date.year), key, law_id, first_date, last_date,
                len(inside), int(np.count_nonzero((decided_days >= first) & (decided_days <= last))),
                total * window_days / history,
                [ReasonTally(code, names.get(code, code), n) for code, n in top],
            ))
    found.sort(key=lambda c: (c.first, c.municipality_code, c.label))
    basis = (f"Hjemviste sager efter klageinstansens afgørelsesdato; klynger, der overlapper {years_label(years)}: "
             f"mindst {min_cases} hjemvisninger af samme bestemmelse inden for {window_days} dage og mindst "
             f"{CLUSTER_FACTOR} gange så mange, som bestemmelsens niveau i hele registret giver")
    return Clusters(basis, years, window_days, min_cases, CLUSTER_FACTOR, found)


# ---- 7. pending cases and other complaint bodies --------------------------------------------------------

AGE_BUCKETS_DA = ("Under 3 måneder", "3-6 måneder", "6-12 måneder", "Over 12 måneder")
AGE_MONTHS = (3, 6, 12)


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier (the month's last day if it has fewer days)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
    return dt.date(year, month, min(day.day, (next_month - dt.timedelta(days=1)).day))


@dataclass(frozen=True)
class PendingBody:
    body: str
    cases: int
    not_forwarded: int  # still at the municipality on as_of (CaseState.AT_MUNICIPALITY)
    forwarded: int  # at the complaint body (CaseState.AT_BODY)


@dataclass(frozen=True)
class AgeBucket:
    label: str  # Danish
    cases: int


@dataclass(frozen=True)
class OtherBodyRow:
    body: str
    upheld: int
    changed: int
    remitted: int
    dismissed: int
    decided: int
    pending: int
    merits: int
    reversed: int
    rate: Fraction | None


@dataclass(frozen=True)
class OtherBodies:
    basis: str
    years: list[int]
    rows: list[OtherBodyRow]  # most cases first


@dataclass(frozen=True)
class Pending:
    basis: str
    as_of: dt.date
    cases: int
    by_body: list[PendingBody]  # most cases first
    by_age: list[AgeBucket]  # the four buckets, youngest first
    median_age_days: float | None
    max_age_days: int | None
    other_bodies: OtherBodies


def pending(conn: Connection, municipality_code: str | None, years: Sequence[int],
            as_of: dt.date | None = None) -> Pending:
    """The complaints not yet decided on `as_of` (default today), by complaint body and age, and
    the cases at complaint bodies other than Ankestyrelsen in the years.

    Pending: complained on or before as_of and, on as_of, in one of `domain.case_state`'s
    PENDING_STATES (at the municipality or at the complaint body). Age counts from the
    complaint date; the buckets use calendar months (a complaint exactly 3 months old is in
    "3-6 måneder").
    """
    years = _years(years)
    as_of = as_of or dt.date.today()
    bodies: dict[str, Counter] = defaultdict(Counter)
    ages: Counter = Counter()
    for body, forwarded, age, n in q.pending_counts(conn, municipality_code, as_of):
        bodies[body]["forwarded" if forwarded else "not_forwarded"] += n
        ages[age] += n
    by_body = sorted((PendingBody(b, c["forwarded"] + c["not_forwarded"], c["not_forwarded"], c["forwarded"])
                      for b, c in bodies.items()), key=lambda p: (-p.cases, p.body))
    limits = [q.to_day_number(as_of) - q.to_day_number(months_before(as_of, m)) for m in AGE_MONTHS]
    buckets = Counter()
    for age, n in ages.items():
        buckets[sum(age >= limit for limit in limits)] += n
    total = sum(ages.values())
    if total:
        values = np.repeat(np.array(list(ages), dtype=np.int64), np.array(list(ages.values()), dtype=np.int64))
        median, oldest = float(np.median(values)), int(values.max())
    else:
        median = oldest = None
    basis = (f"Klager, der verserede den {as_of.strftime('%d-%m-%Y')}: modtaget senest den dag, ikke afgjort af "
             "klageinstansen og ikke omgjort af kommunen selv ved genvurderingen. De er i kommunen, indtil de er "
             "videresendt (eller, uden dato for videresendelse, fastholdt ved genvurderingen); alderen regnes fra "
             "klagedatoen")
    return Pending(basis, as_of, total, by_body, [AgeBucket(label, buckets[i]) for i, label in enumerate(AGE_BUCKETS_DA)],
                   median, oldest, other_bodies(conn, municipality_code, years))


def other_bodies(conn: Connection, municipality_code: str | None, when: Years) -> OtherBodies:
    years = _years(when)
    cells: dict[str, Counter] = defaultdict(Counter)
    for body, outcome, n in q.other_body_counts(conn, municipality_code, when):
        cells[body][outcome or "pending"] += n
    rows = []
    for body, c in cells.items():
        counts = _counts(c)
        rows.append(OtherBodyRow(body, counts.upheld, counts.changed, counts.remitted, counts.dismissed,
                                 counts.decided, c["pending"], counts.merits, counts.reversed, reversal_rate(counts)))
    rows.sort(key=lambda r: (-(r.decided + r.pending), r.body))
    basis = (f"Sager ved andre klageinstanser end {ANKESTYRELSEN}: afgjort i {years_label(when)} (året for "
             f"klageinstansens afgørelse) eller klaget over i {years_label(when)} og endnu ikke afgjort")
    return OtherBodies(basis, years, rows)


# ---- 8. per 1,000 decisions ------------------------------------------------------------------------------

class DecisionCountRow(Protocol):
    area: str
    year: int
    decisions: int


class DecisionCounts(Protocol):
    """The municipality's own numbers of decisions (ingest.decisions_file.DecisionsFile)."""

    file: str
    rows: Sequence[DecisionCountRow]


@dataclass(frozen=True)
class PerThousandRow:
    area: str
    year: int
    decisions: int | None  # None: the decisions file has no number for the area that year
    complaints: int
    reversals: int
    complaints_per_1000: Fraction | None
    reversals_per_1000: Fraction | None


@dataclass(frozen=True)
class PerThousand:
    basis: str
    years: list[int]
    file: str
    rows: list[PerThousandRow]  # by year, then the file's areas in its order, then the register's other areas
    areas_without_decisions: list[str]  # areas in the register that the file has no numbers for


def per_thousand(conn: Connection, municipality_code: str | None, years: Sequence[int],
                 decisions: DecisionCounts) -> PerThousand:
    """Complaints and reversals per 1,000 of the municipality's decisions, per area and year.

    Complaints: cases with the complaint date in the year and the area's committee (omraade,
    matched without regard to case and spacing); reversals: cases changed or remitted by a
    complaint body with the decision date in the year. The area "I alt" is the whole municipality.
    """
    years = _years(years)
    names: dict[str, str] = {}  # normalised → shown
    given: dict[tuple[str, int], int] = {}
    for row in decisions.rows:
        key = normalise(row.area)
        names.setdefault(key, row.area)
        if row.year in years:
            given[(key, row.year)] = row.decisions
    file_areas = list(names)
    total_key = normalise(TOTAL_AREA)
    complaints: Counter = Counter()
    reversals: Counter = Counter()
    register_areas: dict[str, str] = {}
    for complaint_year, reversal_year, committee, n in q.committee_counts(conn, municipality_code, years):
        shown = committee.strip() if committee and committee.strip() else NO_AREA
        key = normalise(shown)
        register_areas.setdefault(key, shown)
        for target, year in ((complaints, complaint_year), (reversals, reversal_year)):
            if year is not None:
                target[(key, year)] += n
                target[(total_key, year)] += n
    without = [register_areas[k] for k in register_areas if k not in names]
    for k in without:
        names.setdefault(normalise(k), k)
    rows = []
    for year in years:
        for key in [*file_areas, *(normalise(a) for a in without)]:
            count = given.get((key, year))
            c, r = complaints[(key, year)], reversals[(key, year)]
            if count is None and c == 0 and r == 0:
                continue
            rows.append(PerThousandRow(names[key], year, count, c, r,
                                       Fraction(1000 * c, count) if count else None,
                                       Fraction(1000 * r, count) if count else None))
    basis = (f"Klager modtaget i året (klagedato) og omgjorte sager afgjort i året (klageinstansens afgørelsesdato), "
             f"{years_label(years)}, pr. 1.000 afgørelser efter kommunens egne tal i {decisions.file}")
    return PerThousand(basis, years, decisions.file, rows, without)


# ---- all of them ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RegisterAnalysis:
    municipality_code: str | None  # None: all municipalities together
    years: list[int]
    as_of: dt.date
    synthetic: bool  # some of the register is demo data
    decision_years: DecisionYears | None = None
    durations: Durations | None = None
    reassessment: ReassessmentResult | None = None
    repeat_complainants: RepeatComplainants | None = None
    reversal_reasons: ReversalReasons | None = None
    clusters: Clusters | None = None
    pending: Pending | None = None
    per_thousand: PerThousand | None = None
    analyses: list[str] = field(default_factory=list)  # the ones computed, in ANALYSES order


def register_analysis(conn: Connection, municipality_code: str | None, years: Sequence[int],
                      as_of: dt.date | None = None, decisions: DecisionCounts | None = None,
                      only: Sequence[str] | None = None, catalogue: Catalogue | None = None) -> RegisterAnalysis:
    """Every register analysis (or those named in `only`); per_thousand only with a decisions file."""
    catalogue = catalogue or load_catalogue()
    years = _years(years)
    as_of = as_of or dt.date.today()
    unknown = [name for name in only or () if name not in ANALYSES]
    if unknown:
        raise ValueError(f"unknown analyses: {unknown}")
    chosen = [name for name in ANALYSES if (only is None or name in only)]
    if decisions is None:
        chosen = [name for name in chosen if name != "per_thousand"]
    run = {
        "decision_years": lambda: decision_years(conn, municipality_code, years),
        "durations": lambda: durations(conn, municipality_code, years),
        "reassessment": lambda: reassessment(conn, municipality_code, years),
        "repeat_complainants": lambda: repeat_complainants(conn, municipality_code, years),
        "reversal_reasons": lambda: reversal_reasons(conn, municipality_code, years, catalogue),
        "clusters": lambda: clusters(conn, municipality_code, years, catalogue=catalogue),
        "pending": lambda: pending(conn, municipality_code, years, as_of),
        "per_thousand": lambda: per_thousand(conn, municipality_code, years, decisions),
    }
    results = {name: run[name]() for name in chosen}
    return RegisterAnalysis(municipality_code, years, as_of, q.register_is_synthetic(conn, municipality_code),
                            analyses=chosen, **results)
