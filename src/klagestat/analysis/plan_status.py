"""The year's treatment of the Danmarkskort (retssikkerhedsloven § 79 b) as the action plan's
meetings record it: what is done and what is missing, and warnings when the council's meeting is
missing or after the deadline, or when a council that is usually heard has not been.

The maps of a year's figures are published the next year (the day is in the catalogue), and the
council must treat them before 31 December of the year they are published. The meetings that
count are those from 1 January of the publication year until the next maps are published.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from klagestat.domain.catalogue import Catalogue
from klagestat.domain.plan import COUNCIL_BODIES, HEARING_BODIES, Meeting, MeetingKind, Plan

# Councils heard about the case, as groups: one hearing of a group is enough (a municipality has
# an Ældreråd or a Seniorråd, not both).
HEARING_GROUPS = (("Handicaprådet",), ("Ældrerådet", "Seniorrådet"))
assert {b for group in HEARING_GROUPS for b in group} == set(HEARING_BODIES)


@dataclass(frozen=True)
class Check:
    code: str  # stable: "council", "council_late", "council_missing", "hearing", "hearing_missing", "committee" …
    ok: bool
    text: str  # Danish, a whole sentence


@dataclass(frozen=True)
class PlanStatus:
    municipality_code: str
    year: int  # the figures' year (the complaints Ankestyrelsen decided)
    published: dt.date | None  # the maps' publication day, when the catalogue knows it
    deadline: dt.date  # the council must have treated the maps by this day
    meetings: tuple[Meeting, ...]  # the plan's meetings of the year's treatment, by date
    checks: tuple[Check, ...]
    today: dt.date

    @property
    def warnings(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.ok)


def treatment_deadline(year: int) -> dt.date:
    """The last day the council can treat the maps of the year's figures: 31 December of the year
    they are published (the year after)."""
    return dt.date(year + 1, 12, 31)


def plan_status(catalogue: Catalogue, municipality_code: str, plan: Plan, year: int, today: dt.date) -> PlanStatus:
    deadline = treatment_deadline(year)
    published = catalogue.maps_published.get(year)
    # The year's meetings: from 1 January of the publication year until the next maps come out
    # (the day in the catalogue, else 30 June), so a late council meeting is seen as late.
    following = catalogue.maps_published.get(year + 1)
    last = following - dt.timedelta(days=1) if following else dt.date(deadline.year + 1, 6, 30)
    meetings = tuple(sorted((m for m in plan.meetings if dt.date(deadline.year, 1, 1) <= m.date <= last),
                            key=lambda m: m.date))
    checks = [_council(meetings, deadline, today), *_hearings(meetings), _committee(meetings)]
    if published is not None:
        early = [m for m in meetings if m.date < published]
        if early:
            checks.append(Check("before_publication", False, f"{_names(early)} ligger før kortene blev offentliggjort "
                                f"{published:%d-%m-%Y}; er datoen rigtig?"))
    return PlanStatus(municipality_code, year, published, deadline, meetings, tuple(checks), today)


def _council(meetings: tuple[Meeting, ...], deadline: dt.date, today: dt.date) -> Check:
    council = [m for m in meetings if _is(m.body, COUNCIL_BODIES)]
    in_time = [m for m in council if m.date <= deadline]
    if in_time:
        m = in_time[-1]
        state = "behandlede" if m.date <= today else "behandler"
        return Check("council", True, f"{m.body} {state} sagen {m.date:%d-%m-%Y} ({m.kind.value}), inden fristen "
                     f"{deadline:%d-%m-%Y}.")
    if council:
        return Check("council_late", False, f"{council[0].body}s møde {council[0].date:%d-%m-%Y} ligger efter fristen "
                     f"{deadline:%d-%m-%Y}.")
    if today > deadline:
        return Check("council_missing", False, f"Fristen {deadline:%d-%m-%Y} er overskredet, og planen har intet møde i "
                     "kommunalbestyrelsen (byrådet).")
    days = (deadline - today).days
    return Check("council_missing", False, f"Planen har endnu intet møde i kommunalbestyrelsen (byrådet); fristen er "
                 f"{deadline:%d-%m-%Y}, om {days} {'dag' if days == 1 else 'dage'}.")


def _hearings(meetings: tuple[Meeting, ...]) -> list[Check]:
    checks = []
    for group in HEARING_GROUPS:
        heard = [m for m in meetings if m.kind is MeetingKind.HEARING and _is(m.body, group)]
        name = " eller ".join(group)
        if heard:
            checks.append(Check("hearing", True, f"{heard[0].body} er hørt {heard[0].date:%d-%m-%Y}."))
        else:
            checks.append(Check("hearing_missing", False, f"{name} er ikke hørt i planens møder."))
    return checks


def _committee(meetings: tuple[Meeting, ...]) -> Check:
    committees = [m for m in meetings if "udvalg" in m.body.lower() and not _is(m.body, COUNCIL_BODIES)
                  and not m.body.lower().startswith("økonomiudvalg")]
    if committees:
        return Check("committee", True, f"{_names(committees)} har sagen på dagsordenen.")
    return Check("committee_missing", False, "Intet fagudvalg har sagen på dagsordenen i planens møder.")


def _is(body: str, names: tuple[str, ...]) -> bool:
    return any(body.lower().startswith(name.lower()) for name in names)


def _names(meetings: list[Meeting]) -> str:
    parts = [f"{m.body} ({m.date:%d-%m-%Y})" for m in meetings]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " og " + parts[-1]
