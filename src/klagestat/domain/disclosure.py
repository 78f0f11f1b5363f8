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


def is_small(count: int, threshold: int = SUPPRESS_BELOW) -> bool:
    """A count that could point to a citizen: 1 .. threshold-1."""
    return 0 < count < threshold


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
    hidden = {key for key, value in values.items() if is_small(value, threshold)}
    while exposed := _derivable(hidden, equations):
        partner = _next_to_hide(exposed, hidden, values, equations)
        if partner is None:  # nothing shown is tied to a hidden cell: what follows, follows from zeros
            break
        hidden.add(partner)
    return Disclosure(dict(values), frozenset(hidden))


def rate_shown(part: int, whole: int, threshold: int = SUPPRESS_BELOW) -> bool:
    """Whether part / whole may be shown as a share or rate: the part and the rest both at least
    `threshold` ("50 % of 4" gives a count away even when 4 is shown)."""
    return whole > 0 and min(part, whole - part) >= threshold


def share_shown(disclosure: Disclosure, part: Hashable, whole: Hashable, threshold: int = SUPPRESS_BELOW) -> bool:
    """As `rate_shown`, for two counts of the output, which must both be shown."""
    return (disclosure.shown(part) and disclosure.shown(whole)
            and rate_shown(disclosure.values[part], disclosure.values[whole], threshold))


def _members(e: Equation) -> tuple[Hashable, ...]:
    return (*e.parts, e.total)


def _next_to_hide(exposed: list[Hashable], hidden: set, values: Mapping[Hashable, int],
                  equations: Sequence[Equation]) -> Hashable | None:
    """The cheapest shown member of an equation that holds an exposed cell, from the equation
    where the cell is most exposed (fewest hidden members). When every such equation is hidden
    throughout (the cell follows from equations combined), any equation touching a hidden cell."""
    def hidden_count(e: Equation) -> int:
        return sum(m in hidden for m in _members(e))

    for cell in sorted(exposed, key=repr):
        holding = sorted((e for e in equations if cell in _members(e)), key=lambda e: (hidden_count(e), repr(e.total)))
        candidates = [e for e in holding if hidden_count(e) < len(_members(e))]
        if candidates:
            return _cheapest_shown(candidates[0], hidden, values)
    touching = [e for e in equations if 0 < hidden_count(e) < len(_members(e))]
    return _cheapest_shown(touching[0], hidden, values) if touching else None


def _cheapest_shown(e: Equation, hidden: set, values: Mapping[Hashable, int]) -> Hashable:
    return min((m for m in _members(e) if m not in hidden), key=lambda m: _cost(m, e, values))


def _cost(member: Hashable, equation: Equation, values: Mapping[Hashable, int]) -> tuple:
    """The order in which shown members are hidden: the smallest part that is not zero; then the
    total; a zero last, as a hidden zero beside a shown sum of zero would be no secret at all."""
    value = values[member]
    if value == 0:
        return (2, 0, repr(member))
    return (1 if member == equation.total else 0, value, repr(member))


def _derivable(hidden: set, equations: Sequence[Equation]) -> list[Hashable]:
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
