"""The action plan in the Danmarkskort case: Handleplan (the initiatives, and their effect so far),
Økonomi og finansiering, Alternativer and Dialog og høring, and the Indstilling's choice between
the alternatives. Without a plan the case has none of them."""

from __future__ import annotations

from klagestat.analysis.plan_effect import PlanEffect, Verdict
from klagestat.domain.plan import Plan

from . import numbers
from .document import SOFT_HYPHEN, Heading, Paragraph, Table


def plan_blocks(plan: Plan, effect: PlanEffect | None, table_number: int) -> tuple[list, int]:
    """The plan's sections and the number of the last table; `effect` None (a public case, or no
    register): the effect table is left out."""
    blocks: list = [Heading("Handleplan", 1), Paragraph(_plan_sentence(plan))]
    if plan.initiatives:
        table_number += 1
        blocks.append(Table(
            caption=f"Tabel {table_number}: Handleplanens initiativer",
            header=("Initiativ", "Status", "Start", "Slut", "Retter sig mod", "Ansvarlig"),
            rows=tuple((i.name, i.status.value, _day(i.start), _day(i.end),
                        ", ".join((*i.provisions, *i.areas)) or "alle sager", i.owner or "–")
                       for i in plan.initiatives),
            figures_from=6))
        descriptions = [f"{i.name}: {i.description}" for i in plan.initiatives if i.description]
        if descriptions:
            blocks.append(Paragraph(" ".join(d if d.endswith(".") else d + "." for d in descriptions)))
    if effect is not None and effect.effects:
        table_number += 1
        blocks += _effect_blocks(effect, table_number)
    costs = plan.costs_by_year()
    if costs:
        table_number += 1
        blocks += _economy_blocks(plan, costs, table_number)
    if plan.alternatives:
        blocks += _alternative_blocks(plan)
    if plan.meetings:
        table_number += 1
        blocks += [Heading("Dialog og høring", 2), Table(
            caption=f"Tabel {table_number}: Årets behandling",
            header=("Dato", "Organ", "Behandling", "Beslutning"),
            rows=tuple((f"{m.date:%d-%m-%Y}", m.body, m.kind.value, m.decision or "–")
                       for m in sorted(plan.meetings, key=lambda m: m.date)),
            figures_from=4)]
    return blocks, table_number


def plan_recommendation_items(plan: Plan) -> list[str]:
    """The Indstilling's points the plan adds: a choice between its alternatives."""
    if len(plan.alternatives) < 2:
        return []
    names = [a.name for a in plan.alternatives]
    return [f"at der vælges mellem {', '.join(names[:-1])} og {names[-1]} (se Alternativer)"]


def _plan_sentence(plan: Plan) -> str:
    parts = [f"Kommunens handleplan er \"{plan.title}\""]
    if plan.adopted:
        parts.append(f", vedtaget {numbers.long_date(plan.adopted)}" + (f" af {plan.adopted_by}" if plan.adopted_by else ""))
    sentence = "".join(parts) + "."
    if plan.target:
        sentence += f" Målet er: {plan.target.rstrip('.')}."
    if plan.target_percent is not None:
        sentence += f" Målet som omgørelsesprocent er {plan.target_percent} %."
    return sentence


def _effect_blocks(effect: PlanEffect, number: int) -> list:
    rows = []
    for e in effect.effects:
        rows.append((e.initiative.name, Verdict.DANISH[e.verdict], _day(e.initiative.start),
                     _side(e.before) if e.initiative.start else "–", _side(e.after) if e.initiative.start else "–",
                     numbers.count(e.after.pending)))
    return [
        Heading("Effekten indtil nu", 2),
        Paragraph("Klagerne i kommunens klageregister deles efter datoen for kommunens afgørelse: før hvert "
                  "initiativs start, og fra startdagen. Mange klager over nye afgørelser verserer stadig, så "
                  "omgørelsesprocenten efter starten er ikke endelig."),
        Table(caption=f"Tabel {number}: Omgørelsesprocent før og efter initiativernes start (realitetsbehandlede "
                      "sager i parentes)",
              header=("Initiativ", "Vurdering", "Start", "Før", "Fra start", f"Verse{SOFT_HYPHEN}rende"),
              rows=tuple(rows), figures_from=2),
    ]


def _economy_blocks(plan: Plan, costs: dict[int, int], number: int) -> list:
    years = list(costs)
    header = ("Initiativ", *map(str, years), "I alt")
    rows = [(i.name, *(numbers.kroner(dict(i.costs).get(y, 0)) for y in years), numbers.kroner(i.total_cost))
            for i in plan.initiatives if i.costs]
    total = plan.total_cost
    rows.append(("I alt", *(numbers.kroner(costs[y]) for y in years), numbers.kroner(total)))
    amounts = set(costs.values())
    span = f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])
    sentence = (f"Handleplanen koster {numbers.kroner(amounts.pop())} pr. år i {span}, i alt {numbers.kroner(total)}"
                if len(amounts) == 1 and len(years) > 1 else
                f"Handleplanen koster i alt {numbers.kroner(total)} i {span}.")
    sentence = sentence if sentence.endswith(".") else sentence + "."  # "1,35 mio. kr." ends the sentence
    return [Heading("Økonomi og finansiering", 2), Paragraph(sentence),
            Table(caption=f"Tabel {number}: Udgifter pr. år", header=header, rows=tuple(rows), total_row=True)]


def _alternative_blocks(plan: Plan) -> list:
    blocks: list = [Heading("Alternativer", 2)]
    for a in plan.alternatives:
        text = a.name + ": " + (a.description.rstrip(".") + ". " if a.description else "")
        if a.initiatives:
            cost = plan.alternative_cost(a)
            text += f"Initiativerne {', '.join(a.initiatives)}, i alt {numbers.kroner(cost)} ekstra"
            text += "" if text.endswith(".") else "."
        else:
            text += "Ingen nye initiativer og ingen ekstra udgift."
        if a.financing:
            text += f" Finansiering: {a.financing.rstrip('.')}."
        blocks.append(Paragraph(text))
    return blocks


def _side(side) -> str:
    return f"{numbers.municipal_percent(side.rate)} ({numbers.count(side.decided)})"


def _day(day) -> str:
    return "–" if day is None else f"{day:%d-%m-%Y}"
