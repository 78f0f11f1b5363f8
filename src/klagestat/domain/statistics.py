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
from scipy.stats import binom, norm

Z95 = float(norm.ppf(0.975))  # 1.959963984540054


class FunnelClass(StrEnum):
    ABOVE = "above"
    WITHIN = "within"
    BELOW = "below"


# The two conventional funnel levels: about 2 and 3 standard deviations.
FUNNEL_LEVELS = (0.95, 0.998)


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
    r = binom.ppf(q, ns, p0)
    cdf_r = binom.cdf(r, ns, p0)
    step = cdf_r - binom.cdf(r - 1, ns, p0)
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
    k = np.asarray(reversed_, dtype=float)
    n = np.asarray(ns, dtype=float)
    p0 = float(national_rate)
    tail = (1 - level) / 2
    at_least = binom.sf(k - 1, n, p0)  # P(X >= k)
    at_most = binom.cdf(k, n, p0)  # P(X <= k)
    return [
        FunnelClass.ABOVE if hi < tail else FunnelClass.BELOW if lo < tail else FunnelClass.WITHIN
        for hi, lo in zip(at_least.tolist(), at_most.tolist())
    ]


def funnel_class(reversed_: int, n: int, national_rate: Fraction | float, level: float) -> FunnelClass:
    return funnel_classes([reversed_], [n], national_rate, level)[0]
