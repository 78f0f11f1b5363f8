"""Disclosure control (domain/disclosure.py): no hidden count can be worked out from the shown ones.

The property tests draw random tables (rows × columns with their margins and a grand total,
sometimes two tables sharing the grand total, as the complaint report's area and law tables do)
and check the outcome with an independent test: for every single equation, the number of hidden
members is never exactly one, and by brute force over small integer ranges, every hidden cell can
take at least two values that satisfy all equations with the shown cells fixed.
"""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from klagestat.domain.disclosure import Equation, rate_shown, share_shown, suppress


def _table(prefix: str, cells: list[list[int]], grand: str = "T") -> tuple[dict, list[Equation]]:
    """A table with row and column totals and a grand total; its equations."""
    values, equations = {}, []
    rows, cols = len(cells), len(cells[0])
    for i in range(rows):
        for j in range(cols):
            values[(prefix, i, j)] = cells[i][j]
        values[(prefix, i, "sum")] = sum(cells[i])
        equations.append(Equation((prefix, i, "sum"), tuple((prefix, i, j) for j in range(cols))))
    for j in range(cols):
        values[(prefix, "sum", j)] = sum(cells[i][j] for i in range(rows))
        equations.append(Equation((prefix, "sum", j), tuple((prefix, i, j) for i in range(rows))))
    values[grand] = sum(map(sum, cells))
    equations.append(Equation(grand, tuple((prefix, i, "sum") for i in range(rows))))
    equations.append(Equation(grand, tuple((prefix, "sum", j) for j in range(cols))))
    return values, equations


def _single_equations_hold(hidden, equations) -> bool:
    return all(sum(m in hidden for m in (e.total, *e.parts)) != 1 for e in equations)


def _independent_derivable(values, hidden, equations) -> set:
    """Hidden cells whose value is fixed by the equations, by exact elimination written afresh
    (sympy-free): solve for each hidden cell with two different right-hand side completions."""
    import numpy as np

    order = sorted(hidden, key=repr)
    if not order:
        return set()
    index = {k: i for i, k in enumerate(order)}
    a = []
    for e in equations:
        row = np.zeros(len(order))
        for key, sign in ((e.total, 1.0), *((p, -1.0) for p in e.parts)):
            if key in index:
                row[index[key]] += sign
        if row.any():
            a.append(row)
    if not a:
        return set()
    a = np.array(a)
    rank = np.linalg.matrix_rank(a)
    fixed = set()
    for k, i in index.items():
        unit = np.zeros(len(order))
        unit[i] = 1
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            fixed.add(k)
    return fixed


counts = st.integers(min_value=0, max_value=12)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 5), st.integers(1, 4), st.data())
def test_no_hidden_cell_follows_from_one_table(rows, cols, data):
    cells = [[data.draw(counts) for _ in range(cols)] for _ in range(rows)]
    values, equations = _table("a", cells)
    result = suppress(values, equations)
    assert {k for k, v in values.items() if 0 < v < 3} <= result.hidden
    assert _single_equations_hold(result.hidden, equations)
    assert not _independent_derivable(values, result.hidden, equations)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.data())
def test_no_hidden_cell_follows_across_tables_sharing_a_total(rows_a, rows_b, data):
    """Two one-column tables (by area, by law) over the same cases: both add up to the same total."""
    a = [data.draw(counts) for _ in range(rows_a)]
    b_parts = data.draw(st.lists(counts, min_size=rows_b - 1, max_size=rows_b - 1)) if rows_b > 1 else []
    total = sum(a)
    rest = total - sum(b_parts)
    if rest < 0:
        b_parts, rest = [], total
    b = [*b_parts, rest]
    values = {"T": total, **{("a", i): v for i, v in enumerate(a)}, **{("b", i): v for i, v in enumerate(b)}}
    equations = [Equation("T", tuple(("a", i) for i in range(len(a)))),
                 Equation("T", tuple(("b", i) for i in range(len(b))))]
    result = suppress(values, equations)
    assert {k for k, v in values.items() if 0 < v < 3} <= result.hidden
    assert _single_equations_hold(result.hidden, equations)
    assert not _independent_derivable(values, result.hidden, equations)


def test_the_issue_example_hides_a_second_law():
    """41 in all; the law table's 2, 22 and 17: hiding only the 2 would give 41 − 39 = 2 back."""
    values = {"T": 41, "aktivloven": 2, "serviceloven": 22, "pension": 17, "a1": 30, "a2": 11}
    equations = [Equation("T", ("aktivloven", "serviceloven", "pension")), Equation("T", ("a1", "a2"))]
    result = suppress(values, equations)
    assert "aktivloven" in result.hidden and len(result.hidden & {"serviceloven", "pension"}) == 1
    assert "T" not in result.hidden  # the smallest part goes, not the total


def test_nothing_is_hidden_without_small_counts():
    values, equations = _table("a", [[5, 7], [3, 9]])
    assert suppress(values, equations).hidden == frozenset()


def test_an_equation_that_does_not_hold_is_a_builders_mistake():
    import pytest

    with pytest.raises(ValueError, match="does not hold"):
        suppress({"T": 5, "a": 2, "b": 2}, [Equation("T", ("a", "b"))])


def test_shares_follow_their_counts():
    values = {"T": 10, "a": 2, "b": 8}
    result = suppress(values, [Equation("T", ("a", "b"))])
    assert not share_shown(result, "a", "T") and not share_shown(result, "b", "T")
    result = suppress({"T": 10, "a": 5, "b": 5}, [Equation("T", ("a", "b"))])
    assert share_shown(result, "a", "T")
    assert not rate_shown(2, 10) and not rate_shown(8, 10) and rate_shown(3, 6) and not rate_shown(0, 0)


def test_brute_force_agrees_on_small_tables():
    """Every 2×2 table of counts 0..3: each hidden cell has two completions satisfying every
    equation with the shown cells fixed (checked by enumeration, not algebra)."""
    for flat in itertools.product(range(4), repeat=4):
        cells = [list(flat[:2]), list(flat[2:])]
        values, equations = _table("a", cells)
        hidden = suppress(values, equations).hidden
        inner = [("a", i, j) for i in range(2) for j in range(2)]
        margins = [k for k in values if k not in inner]
        solutions = []
        for guess in itertools.product(range(8), repeat=4):
            trial = dict(zip(inner, guess))
            for i in range(2):
                trial[("a", i, "sum")] = sum(trial[("a", i, j)] for j in range(2))
            for j in range(2):
                trial[("a", "sum", j)] = sum(trial[("a", i, j)] for i in range(2))
            trial["T"] = sum(guess)
            if all(trial[k] == values[k] for k in values if k not in hidden):
                solutions.append(trial)
        for key in hidden:
            assert len({s[key] for s in solutions}) >= 2, (cells, key, sorted(hidden, key=repr))
        assert margins  # the margins were part of the test
