"""`klagestat plan status`: the year's treatment (§ 79 b), as a terminal table with its checks,
or as JSON."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table

from klagestat.analysis.plan_status import PlanStatus


def status_json(status: PlanStatus) -> dict:
    return {
        "year": status.year,
        "published": status.published.isoformat() if status.published else None,
        "deadline": status.deadline.isoformat(),
        "today": status.today.isoformat(),
        "meetings": [{"body": m.body, "date": m.date.isoformat(), "kind": m.kind.value, "decision": m.decision}
                     for m in status.meetings],
        "checks": [{"code": c.code, "ok": c.ok, "text": c.text} for c in status.checks],
    }


def print_plan_status(status: PlanStatus, municipality: str, console: Console) -> None:
    published = (f"offentliggjort {status.published:%d-%m-%Y}" if status.published
                 else "offentliggørelsesdatoen står ikke i klagestats katalog")
    console.print(f"{municipality} Kommune: danmarkskortet for {status.year} ({published}); kommunalbestyrelsen skal "
                  f"behandle det senest {status.deadline:%d-%m-%Y}.", highlight=False)
    t = Table(title=f"Årets behandling ({status.deadline.year}) i handleplanens møder", box=box.SIMPLE_HEAD,
              title_justify="left", pad_edge=False)
    for name in ("Dato", "Organ", "Mødetype", "Beslutning"):
        t.add_column(name)
    for m in status.meetings:
        t.add_row(f"{m.date:%d-%m-%Y}", m.body, m.kind.value, m.decision)
    if not status.meetings:
        t.add_row("–", "Ingen møder i planen", "", "")
    console.print(t)
    for check in status.checks:
        console.print(("Gjort: " if check.ok else "Advarsel: ") + check.text, highlight=False)
