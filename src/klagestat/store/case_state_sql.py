"""`domain.case_state` in SQL, so that the case list can filter and the analyses count by a
case's state inside the database. The same rule, step for step; `tests/test_case_state.py` holds
the two equal on every combination of the facts, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, case, literal, or_, true

from klagestat.domain.case_state import FORWARDING_REASSESSMENTS, CaseState
from klagestat.domain.register import Reassessment


def state_of(columns, as_of: dt.date | None = None) -> ColumnElement[str]:
    """The CaseState value of each row of `columns` (case_record.c or columns of the same names)."""
    c = columns

    def by_then(day, undated_counts: bool):
        if as_of is None:
            return true() if undated_counts else day.is_not(None)
        return or_(day <= as_of, day.is_(None)) if undated_counts else day <= as_of

    return case(
        (and_(c.outcome.is_not(None), by_then(c.body_decision_date, as_of is None)), literal(CaseState.DECIDED.value)),
        (and_(c.reassessment == Reassessment.REVERSED.value, by_then(c.reassessment_date, True)),
         literal(CaseState.REASSESSED.value)),
        (and_(c.forwarded_date.is_not(None), by_then(c.forwarded_date, False)), literal(CaseState.AT_BODY.value)),
        (and_(c.forwarded_date.is_(None), c.reassessment.in_(FORWARDING_REASSESSMENTS),
              by_then(c.reassessment_date, True)), literal(CaseState.AT_BODY.value)),
        else_=literal(CaseState.AT_MUNICIPALITY.value),
    )


def state_in(columns, states: Iterable[CaseState], as_of: dt.date | None = None) -> ColumnElement[bool]:
    return state_of(columns, as_of).in_([s.value for s in states])
