"""The four outcomes of a complaint decided by Ankestyrelsen and counts of them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    UPHELD = "upheld"  # stadfæstet
    CHANGED = "changed"  # ændret / ophævet
    REMITTED = "remitted"  # hjemvist
    DISMISSED = "dismissed"  # afvist / henvist / bortfaldet


# A statistics-bank label may also name the total over all outcomes ("I alt").
TOTAL = "total"

OUTCOME_NAMES_DA = {
    Outcome.UPHELD: "Stadfæstet",
    Outcome.CHANGED: "Ændret/ophævet",
    Outcome.REMITTED: "Hjemvist",
    Outcome.DISMISSED: "Afvist/henvist",
}


@dataclass(frozen=True, slots=True)
class OutcomeCounts:
    """Number of decided complaints per outcome."""

    upheld: int = 0
    changed: int = 0
    remitted: int = 0
    dismissed: int = 0

    def __post_init__(self) -> None:
        for name in ("upheld", "changed", "remitted", "dismissed"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative whole number, not {value!r}")

    def __add__(self, other: OutcomeCounts) -> OutcomeCounts:
        return OutcomeCounts(
            self.upheld + other.upheld,
            self.changed + other.changed,
            self.remitted + other.remitted,
            self.dismissed + other.dismissed,
        )

    def get(self, outcome: Outcome) -> int:
        return getattr(self, outcome.value)

    @property
    def merits(self) -> int:
        """Cases decided on the merits (realitetsbehandlede): everything but dismissed."""
        return self.upheld + self.changed + self.remitted

    @property
    def reversed(self) -> int:
        """Reversed cases (omgjorte sager): changed plus remitted."""
        return self.changed + self.remitted

    @property
    def decided(self) -> int:
        """All decided cases, dismissed included."""
        return self.merits + self.dismissed
