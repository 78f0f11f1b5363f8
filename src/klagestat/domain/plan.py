"""A municipality's action plan (handleplan): what it will do about its reversal rate, what it
costs, the alternatives put to the politicians, and the meetings of the year's treatment (§ 79 b).

Pure data and the rules on it: a plan read from a TOML file (ingest/plan_file.py), written back
(render/plan_file.py) and stored as versions (store/plans.py) is this `Plan`, and `plan_data` /
`plan_from_data` are its one plain-data form (dates as ISO text), so a stored plan and a file
say the same.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    """Where an initiative stands."""

    PLANNED = "planlagt"
    ONGOING = "i gang"
    DONE = "afsluttet"
    ABANDONED = "opgivet"


class MeetingKind(StrEnum):
    """What a meeting of the year's treatment does with the case."""

    BRIEFING = "orientering"
    HEARING = "høring"
    RECOMMENDATION = "indstilling"
    DECISION = "beslutning"


# The councils and boards that treat the case besides the municipality's own committees, as
# municipalities name them; a committee is any body whose name has "udvalg" in it.
COUNCILS = ("Kommunalbestyrelsen", "Byrådet", "Borgerrepræsentationen", "Regionsrådet", "Økonomiudvalget",
            "Handicaprådet", "Ældrerådet", "Seniorrådet", "Integrationsrådet", "Udsatterådet")
COUNCIL_BODIES = ("Kommunalbestyrelsen", "Byrådet", "Borgerrepræsentationen")  # where the case ends (§ 79 b)
HEARING_BODIES = ("Handicaprådet", "Ældrerådet", "Seniorrådet")  # councils a hearing is usually sent to


def known_body(name: str) -> str | None:
    """The body as the plan names it, when klagestat knows the kind: a council or board of
    COUNCILS (any case, "Handicaprådet i Lejre" too) or a committee ("…udvalg…"); else None."""
    text = " ".join(name.split())
    lowered = text.lower()
    if not text:
        return None
    if any(lowered.startswith(council.lower()) for council in COUNCILS) or "udvalg" in lowered:
        return text
    return None


@dataclass(frozen=True)
class Initiative:
    name: str
    description: str = ""
    owner: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    status: Status = Status.PLANNED
    provisions: tuple[str, ...] = ()  # selectors as written, e.g. "SEL § 100"; none and no areas: all
    areas: tuple[str, ...] = ()  # areas of an areas file
    costs: tuple[tuple[int, int], ...] = ()  # (year, kroner), years increasing

    @property
    def total_cost(self) -> int:
        return sum(kroner for _, kroner in self.costs)

    @property
    def targets_all(self) -> bool:
        return not self.provisions and not self.areas


@dataclass(frozen=True)
class Alternative:
    """A proposal put to the politicians (Forslag 1, Forslag 2 …): a set of the plan's initiatives."""

    name: str
    initiatives: tuple[str, ...] = ()
    financing: str = ""
    description: str = ""


@dataclass(frozen=True)
class Meeting:
    body: str
    date: dt.date
    kind: MeetingKind
    decision: str = ""


@dataclass(frozen=True)
class Plan:
    title: str
    adopted: dt.date | None = None
    adopted_by: str = ""
    target: str = ""  # in words, e.g. "Under landsplan for socialområdet generelt i 2027"
    target_percent: int | None = None  # the target as a reversal rate in whole percent, when it is one
    initiatives: tuple[Initiative, ...] = ()
    alternatives: tuple[Alternative, ...] = ()
    meetings: tuple[Meeting, ...] = ()

    def initiative(self, name: str) -> Initiative:
        return next(i for i in self.initiatives if i.name == name)

    def costs_by_year(self, names: tuple[str, ...] | None = None) -> dict[int, int]:
        """Kroner per year of the initiatives named (all without names), years increasing."""
        chosen = [i for i in self.initiatives if names is None or i.name in names]
        years: dict[int, int] = {}
        for initiative in chosen:
            for year, kroner in initiative.costs:
                years[year] = years.get(year, 0) + kroner
        return dict(sorted(years.items()))

    @property
    def total_cost(self) -> int:
        """Every initiative's costs, all years."""
        return sum(i.total_cost for i in self.initiatives)

    def alternative_cost(self, alternative: Alternative) -> int:
        """The extra cost of an alternative in all: its initiatives' costs."""
        return sum(self.costs_by_year(alternative.initiatives).values())


# ---- the plain-data form (JSON in the database, and what the TOML file holds) ----------------------

def plan_data(plan: Plan) -> dict:
    """The plan as plain data in the TOML file's shape; dates as ISO text, costs keyed by year."""
    def day(value: dt.date | None) -> str | None:
        return None if value is None else value.isoformat()

    return {
        "plan": _without_empty({"title": plan.title, "adopted": day(plan.adopted), "adopted_by": plan.adopted_by,
                                "target": plan.target, "target_percent": plan.target_percent}),
        "initiatives": [_without_empty({
            "name": i.name, "description": i.description, "owner": i.owner, "start": day(i.start),
            "end": day(i.end), "status": i.status.value, "provisions": list(i.provisions), "areas": list(i.areas),
            "costs": {str(year): kroner for year, kroner in i.costs}}) for i in plan.initiatives],
        "alternatives": [_without_empty({"name": a.name, "description": a.description,
                                         "initiatives": list(a.initiatives), "financing": a.financing})
                         for a in plan.alternatives],
        "meetings": [{"body": m.body, "date": m.date.isoformat(), "kind": m.kind.value, "decision": m.decision}
                     for m in plan.meetings],
    }


def plan_from_data(data: dict) -> Plan:
    """The plan from `plan_data`'s form (already checked: it was a Plan)."""
    def day(value: str | None) -> dt.date | None:
        return None if value is None else dt.date.fromisoformat(value)

    head = data["plan"]
    return Plan(
        title=head["title"], adopted=day(head.get("adopted")), adopted_by=head.get("adopted_by", ""),
        target=head.get("target", ""), target_percent=head.get("target_percent"),
        initiatives=tuple(Initiative(
            name=i["name"], description=i.get("description", ""), owner=i.get("owner", ""), start=day(i.get("start")),
            end=day(i.get("end")), status=Status(i.get("status", Status.PLANNED.value)),
            provisions=tuple(i.get("provisions", ())), areas=tuple(i.get("areas", ())),
            costs=tuple((int(year), kroner) for year, kroner in i.get("costs", {}).items()))
            for i in data.get("initiatives", ())),
        alternatives=tuple(Alternative(name=a["name"], initiatives=tuple(a.get("initiatives", ())),
                                       financing=a.get("financing", ""), description=a.get("description", ""))
                           for a in data.get("alternatives", ())),
        meetings=tuple(Meeting(body=m["body"], date=dt.date.fromisoformat(m["date"]), kind=MeetingKind(m["kind"]),
                               decision=m.get("decision", "")) for m in data.get("meetings", ())),
    )


def _without_empty(fields: dict) -> dict:
    """The fields that say something: no None, "", [] or {} (optional in the file)."""
    return {k: v for k, v in fields.items() if v not in (None, "", [], {})}
