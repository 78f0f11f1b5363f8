"""What `klagestat import cases` tells the user, and the rejected rows as a CSV file."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from klagestat.catalogue import load_catalogue
from klagestat.domain.problems import MAX_SHOWN
from klagestat.domain.text import shortened
from klagestat.ingest.input_file import SYNTHETIC_NOTE

from . import numbers
from .exports import csv_bytes


def print_case_import(report, out: Console, err: Console) -> None:
    """report: api.CaseImportReport."""
    name = load_catalogue().municipalities[report.municipality_code].name
    if report.status == "unchanged":
        out.print(f"{report.file}: allerede importeret for {name} den {report.info.imported_at:%d-%m-%Y} "
                  f"(import nr. {report.info.id}); intet er ændret.")
        return
    summary = report.summary
    if report.status == "rejected":
        err.print(f"{report.file}: {numbers.count(len(report.rejects))} af {numbers.count(summary.rows)} rækker "
                  "har fejl, og --strict er valgt, så intet er importeret.")
    else:
        info = report.info
        out.print(
            f"{report.file}: importeret for {name} som import nr. {info.id} ({info.file_format}): "
            f"{numbers.count(info.row_count)} rækker, {numbers.count(info.new_count)} nye sager, "
            f"{numbers.count(info.changed_count)} ændrede (tidligere version gemt), "
            f"{numbers.count(info.unchanged_count)} uændrede, {numbers.count(info.rejected_count)} afviste rækker."
        )
        if report.kept_cases:
            out.print(f"  Bemærk: {numbers.count(report.kept_cases)} sager i databasen står ikke i filen; "
                      "de er bevaret uændret.")
        if info.synthetic:
            out.print(f"  Bemærk: {SYNTHETIC_NOTE}")
    for note in _notes(report):
        out.print(f"  Bemærk: {note}")
    if report.rejects:
        problems = report.reject_problems()
        err.print(f"Afviste rækker ({numbers.count(len(report.rejects))}); de er gemt med deres fejl og "
                  "kan rettes og importeres igen:")
        for p in problems[:MAX_SHOWN]:
            err.print(f"  - {p}", markup=False)
        if len(problems) > MAX_SHOWN:
            err.print(f"  … og {numbers.count(len(problems) - MAX_SHOWN)} fejl mere. Skriv dem alle til en fil "
                      "med --rejects FIL.csv.")


MAX_COLUMNS_LISTED = 20


def column_list(names: list[str]) -> str:
    """Column names for a sentence: the first MAX_COLUMNS_LISTED, each shortened, and how many
    more there are."""
    shown = [repr(shortened(n)) for n in names[:MAX_COLUMNS_LISTED]]
    more = len(names) - len(shown)
    return ", ".join(shown) + (f" og {numbers.count(more)} {'anden' if more == 1 else 'andre'}" if more else "")


def _notes(report) -> list[str]:
    notes = list(report.notes)
    summary = report.summary
    if report.ignored_columns:
        notes.append("Disse kolonner kendes ikke og er ikke læst: "
                     + column_list(report.ignored_columns)
                     + ". Brug --columns, hvis de skal læses som en af klagestats kolonner.")
    if summary.unknown_bases:
        listed = "; ".join(f"{label!r} ({n})" for label, n in sorted(summary.unknown_bases.items()))
        notes.append(f"Lovgrundlag, som klagestat ikke kender, er gemt som skrevet, men tæller ikke på "
                     f"kortene: {listed}.")
    if summary.masked_cells:
        notes.append(f"{numbers.counted(summary.masked_cells, 'felt', 'felter')} indeholdt noget, der ligner et CPR-nummer; "
                     "det er erstattet med [CPR-nr. fjernet].")
    if summary.cpr_in_citizen_id:
        notes.append(f"{numbers.count(summary.cpr_in_citizen_id)} borger_id var CPR-numre; de er gemt som "
                     "pseudonymer, ikke som CPR-numre.")
    return notes


def rejects_csv(report) -> str:
    """One line per problem: line, column, value, message, then the row's cells (CPR removed)."""
    headers: list[str] = []
    for r in report.rejects:
        for h in r.cells:
            if h not in headers:
                headers.append(h)
    # The cells are the user's own text and may start with "=": written as every export is.
    rows = ([r.line, p.column, "" if p.value is None else p.value, p.message, *(r.cells.get(h, "") for h in headers)]
            for r in report.rejects for p in r.problems)
    return csv_bytes([report.position, "kolonne", "værdi", "fejl", *headers], rows).decode("utf-8")


def write_rejects(report, path: Path) -> None:
    # BOM and semicolons: Excel on a Danish Windows opens it directly.
    path.write_text(rejects_csv(report), encoding="utf-8", newline="")
