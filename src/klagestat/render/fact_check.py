"""`klagestat check`'s output: the JSON object of the contract, and the terminal's table (wrong
figures first, each with its line and the sentence corrected)."""

from __future__ import annotations

from rich.table import Table

from klagestat.check import CheckResult
from klagestat.check.verify import VERDICT_NAMES_DA, WRONG, Checked
from klagestat.domain.catalogue import NATIONAL_CODE, Catalogue

VERDICT_ORDER = ("wrong", "other_definition", "not_verifiable", "correct")


def check_json(result: CheckResult, catalogue: Catalogue) -> dict:
    return {"file": result.file, "municipality_code": result.municipality_code, "year": result.year,
            "claims": [claim_json(c, catalogue) for c in result.checked]}


def claim_json(checked: Checked, catalogue: Catalogue) -> dict:
    claim, subject = checked.claim, checked.claim.subject
    area = (None if subject.area_code is None else "Hele landet" if subject.area_code == NATIONAL_CODE
            else catalogue.municipalities[subject.area_code].name)
    return {
        "line": claim.line.line, "page": claim.line.page, "column": subject.column, "text": claim.text,
        "claimed": claim.claimed,
        "subject": {"area_code": subject.area_code, "area": area, "map": subject.map,
                    "map_name": catalogue.map_name(subject.map) if subject.map else None, "law": subject.law,
                    "year": subject.year, "row": subject.row, "column": subject.column},
        "measure": claim.measure if claim.outcome is None else f"{claim.measure}:{claim.outcome}",
        "computed": checked.computed, "verdict": checked.verdict, "why": checked.why,
    }


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
    for checked in sorted(result.checked, key=lambda c: VERDICT_ORDER.index(c.verdict)):
        line = checked.claim.line
        where = f"s. {line.page}, {line.line}" if line.page else str(line.line)
        why = checked.why
        fixed = corrected(checked)
        if fixed:
            why += f"\nRettet: {fixed}"
        table.add_row(where, checked.claim.claimed, checked.computed or "–", VERDICT_NAMES_DA[checked.verdict], why)
    return table
