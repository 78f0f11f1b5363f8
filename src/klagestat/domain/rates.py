"""The reversal rate (omgørelsesprocent) under its two definitions, as an exact fraction."""

from __future__ import annotations

from enum import StrEnum
from fractions import Fraction

from .outcomes import OutcomeCounts


class Definition(StrEnum):
    # Ankestyrelsen and the Danmarkskort: (changed + remitted) / cases decided on the merits.
    OFFICIAL = "official"
    # Some municipalities divide by all decided cases, dismissed included (Allerød's Tabel 2).
    ALL_DECIDED = "all-decided"


# How rows can be grouped (`--by`), and where a municipality's figures come from (`--source`).
GROUPINGS = ("map", "law", "provision", "area")
STATBANK, CASES = "statbank", "cases"
SOURCES = (STATBANK, CASES)

DEFINITION_NAMES_DA = {
    Definition.OFFICIAL: "officiel (omgjorte / realitetsbehandlede sager)",
    Definition.ALL_DECIDED: "alle afgjorte (omgjorte / afgjorte sager, afviste medregnet)",
}


def denominator(counts: OutcomeCounts, definition: Definition) -> int | None:
    """None under all-decided when the dismissed cases are not known."""
    if definition is Definition.OFFICIAL:
        return counts.merits
    return counts.decided


def reversal_rate(counts: OutcomeCounts, definition: Definition = Definition.OFFICIAL) -> Fraction | None:
    """Reversed / denominator as an exact fraction; None when there are no cases to divide by."""
    n = denominator(counts, definition)
    if not n:
        return None
    return Fraction(counts.reversed, n)
