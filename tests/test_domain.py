"""Property tests of the pure engine: outcomes, rates, rounding, intervals, funnel limits."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from klagestat.domain.outcomes import OutcomeCounts
from klagestat.domain.rates import Definition, reversal_rate
from klagestat.domain.statistics import (
    FunnelClass,
    funnel_class,
    funnel_limits,
    funnel_limits_many,
    wilson_interval,
)
from klagestat.render import numbers

counts = st.builds(
    OutcomeCounts,
    st.integers(0, 5000), st.integers(0, 5000), st.integers(0, 5000), st.integers(0, 5000),
)


@given(counts, counts)
def test_counts_add_and_derive(a, b):
    s = a + b
    assert s.merits == a.merits + b.merits
    assert s.reversed == s.changed + s.remitted
    assert s.merits == s.upheld + s.reversed
    assert s.decided == s.merits + s.dismissed


@given(counts)
def test_rate_definitions(c):
    official = reversal_rate(c, Definition.OFFICIAL)
    all_decided = reversal_rate(c, Definition.ALL_DECIDED)
    assert (official is None) == (c.merits == 0)
    assert (all_decided is None) == (c.decided == 0)
    if official is not None:
        assert 0 <= official <= 1
        assert official == Fraction(c.reversed, c.merits)
        # Dismissed cases only ever enlarge the denominator.
        assert all_decided <= official


def test_negative_counts_are_refused():
    with pytest.raises(ValueError):
        OutcomeCounts(upheld=-1)


@given(st.integers(0, 10**6), st.integers(1, 10**6), st.integers(0, 2))
def test_round_half_up_matches_decimal(k, n, decimals):
    assume(k <= n)
    # 60 significant digits are exact for terminating fractions (where ties live) and never
    # cross a rounding boundary for the others.
    with localcontext() as ctx:
        ctx.prec = 60
        expected = (Decimal(100 * k) / Decimal(n)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    assert numbers.round_half_up(Fraction(100 * k, n), decimals) == expected


def test_presentation_examples_from_domain():
    # Gladsaxe: 51 upheld, 2 changed, 27 remitted is 36.25 %, shown "36 %" (not 3 % + 34 %).
    assert numbers.municipal_percent(reversal_rate(OutcomeCounts(51, 2, 27, 0))) == "36 %"
    assert numbers.municipal_percent(Fraction(5, 8)) == "63 %"  # 62.5 rounds half up
    assert numbers.national_percent(Fraction(449, 1000)) == "44,9 %"
    assert numbers.national_percent(Fraction(4245, 10000)) == "42,5 %"  # 42.45 → 42.5
    assert numbers.points(Fraction(475, 1000) - Fraction(489, 1000)) == "-1,4"
    assert numbers.count(10000) == "10.000"


@given(st.integers(0, 2000), st.integers(1, 2000))
def test_wilson_contains_estimate(k, n):
    assume(k <= n)
    low, high = wilson_interval(k, n)
    assert 0.0 <= low <= k / n <= high <= 1.0


@given(st.integers(1, 50), st.integers(2, 50))
def test_wilson_narrows_with_more_cases(k, n):
    assume(k < n)
    low1, high1 = wilson_interval(k, n)
    low4, high4 = wilson_interval(4 * k, 4 * n)
    assert high4 - low4 < high1 - low1


def test_wilson_known_value():
    # 41 of 65 (Allerød 2024): a textbook Wilson interval of about 51 %–74 %.
    low, high = wilson_interval(41, 65)
    assert round(low, 3) == 0.509 and round(high, 3) == 0.738


@given(st.fractions(min_value=Fraction(1, 100), max_value=Fraction(99, 100)), st.integers(5, 3000))
def test_funnel_limits_surround_national_rate(p0, n):
    low95, high95 = funnel_limits(p0, n, 0.95)
    low998, high998 = funnel_limits(p0, n, 0.998)
    assert 0.0 <= low998 <= low95 <= float(p0) <= high95 <= high998 <= 1.0


@given(st.fractions(min_value=Fraction(5, 100), max_value=Fraction(95, 100)), st.integers(10, 500))
def test_funnel_narrows_with_more_cases(p0, n):
    low1, high1 = funnel_limits(p0, n, 0.95)
    low16, high16 = funnel_limits(p0, 16 * n, 0.95)
    assert high16 - low16 < high1 - low1


def test_funnel_many_equals_one_at_a_time():
    ns = [3, 10, 65, 400]
    assert funnel_limits_many(Fraction(449, 1000), ns, 0.95) == [funnel_limits(Fraction(449, 1000), n, 0.95) for n in ns]


def test_funnel_classes():
    national = Fraction(449, 1000)
    assert funnel_class(41, 65, national, 0.95) is FunnelClass.ABOVE  # Allerød 2024: 63 % of 65
    assert funnel_class(30, 65, national, 0.95) is FunnelClass.WITHIN
    assert funnel_class(10, 65, national, 0.95) is FunnelClass.BELOW
    # A handful of cases can never be told apart from the national level.
    assert funnel_class(1, 2, national, 0.95) is FunnelClass.WITHIN
    assert funnel_class(1, 1, national, 0.998) is FunnelClass.WITHIN
    assert funnel_class(3, 3, national, 0.95) is FunnelClass.WITHIN


@given(st.fractions(min_value=Fraction(5, 100), max_value=Fraction(95, 100)), st.integers(1, 400), st.data())
def test_stricter_level_never_flags_more(p0, n, data):
    k = data.draw(st.integers(0, n))
    loose = funnel_class(k, n, p0, 0.95)
    strict = funnel_class(k, n, p0, 0.998)
    assert strict is FunnelClass.WITHIN or strict is loose


@given(st.fractions(min_value=Fraction(5, 100), max_value=Fraction(95, 100)), st.integers(20, 400))
def test_the_national_rate_itself_is_within(p0, n):
    k = int(round(float(p0) * n))
    assert funnel_class(k, n, p0, 0.95) is FunnelClass.WITHIN


def test_the_exact_binomial_tails_agree_with_scipy():
    """The funnel classification sums the binomial probabilities itself (so `klagestat rates`
    needn't import scipy); they agree with scipy.stats to well within what a class depends on."""
    from scipy.stats import binom

    from klagestat.domain.statistics import binomial_tails

    rng = np.random.default_rng(7)
    ns = np.concatenate((np.arange(1, 60), rng.integers(60, 20_000, 300)))
    ks = np.array([rng.integers(0, n + 1) for n in ns])
    for p in (0.001, 0.2, 0.4471, 0.5, 0.93):
        at_most, at_least = binomial_tails(ks, ns, p)
        assert np.allclose(at_most, binom.cdf(ks, ns, p), rtol=1e-8, atol=1e-300)
        assert np.allclose(at_least, binom.sf(ks - 1, ns, p), rtol=1e-8, atol=1e-300)
    assert [list(t) for t in binomial_tails([0, 5], [5, 5], 0.0)] == [[1.0, 1.0], [1.0, 0.0]]


def test_the_command_line_starts_without_the_heavy_libraries():
    """`klagestat --help` must answer at once: scipy, matplotlib, python-docx and FastAPI are
    imported by the commands that use them, not by the command line itself."""
    import subprocess
    import sys

    code = ("import sys, klagestat.cli; "
            "print(sorted(m for m in ('scipy', 'matplotlib', 'docx', 'fastapi', 'openpyxl', 'alembic') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
