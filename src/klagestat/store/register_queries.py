"""Queries over the complaint register (`case_record`) for the register analyses.

Every query takes the caller's municipality scope (`None` = all municipalities, for the
benchmark and national views) and only counts or dates leave the database, never a pseudonym.
SQLAlchemy Core only, with constructs that compile on both SQLite and PostgreSQL: a year is the
first four characters of the ISO date (`iso_date`, which is the stored text on SQLite and
`to_char` on PostgreSQL), a day number (days since 1970-01-01) is `extract('epoch', …) / 86400`,
and years are selected with date ranges.

Speed. SQLite has no hash aggregation: a GROUP BY sorts every row it groups, which on a
whole-country register (400,000 cases) costs several tenths of a second per query. So most
counts here are made by `counted`: one scan hands the grouping fields of every row over as one
string (`aggregate_strings`: group_concat / string_agg) and Python counts the distinct records in
a dict, which is 2-3 times faster on SQLite and as fast on PostgreSQL. Where every case's dates
are needed (durations, clusters), they come as fixed-width records that numpy reads without a
Python object per case (`day_numbers`). The pseudonyms of repeat complainants are counted inside
`cases_per_citizen` and never returned.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    String,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from klagestat.domain.case_state import PENDING_STATES, CaseState
from klagestat.domain.outcomes import Outcome
from klagestat.domain.periods import DateRange, Years
from klagestat.domain.register import ANKESTYRELSEN

from .case_state_sql import state_in, state_of
from .schema import case_import, case_record

C = case_record.c
REVERSED_OUTCOMES = (Outcome.CHANGED.value, Outcome.REMITTED.value)  # omgjorte sager
EPOCH = dt.date(1970, 1, 1)
NO_DATE = "0000-00-00"
MISSING_DAY = -(2**40)  # the day number of a date that is not recorded
FIELD, RECORD = "\x1f", "\x1e"  # ASCII unit and record separators


def _text(value: str) -> ColumnElement[str]:
    """A constant written into the SQL (not bound), so PostgreSQL sees equal expressions as equal."""
    return literal_column("'" + value.replace("'", "''") + "'", String)


_DAY = literal_column("86400", Integer)
_EMPTY = _text("")


# ---- dates -----------------------------------------------------------------------------------------

class iso_date(FunctionElement):
    """A date column as text 'YYYY-MM-DD'. SQLite stores dates as that text already; PostgreSQL
    writes it with to_char, whatever the session's DateStyle."""

    type = String()
    inherit_cache = True
    name = "iso_date"


@compiles(iso_date)
def _iso_date_stored(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(iso_date, "postgresql")
def _iso_date_postgresql(element, compiler, **kw):
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM-DD')"


def _date_text(column) -> ColumnElement[str]:
    """The date as 'YYYY-MM-DD', or NO_DATE when it is NULL: always 10 characters."""
    return func.coalesce(iso_date(column), _text(NO_DATE))


def year_text(column) -> ColumnElement[str]:
    """The year of a date column as text ('2024'), NULL for NULL."""
    return func.substr(iso_date(column), 1, 4)


def day_number(column) -> ColumnElement[int]:
    """Days since 1970-01-01 of a date column (NULL stays NULL)."""
    return cast(extract("epoch", column) / _DAY, Integer)


def to_day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def from_day_number(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(n))


def _days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates (Howard Hinnant's algorithm), vectorised."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def day_numbers(text: str | None, width: int, offsets: Sequence[int]) -> np.ndarray:
    """Day numbers from a string of fixed-width records: one column per offset of a 'YYYY-MM-DD'
    in the record, MISSING_DAY for NO_DATE."""
    if not text:
        return np.zeros((0, len(offsets)), dtype=np.int64)
    raw = np.frombuffer(text.encode("ascii"), dtype=np.uint8).reshape(-1, width)
    out = np.empty((raw.shape[0], len(offsets)), dtype=np.int64)
    for i, at in enumerate(offsets):
        digits = raw[:, at:at + 10].astype(np.int64) - ord("0")
        y = digits[:, 0] * 1000 + digits[:, 1] * 100 + digits[:, 2] * 10 + digits[:, 3]
        m = digits[:, 5] * 10 + digits[:, 6]
        d = digits[:, 8] * 10 + digits[:, 9]
        out[:, i] = np.where(y == 0, MISSING_DAY, _days_from_civil(y, m, d))
    return out


def year_runs(years: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted, distinct years as runs of consecutive years: [2021, 2023, 2024] → [(2021, 2021), (2023, 2024)]."""
    runs: list[tuple[int, int]] = []
    for y in sorted(set(years)):
        if runs and runs[-1][1] == y - 1:
            runs[-1] = (runs[-1][0], y)
        else:
            runs.append((y, y))
    return runs


def in_years(column, years: Years) -> ColumnElement[bool]:
    """The date column falls in one of the years, or in the range of days (false for NULL)."""
    if isinstance(years, DateRange):
        return and_(column >= years.first, column <= years.last)
    ranges = [and_(column >= dt.date(a, 1, 1), column <= dt.date(b, 12, 31)) for a, b in year_runs(years)]
    if not ranges:
        return literal(False)
    return or_(*ranges) if len(ranges) > 1 else ranges[0]


# ---- counting ------------------------------------------------------------------------------------

def _scope(municipality_code: str | None) -> ColumnElement[bool]:
    return true() if municipality_code is None else C.municipality_code == municipality_code


def counted(conn: Connection, fields: Sequence[ColumnElement], where: ColumnElement[bool]) -> Counter:
    """{(field values as text, None for NULL or ''): cases}: what SELECT fields, COUNT(*) … GROUP
    BY fields gives, made from one scan (see the module's note on speed). If a value holds one of
    the separator characters, the GROUP BY itself is run instead."""
    texts = [func.coalesce(f if isinstance(f.type, String) else cast(f, String), _EMPTY) for f in fields]
    record = texts[0]
    for t in texts[1:]:
        record = record + _text(FIELD) + t
    text, rows = conn.execute(select(func.aggregate_strings(record, RECORD), func.count()).where(where)).one()
    found: Counter = Counter()
    if rows == 0:
        return found
    records = text.split(RECORD)
    if len(records) == rows:
        for value, n in Counter(records).items():
            parts = value.split(FIELD)
            if len(parts) != len(fields):
                break
            found[tuple(p or None for p in parts)] += n
        else:
            return found
    found.clear()
    for *values, n in conn.execute(select(*texts, func.count()).where(where).group_by(*texts)):
        found[tuple(v or None for v in values)] += n
    return found


def _provision_text() -> ColumnElement[str]:
    """A case's provision as one text: 'p' + provision key, else 'l' + law id, else 't' + the
    legal basis as typed (maybe empty)."""
    return case((C.provision_key.is_not(None), _text("p") + C.provision_key),
                (C.law_id.is_not(None), _text("l") + C.law_id),
                else_=_text("t") + func.coalesce(C.legal_basis, _EMPTY))


def _provision_fields(text: str) -> tuple:
    """(provision key, law id, typed basis) from _provision_text: the law of a provision key is its prefix."""
    kind, value = text[:1], text[1:]
    if kind == "p":
        return value, value.split(":", 1)[0], None
    if kind == "l":
        return None, value, None
    return None, None, value or None


def _decided_in(years: Years) -> ColumnElement[bool]:
    return and_(C.outcome.is_not(None), in_years(C.body_decision_date, years))


def _flag(condition: ColumnElement[bool]) -> ColumnElement[str]:
    return case((condition, _text("1")), else_=_text("0"))


# ---- 1. the year of the municipality's decision -----------------------------------------------------

def decision_year_counts(conn: Connection, municipality_code: str | None, years: Years) -> list[tuple]:
    """(year of Ankestyrelsen's decision, year of the municipality's decision or None, outcome, cases)."""
    found = counted(conn, [year_text(C.body_decision_date), year_text(C.decision_date), C.outcome],
                    and_(_scope(municipality_code), C.complaint_body == ANKESTYRELSEN, _decided_in(years)))
    return [(int(y), int(d) if d else None, o, n) for (y, d, o), n in found.items()]


# ---- 2. durations ---------------------------------------------------------------------------------

STEP_DATE_COLUMNS = ("complaint_date", "reassessment_date", "forwarded_date", "body_decision_date")
STEP_RECORD = 10 * len(STEP_DATE_COLUMNS)


def step_dates(conn: Connection, municipality_code: str | None, years: Sequence[int]) -> np.ndarray:
    """Day numbers of complaint, reassessment, forwarding and the complaint body's decision (one
    row per case, MISSING_DAY where not recorded) of every case with a reassessment, forwarding or
    decision date in the years. One scan; the dates come as one string of fixed-width records."""
    record = _date_text(C[STEP_DATE_COLUMNS[0]])
    for name in STEP_DATE_COLUMNS[1:]:
        record = record + _date_text(C[name])
    ends = or_(*(in_years(C[name], years) for name in STEP_DATE_COLUMNS[1:]))
    text = conn.execute(select(func.aggregate_strings(record, _EMPTY)).where(_scope(municipality_code), ends)).scalar()
    return day_numbers(text, STEP_RECORD, range(0, STEP_RECORD, 10))


# ---- 3. reassessment ------------------------------------------------------------------------------

def reassessment_counts(conn: Connection, municipality_code: str | None, years: Sequence[int]) -> list[tuple]:
    """(year of the complaint, reassessment or None, forwarded?, cases) for complaints in the years."""
    found = counted(conn, [year_text(C.complaint_date), C.reassessment, _flag(C.forwarded_date.is_not(None))],
                    and_(_scope(municipality_code), in_years(C.complaint_date, years)))
    return [(int(y), r, f == "1", n) for (y, r, f), n in found.items()]


# ---- 4. repeat complainants -----------------------------------------------------------------------

def cases_per_citizen(conn: Connection, municipality_code: str | None,
                      years: Years) -> tuple[list[tuple[int, int]], int]:
    """([(cases per citizen, number of citizens with that many cases)], cases without a citizen)
    for the cases any complaint body decided in the years. A citizen is a pseudonym within one
    municipality. The pseudonyms are counted here and forgotten: only the distribution of cases
    per citizen leaves this function (a GROUP BY citizen in SQL would sort every case, 2-3 times
    slower on SQLite)."""
    citizen = func.coalesce(C.citizen + _text(FIELD) + C.municipality_code, _EMPTY)  # '' = no citizen
    text, rows = conn.execute(select(func.aggregate_strings(citizen, RECORD), func.count())
                              .where(_scope(municipality_code), _decided_in(years))).one()
    per_citizen = Counter(text.split(RECORD)) if rows else Counter()
    if len(per_citizen) and sum(per_citizen.values()) != rows:
        # a separator inside a pseudonym: let SQL group them instead
        query = (select(func.count()).where(_scope(municipality_code), _decided_in(years), C.citizen.is_not(None))
                 .group_by(C.citizen, C.municipality_code))
        per_citizen = Counter({i: n for i, n in enumerate(conn.execute(query).scalars())})
        per_citizen[""] = rows - sum(per_citizen.values())
    without = per_citizen.pop("", 0)
    distribution = Counter(per_citizen.values())
    del per_citizen
    return sorted(distribution.items()), without


# ---- 5. reversal reasons and the provisions behind reversals ----------------------------------------

def provision_outcome_counts(conn: Connection, municipality_code: str | None, years: Years) -> list[tuple]:
    """(provision key, law id, typed legal basis (only when neither is known), outcome, reasons
    (of reversed cases only, as stored), cases) for the cases decided in the years."""
    reasons = case((C.outcome.in_(REVERSED_OUTCOMES), C.reasons), else_=None)
    found = counted(conn, [_provision_text(), C.outcome, reasons], and_(_scope(municipality_code), _decided_in(years)))
    return [(*_provision_fields(provision), outcome, reasons, n) for (provision, outcome, reasons), n in found.items()]


# ---- 6. clusters of remittals ------------------------------------------------------------------------

@dataclass(frozen=True)
class DecidedCases:
    """Every case a complaint body decided, one entry per case in `days`, `remitted` and `kind`;
    a kind is a distinct (provision group, reasons), `kind_group` and `kind_reasons` say which."""

    days: np.ndarray  # day number of the decision
    remitted: np.ndarray  # bool
    kind: np.ndarray  # index into kind_group and kind_reasons
    kind_group: np.ndarray  # index into groups
    kind_reasons: list[str | None]  # the reasons of a remittal as stored (None for other outcomes)
    groups: list[tuple]  # (municipality, provision key, law id, typed basis): the first one known


def decided_cases(conn: Connection, municipality_code: str | None) -> DecidedCases:
    """Every case a complaint body decided in the scope's whole register history, from one scan:
    the dates and flags as one fixed-width string, the rest as one string of records, in the same
    order (two aggregates of the same rows; see the module's note on speed)."""
    remitted = C.outcome == "remitted"
    prefix = iso_date(C.body_decision_date) + _flag(remitted)  # 11 characters
    reasons = func.coalesce(case((remitted, C.reasons), else_=None), _EMPTY)
    rest = C.municipality_code + _text(FIELD) + _provision_text() + _text(FIELD) + reasons
    where = and_(_scope(municipality_code), C.outcome.is_not(None), C.body_decision_date.is_not(None))
    prefixes, text, rows = conn.execute(select(func.aggregate_strings(prefix, _EMPTY),
                                               func.aggregate_strings(rest, RECORD), func.count()).where(where)).one()
    if not rows:
        return DecidedCases(np.zeros(0, np.int64), np.zeros(0, bool), np.zeros(0, np.int64), np.zeros(0, np.int64),
                            [], [])
    records = text.split(RECORD)
    kinds = {k: i for i, k in enumerate(dict.fromkeys(records))}  # the distinct records, first seen first
    kind = list(map(kinds.__getitem__, records))
    parts = [k.split(FIELD) for k in kinds]
    if len(records) != rows or len(prefixes) != 11 * rows or any(len(p) != 3 for p in parts):
        # a separator inside a value: fetch the rows one by one instead (slow but right)
        found = conn.execute(select(prefix, C.municipality_code, _provision_text(), reasons).where(where)).all()
        prefixes = "".join(p for p, *_ in found)
        known: dict[tuple, int] = {}
        kind = [known.setdefault(tuple(rest), len(known)) for _, *rest in found]
        parts = list(known)
    del records
    groups: dict[tuple, int] = {}
    kind_group = [groups.setdefault((m, provision), len(groups)) for m, provision, _ in parts]
    days = day_numbers(prefixes, 11, [0])[:, 0]
    flags = np.frombuffer(prefixes.encode("ascii"), dtype=np.uint8)[10::11] == ord("1")
    return DecidedCases(
        days, flags, np.array(kind, dtype=np.int64), np.array(kind_group, dtype=np.int64),
        [r or None for _, _, r in parts], [(m, *_provision_fields(p)) for m, p in groups],
    )


# ---- the action plan's effect ------------------------------------------------------------------------

PENDING = "pending"


def decision_side_counts(conn: Connection, municipality_code: str | None, starts: Sequence[dt.date],
                         as_of: dt.date | None = None) -> list[tuple]:
    """(year of the municipality's decision, how many of `starts` (sorted) are on or before it,
    law id, provision key, outcome or PENDING, cases) of the complaints to Ankestyrelsen with a
    decision date: decided, or still pending (`domain.case_state`, as of the date). Cases the
    municipality gave full right at the reassessment never reach Ankestyrelsen and are left out.
    A count of starts, not the date, leaves the database: what the sides of each start need."""
    state = state_of(C, as_of)
    passed = literal(0, Integer)
    for start in sorted(set(starts)):
        passed = passed + case((C.decision_date >= start, literal(1, Integer)), else_=literal(0, Integer))
    found = counted(conn, [year_text(C.decision_date), passed, _provision_text(),
                           case((state == CaseState.DECIDED.value, C.outcome), else_=_text(PENDING))],
                    and_(_scope(municipality_code), C.complaint_body == ANKESTYRELSEN,
                         C.decision_date.is_not(None), state != CaseState.REASSESSED.value,
                         true() if as_of is None else C.decision_date <= as_of))
    result = []
    for (year, passed_count, provision, outcome), n in found.items():
        key, law, _typed = _provision_fields(provision or "")
        result.append((int(year), int(passed_count), law, key, outcome, n))
    return result


# ---- 7. pending cases and other complaint bodies ------------------------------------------------------

def pending_counts(conn: Connection, municipality_code: str | None, as_of: dt.date) -> list[tuple]:
    """(complaint body, at the complaint body?, age in days at as_of, cases) of the complaints that
    were pending on as_of (`domain.case_state`) and received on or before it."""
    state = state_of(C, as_of)
    age = literal_column(str(to_day_number(as_of)), Integer) - day_number(C.complaint_date)
    found = counted(conn, [C.complaint_body, _flag(state == CaseState.AT_BODY.value), age],
                    and_(_scope(municipality_code), C.complaint_date.is_not(None), C.complaint_date <= as_of,
                         state.in_([s.value for s in PENDING_STATES])))
    return [(body, f == "1", int(a), n) for (body, f, a), n in found.items()]


def other_body_counts(conn: Connection, municipality_code: str | None, years: Years) -> list[tuple]:
    """(complaint body, outcome or None, cases) at bodies other than Ankestyrelsen: decided in the
    years (outcome set), or complained about in the years and still pending (outcome None)."""
    decided = and_(C.outcome.is_not(None), in_years(C.body_decision_date, years))
    pending = and_(in_years(C.complaint_date, years), state_in(C, PENDING_STATES))
    found = counted(conn, [C.complaint_body, C.outcome],
                    and_(_scope(municipality_code), C.complaint_body != ANKESTYRELSEN, or_(decided, pending)))
    return [(*fields, n) for fields, n in found.items()]


# ---- 8. per 1,000 decisions ------------------------------------------------------------------------------

def committee_counts(conn: Connection, municipality_code: str | None, years: Sequence[int]) -> list[tuple]:
    """(year of the complaint or None, year of the reversal or None, committee as typed or None,
    cases): complaints received in the years and cases changed or remitted by a complaint body in
    the years, from one scan (a case can be both)."""
    complained = in_years(C.complaint_date, years)
    reversed_ = and_(_decided_in(years), C.outcome.in_(REVERSED_OUTCOMES))
    reversal_year = case((C.outcome.in_(REVERSED_OUTCOMES), year_text(C.body_decision_date)), else_=None)
    found = counted(conn, [year_text(C.complaint_date), reversal_year, C.committee],
                    and_(_scope(municipality_code), or_(complained, reversed_)))
    wanted = {str(y) for y in years}
    return [(int(cy) if cy in wanted else None, int(ry) if ry in wanted else None, committee, n)
            for (cy, ry, committee), n in found.items()]


# ---- the register as a whole ------------------------------------------------------------------------------

def register_is_synthetic(conn: Connection, municipality_code: str | None) -> bool:
    """Whether any register import in the scope was synthetic (demo) data."""
    query = select(func.count()).select_from(case_import).where(case_import.c.synthetic.is_(True))
    if municipality_code is not None:
        query = query.where(case_import.c.municipality_code == municipality_code)
    return conn.execute(query).scalar_one() > 0


# ---- the complaint report's case lists ------------------------------------------------------------------

@dataclass(frozen=True)
class DecidedCase:
    """A case a complaint body decided, as the complaint report lists it (never the citizen)."""

    case_id: str
    provision_key: str | None
    law_id: str | None
    legal_basis: str | None  # as typed (masked)
    committee: str | None
    complaint_body: str
    body_decision_date: dt.date
    outcome: str
    reasons: str | None
    description: str | None  # masked at import
    learning: str | None  # masked at import


def decided_cases_listed(conn: Connection, municipality_code: str, years: Years) -> list[DecidedCase]:
    """The municipality's cases decided by a complaint body in the years that were reversed
    (changed or remitted) or carry a learning note, by decision date and case id."""
    query = (select(C.case_id, C.provision_key, C.law_id, C.legal_basis, C.committee, C.complaint_body,
                    C.body_decision_date, C.outcome, C.reasons, C.description, C.learning)
             .where(C.municipality_code == municipality_code, _decided_in(years),
                    or_(C.outcome.in_(REVERSED_OUTCOMES), and_(C.learning.is_not(None), C.learning != "")))
             .order_by(C.body_decision_date, C.case_id))
    return [DecidedCase(*row) for row in conn.execute(query)]
