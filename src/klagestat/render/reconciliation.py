"""`klagestat reconcile`: the differences between the register and the statistics, as JSON
(the design's contract) and as a Danish table with likely causes."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

from klagestat.analysis.reconcile import Reconciliation
from klagestat.domain.outcomes import OUTCOME_NAMES_DA

from . import numbers


def reconciliation_dict(result: Reconciliation) -> dict:
    """{"municipality_code", "year", "differences": [{"provision", "outcome", "statbank", "cases"}]}
    as the design says, plus the municipality's name, the keys and the likely causes."""
    return {
        "municipality_code": result.municipality_code,
        "municipality": result.municipality,
        "year": result.year,
        "differences": [
            {"provision": d.provision, "outcome": d.outcome.value, "statbank": d.statbank, "cases": d.cases,
             "provision_key": d.key, "causes": list(d.causes), "case_ids": list(d.case_ids)}
            for d in result.differences
        ],
        "statbank_cases": result.statbank_cases,
        "register_cases": result.register_cases,
        "notes": result.notes,
    }


def reconciliation_json(result: Reconciliation) -> str:
    return json.dumps(reconciliation_dict(result), ensure_ascii=False, indent=1)


def render_reconciliation(result: Reconciliation, out: Console) -> None:
    out.print(f"Afstemning af klageregistret mod Ankestyrelsens statistik: {result.municipality}, {result.year}")
    out.print(f"Statistikbanken: {numbers.count(result.statbank_cases)} afgjorte sager. Registret: "
              f"{numbers.count(result.register_cases)} sager afgjort af Ankestyrelsen i {result.year}.")
    if not result.differences:
        out.print("Registret og statistikken stemmer overens for hver bestemmelse og hvert udfald.")
        return
    table = Table(title=f"{len(result.differences)} forskelle", title_justify="left")
    table.add_column("Bestemmelse")
    table.add_column("Udfald")
    table.add_column("Statistikbanken", justify="right")
    table.add_column("Registret", justify="right")
    table.add_column("Forskel", justify="right")
    table.add_column("Mulig årsag")
    for d in result.differences:
        statbank, gap = ("..", "") if d.statbank is None else (numbers.count(d.statbank), f"{d.cases - d.statbank:+d}")
        table.add_row(d.provision, OUTCOME_NAMES_DA[d.outcome], statbank, numbers.count(d.cases), gap,
                      "\n".join(d.causes))
    out.print(table)
    out.print("Registrets sager bag hver forskel (sags_id), til at slå op:")
    for d in result.differences:
        out.print(f"  {d.provision}, {OUTCOME_NAMES_DA[d.outcome].lower()}: {case_id_list(d.case_ids)}", markup=False)
    out.print("Forskel = registret minus statistikken. Sagerne er talt efter datoen for Ankestyrelsens afgørelse.")
    for note in result.notes:
        out.print(f"Bemærk: {note}")


SHOWN_CASE_IDS = 12


def case_id_list(case_ids) -> str:
    """The register's cases behind a difference, to look up; a long list is cut (JSON has all)."""
    if not case_ids:
        return "ingen"
    shown = ", ".join(case_ids[:SHOWN_CASE_IDS])
    more = len(case_ids) - SHOWN_CASE_IDS
    return shown + (f" og {more} til (se --format json)" if more > 0 else "")
