"""`klagestat plan effect`: each initiative's before and after, and the table by the year of the
municipality's decision, as terminal tables or as JSON rows (one per initiative)."""

from __future__ import annotations

from fractions import Fraction

from rich import box
from rich.console import Console
from rich.table import Table

from klagestat.analysis.plan_effect import MAX_PENDING_SHARE, InitiativeEffect, PlanEffect, Side, Verdict

from . import numbers

PENDING_NOTE = ("Klager over nye afgørelser verserer ofte stadig (Ankestyrelsen afgør op til halvandet år senere), så "
                "omgørelsesprocenten efter starten er ikke endelig, før de er afgjort.")
SIDE_NOTE = ("Sagerne deles efter datoen for kommunens afgørelse: før initiativets start, eller på startdagen og "
             "derefter. Omgørelsesprocenten er Ankestyrelsens officielle: ændrede, ophævede og hjemviste sager "
             "delt med de realitetsbehandlede.")


def effect_rows(effect: PlanEffect) -> list[dict]:
    """One JSON row per initiative (rates and intervals as fractions of 1, the difference too)."""
    return [{
        "initiative": e.initiative.name,
        "start": e.initiative.start.isoformat() if e.initiative.start else None,
        "targets": list(e.targets),
        "before": _side_json(e.before),
        "after": _side_json(e.after),
        "difference": None if e.difference is None else float(e.difference),
        "diff_ci_low": e.difference_interval[0] if e.difference_interval else None,
        "diff_ci_high": e.difference_interval[1] if e.difference_interval else None,
        "p_value": e.p_value,
        "verdict": Verdict.DANISH[e.verdict],
        "verdict_code": e.verdict,
        "why": e.why,
    } for e in effect.effects]


def _side_json(side: Side) -> dict:
    ci = side.interval
    return {"decided": side.decided, "reversed": side.reversed, "rate": None if side.rate is None else float(side.rate),
            "ci_low": ci[0] if ci else None, "ci_high": ci[1] if ci else None, "pending": side.pending,
            "dismissed": side.dismissed}


def print_plan_effect(effect: PlanEffect, municipality: str, console: Console) -> None:
    console.print(f"Effekten af {municipality} Kommunes handleplan: {effect.plan.title}")
    if not effect.effects:
        console.print("Planen har ingen initiativer.")
    for e in effect.effects:
        console.print(initiative_table(e))
        console.print(e.why, highlight=False)
        if (note := pending_note(e)) is not None:
            console.print(note, highlight=False)
    console.print(years_table(effect))
    console.print(SIDE_NOTE, highlight=False)
    console.print(PENDING_NOTE, highlight=False)


def initiative_table(e: InitiativeEffect) -> Table:
    start = f"start {e.initiative.start:%d-%m-%Y}" if e.initiative.start else "ingen startdato"
    targets = ", ".join(e.targets) if e.targets else "alle sager"
    t = Table(title=f"{e.initiative.name} ({start}; {targets})", box=box.SIMPLE_HEAD, title_justify="left",
              pad_edge=False)
    t.add_column("Kommunens afgørelse")
    for name in ("Realitets-\nbehandlede", "Omgjorte", "Omgørelses-\nprocent", "95 %-interval", "Afviste", "Verserer"):
        t.add_column(name, justify="right")
    sides = (("Før starten", e.before), ("Fra starten", e.after)) if e.initiative.start else (("Alle", e.before),)
    for label, side in sides:
        t.add_row(label, numbers.count(side.decided), numbers.count(side.reversed), numbers.municipal_percent(side.rate),
                  numbers.interval(side.interval), numbers.count(side.dismissed), numbers.count(side.pending))
    if e.difference is not None and e.difference_interval is not None:
        low, high = (numbers.points(Fraction(x)) for x in e.difference_interval)
        t.add_row("Forskel", "", "", f"{numbers.points(e.difference)} point", f"{low} til {high} point", "",
                  f"p = {numbers.p_value(e.p_value)}")
    return t


def pending_note(e: InitiativeEffect) -> str | None:
    """How many of the complaints about decisions from the start are pending, unless the verdict
    says it already (too early because of them) or there is no start."""
    share = e.after.pending_share
    if e.initiative.start is None or (e.verdict == Verdict.TOO_EARLY and share is not None
                                      and share > MAX_PENDING_SHARE):
        return None
    return pending_sentence(e.after)


def pending_sentence(side: Side) -> str:
    if not side.complaints:
        return "Der er endnu ingen klager over afgørelser fra starten."
    if not side.pending:
        return "Alle klager over afgørelser fra starten er afgjort."
    return (f"{numbers.count(side.pending)} af {numbers.count(side.complaints)} klager over afgørelser fra starten "
            f"({numbers.municipal_percent(side.pending_share)}) verserer stadig.")


def years_table(effect: PlanEffect) -> Table:
    t = Table(title="Efter året for kommunens afgørelse (alle klager til Ankestyrelsen)", box=box.SIMPLE_HEAD,
              title_justify="left", pad_edge=False)
    t.add_column("År")
    for name in ("Realitets-\nbehandlede", "Omgjorte", "Omgørelses-\nprocent", "Afviste", "Verserer"):
        t.add_column(name, justify="right")
    t.add_column("Initiativer, der starter")
    for row in effect.years:
        s = row.side
        t.add_row(str(row.year), numbers.count(s.decided), numbers.count(s.reversed), numbers.municipal_percent(s.rate),
                  numbers.count(s.dismissed), numbers.count(s.pending), ", ".join(row.starts))
    return t
