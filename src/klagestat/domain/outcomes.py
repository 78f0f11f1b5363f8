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
    """Number of decided complaints per outcome.

    `dismissed` is None when the source doesn't say (a Talportal download without the dismissed
    cases, or '..'): the official rate needs only the other three, the rate over all decided
    cases can then not be computed, and nothing may show it as 0."""

    upheld: int = 0
    changed: int = 0
    remitted: int = 0
    dismissed: int | None = 0

    def __post_init__(self) -> None:
        for name in ("upheld", "changed", "remitted", "dismissed"):
            value = getattr(self, name)
            if name == "dismissed" and value is None:
                continue
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative whole number, not {value!r}")

    def __add__(self, other: OutcomeCounts) -> OutcomeCounts:
        return OutcomeCounts(
            self.upheld + other.upheld,
            self.changed + other.changed,
            self.remitted + other.remitted,
            None if self.dismissed is None or other.dismissed is None else self.dismissed + other.dismissed,
        )

    def get(self, outcome: Outcome) -> int | None:
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
    def decided(self) -> int | None:
        """All decided cases, dismissed included (None when the dismissed are not known)."""
        return None if self.dismissed is None else self.merits + self.dismissed
