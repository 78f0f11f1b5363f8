"""Disclosure control: which counts from a municipality's own register a public output may show.

A public output (the open agenda's report, a public page) shows counts of cases. A count of 1 or
2 could point to a citizen, so it is hidden (primary suppression). Hiding it is not enough when
the output also shows a total and the other parts: 41 − (22 + 17) gives the hidden 2 back. So
every equation the output shows — a table's rows or columns adding up to its total, and two
tables (by area and by law) adding up to the same total — is checked, and more cells are hidden
until no hidden cell can be worked out from the shown ones by any of the equations, alone or
combined (secondary suppression).

Every hidden cell is shown the same way, whether it was small or hidden to protect another; so
a reader can't tell "1 or 2" from "anything", and can't narrow a hidden cell down from that.
Shares and rates follow their counts: `share_shown` says whether one may be shown.

Pure functions over opaque cell keys; the report builders name the cells and the equations.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

SUPPRESS_BELOW = 3  # a count of 1 or 2 is hidden; 0 says nothing about anyone


@dataclass(frozen=True)
class Equation:
    """`total` is the sum of `parts`, and the output shows (or lets a reader work out) all of them."""

    total: Hashable
    parts: tuple[Hashable, ...]


@dataclass(frozen=True)
class Disclosure:
    """The outcome: the counts and which of them must not be shown."""

    values: Mapping[Hashable, int]
    hidden: frozenset

    def shown(self, key: Hashable) -> bool:
        return key not in self.hidden


def suppress(values: Mapping[Hashable, int], equations: Iterable[Equation],
             threshold: int = SUPPRESS_BELOW) -> Disclosure:
    """Hide every count in 1 .. threshold-1, and then as few others as this greedy search finds,
    so that no hidden count follows from the equations. Raises ValueError when an equation does
    not hold for the values (a builder's mistake: the wrong cells were tied together)."""
    equations = [e for e in equations if e.parts]
    for e in equations:
        if values[e.total] != sum(values[p] for p in e.parts):
            raise ValueError(f"the equation for {e.total!r} does not hold: {values[e.total]} ≠ "
                             f"{' + '.join(str(values[p]) for p in e.parts)}")
    hidden = {key for key, value in values.items() if 0 < value < threshold}
    while True:
        exposed = _derivable(hidden, values, equations)
        if not exposed:
            return Disclosure(dict(values), frozenset(hidden))
        partner = next((p for cell in sorted(exposed, key=repr)
                        if (p := _partner(cell, hidden, values, equations)) is not None), None)
        if partner is None:
            # Every equation holding an exposed cell is hidden throughout, and yet the cell follows:
            # hide a shown member of any equation that touches a hidden cell.
            partner = next((min(shown, key=lambda m: _cost(m, e, values)) for e in equations
                            if {e.total, *e.parts} & hidden
                            and (shown := [m for m in (*e.parts, e.total) if m not in hidden])), None)
        if partner is None:  # nothing shown is tied to a hidden cell: what follows, follows from zeros
            return Disclosure(dict(values), frozenset(hidden))
        hidden.add(partner)


def share_shown(disclosure: Disclosure, part: Hashable, whole: Hashable | None = None,
                threshold: int = SUPPRESS_BELOW) -> bool:
    """Whether part / whole may be shown: both counts shown, and the part and the rest both at least
    `threshold` ("50 % of 4" gives a count away even when 4 is shown)."""
    values = disclosure.values
    if not disclosure.shown(part) or (whole is not None and not disclosure.shown(whole)):
        return False
    if whole is None:
        return True
    return min(values[part], values[whole] - values[part]) >= threshold


def rate_shown(part: int, whole: int, threshold: int = SUPPRESS_BELOW) -> bool:
    """For a rate whose counts the output doesn't show: only when the part and the rest are both
    at least `threshold`."""
    return whole > 0 and min(part, whole - part) >= threshold


def _partner(cell: Hashable, hidden: set, values: Mapping[Hashable, int],
             equations: Sequence[Equation]) -> Hashable | None:
    """The cell to hide next so that `cell` is protected: a shown member of an equation that holds
    `cell`, preferring the equation where the cell is most exposed (fewest hidden members)."""
    for e in sorted((e for e in equations if cell == e.total or cell in e.parts),
                    key=lambda e: (sum(m in hidden for m in (e.total, *e.parts)), repr(e.total))):
        shown = [m for m in (*e.parts, e.total) if m not in hidden]
        if shown:
            return min(shown, key=lambda m: _cost(m, e, values))
    return None


def _cost(member: Hashable, equation: Equation, values: Mapping[Hashable, int]) -> tuple:
    """The order in which shown members are hidden: the smallest part that is not zero; then the
    total; a zero last, as a hidden zero beside a shown sum of zero would be no secret at all."""
    value = values[member]
    if value == 0:
        return (2, 0, repr(member))
    return (1 if member == equation.total else 0, value, repr(member))


def _derivable(hidden: set, values: Mapping[Hashable, int], equations: Sequence[Equation]) -> list[Hashable]:
    """The hidden cells that a reader could compute from the shown ones with the equations.

    Each equation, with the shown values put in, is a linear equation in the hidden cells. A
    hidden cell x is determined exactly when the unit vector of x lies in the row space of those
    equations: in the reduced row echelon form, a row that is x alone.
    """
    order = sorted(hidden, key=repr)
    column = {key: i for i, key in enumerate(order)}
    rows = []
    for e in equations:
        row = [Fraction(0)] * len(order)
        for key, sign in ((e.total, 1), *((p, -1) for p in e.parts)):
            if key in column:
                row[column[key]] += sign
        if any(row):
            rows.append(row)
    pivots = _reduce(rows)
    return [order[col] for r, col in pivots if sum(1 for v in rows[r] if v) == 1]


def _reduce(rows: list[list[Fraction]]) -> list[tuple[int, int]]:
    """Reduced row echelon form in place (exact); the (row, pivot column) pairs."""
    pivots = []
    r = 0
    width = len(rows[0]) if rows else 0
    for col in range(width):
        pivot = next((i for i in range(r, len(rows)) if rows[i][col]), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        lead = rows[r][col]
        rows[r] = [v / lead for v in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][col]:
                factor = rows[i][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[r])]
        pivots.append((r, col))
        r += 1
    return pivots
