"""What the two statistics-bank formats have in common: the five roles of their columns."""

from __future__ import annotations

from dataclasses import dataclass, field

from klagestat.domain.text import normalise

# Role → the column (or JSON-stat dimension) names that carry it, normalised.
ROLE_NAMES = {
    "area": ("område", "omraade", "omrade", "kommune", "kommuner", "område/kommune", "geo"),
    "basis": ("lovgrundlag", "lov", "lovområde", "lovomraade", "paragraf"),
    "outcome": ("afgørelse", "afgoerelse", "afgorelse", "afgørelsestype", "afgørelser", "udfald", "afgoer"),
    "period": ("tid", "periode", "år", "aar", "kvartal", "time"),
    "value": ("indhold", "antal", "value", "værdi", "contentscode"),
}
ROLE_COLUMNS_DA = {
    "area": "OMRÅDE",
    "basis": "LOVGRUNDLAG",
    "outcome": "AFGØRELSE",
    "period": "TID",
    "value": "INDHOLD",
}
EXPECTED_HEADER = ";".join(ROLE_COLUMNS_DA.values())


def role_of(name: str) -> str | None:
    key = normalise(name)
    for role, names in ROLE_NAMES.items():
        if key in names:
            return role
    return None


@dataclass
class RawTable:
    """A statistics-bank table as text columns, one entry per cell, with where each came from."""

    file: str
    format: str  # "CSV (UTF-8)" …, for the import report
    columns: dict[str, str]  # role → the column name in the file, for messages
    lines: list[int]  # the line in a CSV file; the value's position (from 1) in JSON-stat
    area: tuple[str, ...]
    basis: tuple[str, ...]
    outcome: tuple[str, ...]
    period: tuple[str, ...]
    value: tuple[str, ...]  # ".." when not available
    where: str = "linje"  # how a row's position is named in messages
    # The Talportal's law column (Lovgivning), "" where NA; None when the format has none. With
    # it, a legal basis is the pair (law, subject), and the subject alone is its label.
    law: tuple[str, ...] | None = None
    # A Talportal download: "I alt" and other bodies' rows may be among the areas.
    talportal: bool = False
    source: str = "statistikbanken"  # where to download the file again, in messages
    notes: list[str] = field(default_factory=list)
    # The Talportal's Sagsbehandlingstid (days, exact; None where NA), per cell like the values.
    days: tuple | None = None

    def __len__(self) -> int:
        return len(self.lines)
