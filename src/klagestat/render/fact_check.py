"""`klagestat check`'s output: the JSON object of the contract, and the terminal's table (wrong
figures first, each with its line and the sentence corrected)."""

from __future__ import annotations

from rich.table import Table

from klagestat.check import CheckResult
from klagestat.check.verify import VERDICT_NAMES_DA, WRONG, Checked
from klagestat.domain.catalogue import Catalogue

VERDICT_ORDER = ("wrong", "other_definition", "not_verifiable", "correct")
VERDICT_ICONS = {"correct": "✓", "wrong": "✗", "other_definition": "≈", "not_verifiable": "?"}


def check_json(result: CheckResult, catalogue: Catalogue) -> dict:
    return {"file": result.file, "municipality_code": result.municipality_code, "year": result.year,
            "claims": [claim_json(c, catalogue) for c in result.checked]}


def claim_json(checked: Checked, catalogue: Catalogue) -> dict:
    claim, subject = checked.claim, checked.claim.subject
    area = None if subject.area_code is None else catalogue.area(subject.area_code).name
    return {
        "line": claim.line.line, "page": claim.line.page, "column": subject.column, "text": claim.text,
        "claimed": claim.claimed,
        "subject": {"area_code": subject.area_code, "area": area, "map": subject.map,
                    "map_name": catalogue.map_name(subject.map) if subject.map else None, "law": subject.law,
                    "year": subject.year, "row": subject.row, "column": subject.column, "group": subject.group,
                    "provision": subject.provisions[0] if len(subject.provisions) == 1 else None},
        "measure": claim.measure if claim.outcome is None else f"{claim.measure}:{claim.outcome}",
        "computed": checked.computed, "verdict": checked.verdict, "why": _sentence(checked.why),
    }


def in_order(result: CheckResult) -> list[Checked]:
    """Wrong figures first, then other definitions, the uncheckable and the correct; each kind in
    the text's order."""
    return sorted(result.checked, key=lambda c: VERDICT_ORDER.index(c.verdict))


def claim_list(result: CheckResult, catalogue: Catalogue) -> list[dict]:
    """The web page's list: each figure's JSON row, its number in the text (the marks link to it),
    the corrected sentence, its icon and its verdict in Danish; in `in_order`'s order."""
    number = {id(c): i for i, c in enumerate(result.checked, start=1)}
    return [{**claim_json(c, catalogue), "number": number[id(c)], "corrected": corrected(c),
             "icon": VERDICT_ICONS[c.verdict], "verdict_da": VERDICT_NAMES_DA[c.verdict]} for c in in_order(result)]


def verdict_counts(result: CheckResult) -> dict[str, int]:
    """How many figures got each verdict, by its Danish name, wrong first."""
    return {VERDICT_NAMES_DA[v]: sum(1 for c in result.checked if c.verdict == v) for v in VERDICT_ORDER}


def corrected(checked: Checked) -> str | None:
    """The sentence or row with the wrong figure replaced by klagestat's."""
    if checked.verdict != WRONG or not checked.computed:
        return None
    claim = checked.claim
    computed = f"({checked.computed})" if claim.claimed.startswith("(") else checked.computed
    if claim.at is not None:
        start, end = claim.at
        return claim.text[:start] + computed + claim.text[end:]
    if claim.cell is not None and claim.line.cells is not None:
        cells = list(claim.line.cells)
        cells[claim.cell] = cells[claim.cell].replace(claim.claimed, computed, 1)
        return " | ".join(cells)
    return None


def check_table(result: CheckResult, catalogue: Catalogue) -> Table:
    name = catalogue.municipalities[result.municipality_code].name
    table = Table(title=f"Tal i {result.file} tjekket mod statistikken ({name}, {result.year})", show_lines=True)
    for header, justify in (("Linje", "right"), ("I teksten", "right"), ("klagestat", "right"), ("Vurdering", "left"),
                            ("Hvorfor", "left")):
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    for checked in in_order(result):
        line = checked.claim.line
        where = f"s. {line.page}, {line.line}" if line.page else str(line.line)
        why = _sentence(checked.why)
        fixed = corrected(checked)
        if fixed:
            why += f"\nRettet: {fixed}"
        table.add_row(where, checked.claim.claimed, checked.computed or "–", VERDICT_NAMES_DA[checked.verdict], why)
    return table


# ---- the web page: the text with each checked figure marked ---------------------------------------



def marked_lines(result: CheckResult) -> list[dict]:
    """The text's lines for the page, each as pieces: plain text, or a checked figure with its
    verdict, icon and title; a table row as its cells. Only lines near a claim are kept in full;
    the rest of the text is left out (it can be long)."""
    by_line: dict[tuple, list[tuple[int, Checked]]] = {}
    for number, checked in enumerate(result.checked, start=1):
        line = checked.claim.line
        by_line.setdefault((line.page, line.line), []).append((number, checked))
    lines = []
    for (page, line_number), checks in sorted(by_line.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1])):
        line = checks[0][1].claim.line
        cells = list(line.cells) if line.cells is not None else [line.text]
        pieces_per_cell = []
        remaining = list(checks)
        for cell in cells:
            pieces: list[dict[str, object]] = []
            cursor = 0
            for item in list(remaining):
                number, checked = item
                at = cell.find(checked.claim.claimed, cursor)
                if at < 0:
                    continue
                pieces.append({"text": cell[cursor:at]})
                pieces.append({"text": checked.claim.claimed, "verdict": checked.verdict, "number": number,
                               "icon": VERDICT_ICONS[checked.verdict],
                               "title": f"{VERDICT_NAMES_DA[checked.verdict]}: {_sentence(checked.why)}"})
                cursor = at + len(checked.claim.claimed)
                remaining.remove(item)
            pieces.append({"text": cell[cursor:]})
            pieces_per_cell.append(pieces)
        lines.append({"where": f"s. {page}, linje {line_number}" if page else f"linje {line_number}",
                      "cells": pieces_per_cell, "is_row": line.cells is not None})
    return lines


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else text + "."
