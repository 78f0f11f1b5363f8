"""Danish presentation of numbers: the one place where figures are rounded.

Municipalities show whole percents ("63 %"), the national level one decimal ("44,9 %"), with a
decimal comma and a space before %. Rounding is half up, once, from the exact fraction, so
36.25 % shows as "36 %" and 62.5 % as "63 %", never from already rounded parts.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

from babel.numbers import format_decimal

LOCALE = "da_DK"
PERCENT_SPACE = " "


def round_half_up(value: Fraction, decimals: int = 0) -> Decimal:
    scale = 10**decimals
    rounded = math.floor(value * scale + Fraction(1, 2))
    return Decimal(rounded).scaleb(-decimals)


def _decimal(value: Decimal, decimals: int) -> str:
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    # The value is already rounded exactly; Babel only lays it out (decimal comma, dot thousands).
    return format_decimal(value, format=pattern, locale=LOCALE, decimal_quantization=False)


def percent(rate: Fraction | None, decimals: int = 0, missing: str = "–") -> str:
    """A rate (0..1) as a Danish percent: percent(Fraction(41, 65)) == "63 %"."""
    if rate is None:
        return missing
    return _decimal(round_half_up(rate * 100, decimals), decimals) + PERCENT_SPACE + "%"


def municipal_percent(rate: Fraction | None) -> str:
    return percent(rate, 0)


def national_percent(rate: Fraction | None) -> str:
    return percent(rate, 1)


def points(difference: Fraction | None, decimals: int = 1, missing: str = "–") -> str:
    """A difference of rates in percentage points: "-1,4"; "+18,1"."""
    if difference is None:
        return missing
    magnitude = round_half_up(abs(difference) * 100, decimals)
    text = _decimal(magnitude, decimals)
    if magnitude == 0:
        return text
    return ("-" if difference < 0 else "+") + text


def count(n: int | None, missing: str = "–") -> str:
    """A whole number with Danish thousands separator: 10.000."""
    if n is None:
        return missing
    return format_decimal(n, format="#,##0", locale=LOCALE)


MONTHS_DA = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
             "november", "december")


def long_date(day) -> str:
    """A date as Danish prose writes it: "1. juli 2025"."""
    return f"{day.day}. {MONTHS_DA[day.month - 1]} {day.year}"


def whole(value: float | Fraction | None, missing: str = "–") -> str:
    """A number shown as a whole count, rounded half up from its exact value: 2.5 → "3"."""
    if value is None:
        return missing
    return count(int(round_half_up(Fraction(value))))


def counted(n: int, one: str, many: str) -> str:
    """A count with its noun in the right number: counted(1, "felt", "felter") == "1 felt"."""
    return f"{count(n)} {one if n == 1 else many}"


def per_10000(value: Fraction | None, missing: str = "–") -> str:
    """Cases per 10,000 inhabitants with one decimal, rounded half up from the exact fraction: "3,4"."""
    if value is None:
        return missing
    return _decimal(round_half_up(value, 1), 1)


def days(value: Fraction | None, missing: str = "–") -> str:
    """A number of days, whole, rounded half up: "88"."""
    if value is None:
        return missing
    return _decimal(round_half_up(value, 0), 0)


def interval(ci: tuple[float, float] | None, missing: str = "–") -> str:
    """A confidence interval in whole percents: "51-74 %"."""
    if ci is None:
        return missing
    low = round_half_up(Fraction(ci[0]) * 100)
    high = round_half_up(Fraction(ci[1]) * 100)
    return f"{low}-{high}{PERCENT_SPACE}%"


def kroner(amount: int) -> str:
    """Kroner as committee minutes write them: "450.000 kr."; from a million "1,35 mio. kr." (up to
    two decimals, rounded half up, no trailing zeros: "2,5 mio. kr.", "3 mio. kr.")."""
    if abs(amount) < 1_000_000:
        return f"{count(amount)} kr."
    millions = round_half_up(Fraction(amount, 1_000_000), 2).normalize()
    decimals = max(0, -millions.as_tuple().exponent)  # type: ignore[operator]
    return f"{_decimal(millions, decimals)} mio. kr."


def p_value(p: float | None, missing: str = "–") -> str:
    """A test's p-value with three decimals ("0,034"), and "under 0,001" below what three show."""
    if p is None:
        return missing
    if p < 0.001:
        return "under " + _decimal(Decimal("0.001"), 3)
    return _decimal(round_half_up(Fraction(p), 3), 3)


def level_percent(level: float) -> str:
    """A confidence level: "95 %", "99,8 %", with as many decimals as it needs."""
    exact = Fraction(str(level))
    return percent(exact, 0 if (exact * 100).denominator == 1 else 1)
