"""Uncertainty: the Wilson score interval and funnel-plot control limits.

Funnel limits follow Spiegelhalter (2005), "Funnel plots for comparing institutional
performance": exact binomial quantiles around the national rate, interpolated so the limits are
smooth in n; they are for drawing. The classification is the exact binomial test behind them:
a municipality is `above` when so many reversals on its number of cases would happen by chance
less than (1 - level) / 2 of the time at the national rate, `below` likewise for so few, and
`within` otherwise. (The interpolated limits would call 1 reversal in 1 case "above".)
"""

from __future__ import annotations

import math
from enum import StrEnum
from fractions import Fraction

import numpy as np

Z95 = 1.959963984540054  # the standard normal's 97.5 % quantile, as scipy.special.ndtri(0.975) gives it


class FunnelClass(StrEnum):
    ABOVE = "above"
    WITHIN = "within"
    BELOW = "below"


# Fewer cases than this, and one case moves the rate a lot: every figure gets its uncertainty
# spelled out (the reports), and is flagged (the command line's table).
FEW_CASES = 20

# The two conventional funnel levels: about 2 and 3 standard deviations.
FUNNEL_LEVELS = (0.95, 0.998)

# How a municipality compares, in a sentence, a table cell or a spreadsheet.
FUNNEL_NAMES_DA = {
    FunnelClass.ABOVE: "over landsplan",
    FunnelClass.WITHIN: "inden for normal variation",
    FunnelClass.BELOW: "under landsplan",
}


# The binomial functions for the funnel limits (drawing) are scipy.special's, imported where
# used: scipy takes a fifth of a second to import, which `klagestat rates` should not wait for.
# The classification (every rate row) sums the exact binomial probabilities itself.

def _binomial_cdf(k: np.ndarray, n: np.ndarray, p: float) -> np.ndarray:
    """P(X <= k) for X ~ Bin(n, p), as scipy.stats.binom.cdf (0 below 0)."""
    from scipy.special import bdtr

    k = np.floor(k)
    return np.where(k < 0, 0.0, bdtr(np.maximum(k, 0).astype(np.int64), np.asarray(n).astype(np.int64), p))


def _binomial_quantile(q: float, n: np.ndarray, p: float) -> np.ndarray:
    """The smallest r with P(X <= r) >= q, as scipy.stats.binom.ppf computes it."""
    from scipy.special import bdtrik

    r = np.ceil(bdtrik(q, n, p))
    below = np.maximum(r - 1, 0)
    return np.minimum(np.where(_binomial_cdf(below, n, p) >= q, below, r), n)


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for a proportion; None when n is 0."""
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError(f"successes {successes} outside 0..{n}")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = (z / (1 + z2 / n)) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    low, high = centre - half, centre + half
    # Exact ends: with no successes the lower bound is 0, with all successes the upper is 1.
    if successes == 0:
        low = 0.0
    if successes == n:
        high = 1.0
    return max(0.0, low), min(1.0, high)


def _binomial_limits(ns: np.ndarray, p0: float, q: float) -> np.ndarray:
    """Spiegelhalter's interpolated binomial quantile, divided by n, for many n at once."""
    r = _binomial_quantile(q, ns, p0)
    cdf_r = _binomial_cdf(r, ns, p0)
    step = cdf_r - _binomial_cdf(r - 1, ns, p0)
    alpha = np.divide(cdf_r - q, step, out=np.zeros_like(cdf_r), where=step > 0)
    return np.clip((r - alpha) / ns, 0.0, 1.0)


def funnel_limits_many(national_rate: Fraction | float, ns, level: float) -> list[tuple[float, float]]:
    """Lower and upper control limits around the national rate for each number of cases."""
    ns = np.asarray(list(ns), dtype=float)
    if (ns <= 0).any():
        raise ValueError("funnel limits need at least one case")
    p0 = float(national_rate)
    if p0 <= 0.0 or p0 >= 1.0:
        return [(p0, p0)] * len(ns)
    tail = (1 - level) / 2
    lows = _binomial_limits(ns, p0, tail)
    highs = _binomial_limits(ns, p0, 1 - tail)
    return list(zip(lows.tolist(), highs.tolist()))


def funnel_limits(national_rate: Fraction | float, n: int, level: float) -> tuple[float, float]:
    """Lower and upper control limits for a rate on n cases around the national rate."""
    return funnel_limits_many(national_rate, [n], level)[0]


def funnel_classes(reversed_: list[int], ns: list[int], national_rate: Fraction | float, level: float) -> list[FunnelClass]:
    """Above / within / below the national rate for each (reversed, cases), by exact binomial tails."""
    tail = (1 - level) / 2
    at_most, at_least = binomial_tails(reversed_, ns, float(national_rate))
    return [FunnelClass.ABOVE if hi < tail else FunnelClass.BELOW if lo < tail else FunnelClass.WITHIN
            for lo, hi in zip(at_most.tolist(), at_least.tolist())]


def binomial_tails(ks, ns, p: float) -> tuple[np.ndarray, np.ndarray]:
    """(P(X <= k), P(X >= k)) for X ~ Bin(n, p), for each (k, n): the probabilities of 0..n
    summed, each from log-factorials (relative error below 1e-9 for n in the tens of thousands),
    all rows in one pass over their outcomes."""
    ks, ns = np.asarray(ks, dtype=np.int64), np.asarray(ns, dtype=np.int64)
    if len(ns) == 0:
        return np.zeros(0), np.zeros(0)
    if p <= 0.0 or p >= 1.0:  # every outcome is 0 (or n)
        x = np.zeros_like(ns) if p <= 0.0 else ns
        return (ks >= x).astype(float), (ks <= x).astype(float)
    starts = np.concatenate(([0], np.cumsum(ns + 1)[:-1]))
    row = np.repeat(np.arange(len(ns)), ns + 1)
    outcome = np.arange(int((ns + 1).sum())) - starts[row]  # 0..n of each row, one after another
    n = ns[row]
    log_factorial = _log_factorials(int(ns.max()))
    pmf = np.exp(log_factorial[n] - log_factorial[outcome] - log_factorial[n - outcome]
                 + outcome * math.log(p) + (n - outcome) * math.log1p(-p))
    lower = np.add.reduceat(np.where(outcome <= ks[row], pmf, 0.0), starts)
    upper = np.add.reduceat(np.where(outcome >= ks[row], pmf, 0.0), starts)
    return np.minimum(lower, 1.0), np.minimum(upper, 1.0)


_LOG_FACTORIALS = np.zeros(1)


def _log_factorials(n: int) -> np.ndarray:
    """log(k!) for k = 0..n at least, kept between calls (grown as needed)."""
    global _LOG_FACTORIALS
    if len(_LOG_FACTORIALS) <= n:
        size = max(n + 1, 2 * len(_LOG_FACTORIALS))
        _LOG_FACTORIALS = np.concatenate(([0.0], np.cumsum(np.log(np.arange(1, size, dtype=float)))))
    return _LOG_FACTORIALS


def funnel_class(reversed_: int, n: int, national_rate: Fraction | float, level: float) -> FunnelClass:
    return funnel_classes([reversed_], [n], national_rate, level)[0]
