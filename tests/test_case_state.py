"""One definition of where a complaint stands (`domain.case_state`), and its SQL translation
(`store.case_state_sql`) equal to it on every combination of the facts, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import Column, Date, Integer, MetaData, String, Table, insert, select

from klagestat.domain.case_state import CaseState, case_state
from klagestat.store.case_state_sql import state_of

from conftest import _engine

D = dt.date
AS_OF = D(2024, 6, 30)
DAYS = (None, D(2024, 3, 1), D(2024, 9, 1))  # undated, before AS_OF, after it
FACTS = list(itertools.product((None, "upheld", "remitted"), DAYS, (None, "upheld", "partly", "reversed"), DAYS, DAYS))


def test_the_states_read_as_the_complaint_goes():
    assert case_state("changed", D(2024, 5, 1), "upheld", None, D(2024, 2, 1)) == CaseState.DECIDED
    assert case_state(None, None, "reversed", D(2024, 2, 1), None) == CaseState.REASSESSED
    assert case_state(None, None, "upheld", None, None) == CaseState.AT_BODY  # upheld forwards it
    assert case_state(None, None, None, None, D(2024, 2, 1)) == CaseState.AT_BODY
    assert case_state(None, None, None, None, None) == CaseState.AT_MUNICIPALITY
    # On a day: what had happened by then.
    assert case_state("changed", D(2024, 9, 1), "upheld", None, D(2024, 2, 1), as_of=AS_OF) == CaseState.AT_BODY
    assert case_state(None, None, "reversed", D(2024, 9, 1), None, as_of=AS_OF) == CaseState.AT_MUNICIPALITY
    assert case_state(None, None, "upheld", D(2024, 3, 1), D(2024, 9, 1), as_of=AS_OF) == CaseState.AT_MUNICIPALITY


@pytest.mark.parametrize("as_of", [None, AS_OF], ids=["now", "on-a-day"])
def test_the_database_gives_every_case_the_state_the_domain_gives_it(database, as_of):
    # A table of the case_record columns the rule reads, one row per combination.
    names = ("outcome", "body_decision_date", "reassessment", "reassessment_date", "forwarded_date")
    facts = Table("facts", MetaData(), Column("n", Integer, primary_key=True),
                  *(Column(name, Date if name.endswith("date") else String(10)) for name in names))
    engine = _engine(database)
    try:
        with engine.begin() as conn:
            facts.create(conn)
            conn.execute(insert(facts), [dict(zip(("n", *names), (i, *f))) for i, f in enumerate(FACTS)])
            found = dict(conn.execute(select(facts.c.n, state_of(facts.c, as_of))).all())
    finally:
        engine.dispose()
    expected = {i: case_state(*f, as_of=as_of).value for i, f in enumerate(FACTS)}
    assert found == expected
    assert set(found.values()) == {s.value for s in CaseState}  # every state occurs
