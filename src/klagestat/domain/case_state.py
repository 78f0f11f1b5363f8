"""Where a complaint stands: the one definition of a case's state that the case list, its filters,
the case page, the register analyses and the reports all use.

A complaint goes: received by the municipality → reassessed by it (genvurdering) → either given
full right there (and never forwarded) or forwarded to the complaint body → decided there. On a
given day (`as_of`; None: as far as the register knows) it is in exactly one state:

- DECIDED: the complaint body's outcome is registered (and, on `as_of`, dated on or before it);
- REASSESSED: not decided, and the municipality gave the citizen full right at its reassessment
  ("omgjort"; dated on or before `as_of`, or undated). Nothing is pending;
- AT_BODY: not decided, and forwarded (dated on or before `as_of`), or, when the register has no
  forwarding date, the reassessment upheld the decision in whole or part, which forwards it;
- AT_MUNICIPALITY: otherwise — received and still with the municipality.

The store translates this rule into SQL (`store.case_state_sql`); a test holds the two equal on
every combination of the facts.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from .register import Reassessment


class CaseState(StrEnum):
    AT_MUNICIPALITY = "kommunen"
    AT_BODY = "klageinstansen"
    REASSESSED = "genvurderet"
    DECIDED = "afgjort"


PENDING_STATES = (CaseState.AT_MUNICIPALITY, CaseState.AT_BODY)

# The filter's choices in the case list, as the user reads them.
STATE_NAMES_DA = {
    CaseState.AT_MUNICIPALITY: "Verserer i kommunen",
    CaseState.AT_BODY: "Verserer ved klageinstansen",
    CaseState.REASSESSED: "Omgjort af kommunen ved genvurderingen",
    CaseState.DECIDED: "Afgjort af klageinstansen",
}

FORWARDING_REASSESSMENTS = (Reassessment.UPHELD.value, Reassessment.PARTLY.value)


def case_state(outcome: str | None, body_decision_date: dt.date | None, reassessment: str | None,
               reassessment_date: dt.date | None, forwarded_date: dt.date | None,
               as_of: dt.date | None = None) -> CaseState:
    def by_then(day: dt.date | None, undated_counts: bool) -> bool:
        if day is None:
            return undated_counts
        return as_of is None or day <= as_of

    if outcome is not None and by_then(body_decision_date, as_of is None):
        return CaseState.DECIDED
    if reassessment == Reassessment.REVERSED and by_then(reassessment_date, True):
        return CaseState.REASSESSED
    if forwarded_date is not None:
        if by_then(forwarded_date, False):
            return CaseState.AT_BODY
    elif reassessment in FORWARDING_REASSESSMENTS and by_then(reassessment_date, True):
        return CaseState.AT_BODY
    return CaseState.AT_MUNICIPALITY


def state_text(state: CaseState, complaint_body: str | None) -> str:
    """The state in a sentence fragment for a case's own line: where a pending case is."""
    if state == CaseState.AT_BODY and complaint_body:
        return f"Verserer ved {complaint_body}"
    if state == CaseState.REASSESSED:
        return "Omgjort af kommunen ved genvurderingen; ikke sendt videre"
    return STATE_NAMES_DA[state]
