"""Periods. The statistics' periods: a year (`2024`) or a quarter (`2024K1`; the Talportal
writes `2024 - 1. kvartal` and shows `1. kvartal 2024`); spans of years (`2022-2024`); and the
ranges of days a complaint report from the register can cover (`2025H1`, `2025-01-01..2025-06-30`)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

_PERIOD = re.compile(r"^\s*(\d{4})\s*(?:[KkQq]\s*([1-4]))?\s*$")
_TALPORTAL_QUARTER = (re.compile(r"^\s*(\d{4})\s*[-–]?\s*([1-4])\.?\s*kvartal\s*$", re.IGNORECASE),
                      re.compile(r"^\s*([1-4])\.?\s*kvartal\s*(\d{4})\s*$", re.IGNORECASE))
_YEARS = re.compile(r"^\s*(\d{4})\s*(?:-|–|\.\.)\s*(\d{4})\s*$")


@dataclass(frozen=True, order=True, slots=True)
class Period:
    year: int
    quarter: int = 0  # 0 means the whole year

    @property
    def is_year(self) -> bool:
        return self.quarter == 0

    def label(self) -> str:
        return str(self.year) if self.is_year else f"{self.year}K{self.quarter}"

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, 1 if self.is_year else 3 * self.quarter - 2, 1)


def parse_period(text: str) -> Period | None:
    m = _PERIOD.match(text)
    if m:
        year, quarter = int(m.group(1)), int(m.group(2) or 0)
    elif m := _TALPORTAL_QUARTER[0].match(text):
        year, quarter = int(m.group(1)), int(m.group(2))
    elif m := _TALPORTAL_QUARTER[1].match(text):
        year, quarter = int(m.group(2)), int(m.group(1))
    else:
        return None
    if not 1990 <= year <= 2100:
        return None
    return Period(year, quarter)


@dataclass(frozen=True, slots=True)
class YearSpan:
    """The years a figure covers: one year, or several pooled (`2022-2024`)."""

    first: int
    last: int

    @property
    def years(self) -> range:
        return range(self.first, self.last + 1)

    @property
    def is_single(self) -> bool:
        return self.first == self.last

    def label(self) -> str:
        return str(self.first) if self.is_single else f"{self.first}-{self.last}"

    def json_value(self) -> int | str:
        return self.first if self.is_single else self.label()


def parse_year_spans(text: str) -> list[YearSpan] | None:
    """`2024` → one span; `2021,2022` → two spans; `2022-2024` → one pooled span."""
    spans = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        m = _YEARS.match(part)
        if m:
            first, last = int(m.group(1)), int(m.group(2))
            if first > last:
                return None
            spans.append(YearSpan(first, last))
        elif re.fullmatch(r"\d{4}", part):
            spans.append(YearSpan(int(part), int(part)))
        else:
            return None
    return spans or None


_HALF = re.compile(r"^\s*(\d{4})\s*[Hh]\s*([12])\s*$")
_DATE_RANGE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})\s*$")


@dataclass(frozen=True, slots=True)
class DateRange:
    """The days a complaint report covers, first and last included: a year (`2025`), a half
    (`2025H1`), a quarter (`2025K3`) or any range of days (`2025-01-01..2025-06-30`)."""

    first: dt.date
    last: dt.date
    name: str = ""  # "2025", "1. halvår 2025", "3. kvartal 2025"; empty for a range of days

    @property
    def years(self) -> list[int]:
        """The calendar years the range touches."""
        return list(range(self.first.year, self.last.year + 1))

    @property
    def is_calendar_year(self) -> bool:
        return (self.first.year == self.last.year and (self.first.month, self.first.day) == (1, 1)
                and (self.last.month, self.last.day) == (12, 31))

    def code(self) -> str:
        """As `parse_date_range` reads it: 2025, 2025H1, 2025K3, 2025-01-01..2025-06-30."""
        for text in (str(self.first.year), f"{self.first.year}H{1 + (self.first.month > 6)}",
                     f"{self.first.year}K{(self.first.month + 2) // 3}"):
            named = parse_date_range(text)
            if named is not None and (named.first, named.last) == (self.first, self.last):
                return text
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    def label(self) -> str:
        """For a column header: 2025, 1. halvår 2025, 1.1.2025–30.6.2025."""
        return self.name or f"{_short(self.first)}–{_short(self.last)}"

    def in_words(self) -> str:
        """After a verb: "afgjort i 1. halvår 2025", "afgjort i perioden 1.1.2025–30.6.2025"."""
        return f"i {self.name}" if self.name else f"i perioden {self.label()}"

    def year_before(self) -> DateRange:
        """The same days a year earlier (29 February becomes the 28th; a range that ends with a
        month ends with that month a year earlier, so 1.1.–28.2.2025 becomes 1.1.–29.2.2024)."""
        last = _year_earlier(self.last)
        if (self.last + dt.timedelta(days=1)).day == 1:
            last = _month_end(last)
        return DateRange(_year_earlier(self.first), last,
                         re.sub(r"\d{4}$", str(self.last.year - 1), self.name) if self.name else "")


Years = Sequence[int] | DateRange  # the register analyses take either: calendar years, or a range of days


def _short(day: dt.date) -> str:
    return f"{day.day}.{day.month}.{day.year}"


def _year_earlier(day: dt.date) -> dt.date:
    if (day.month, day.day) == (2, 29):
        return dt.date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


def _month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def year_range(year: int) -> DateRange:
    return DateRange(dt.date(year, 1, 1), dt.date(year, 12, 31), str(year))


def parse_date_range(text: str) -> DateRange | None:
    """`2025`, `2025H1`/`2025H2`, `2025K1`…`2025K4` (or Q) and `2025-01-01..2025-06-30`; None
    when the text is none of these, the days are not real dates or the range runs backwards."""
    if m := _HALF.match(text):
        year, half = int(m.group(1)), int(m.group(2))
        first = dt.date(year, 1 if half == 1 else 7, 1)
        last = dt.date(year, 6, 30) if half == 1 else dt.date(year, 12, 31)
        return DateRange(first, last, f"{half}. halvår {year}") if 1990 <= year <= 2100 else None
    if m := _DATE_RANGE.match(text):
        try:
            first, last = dt.date.fromisoformat(m.group(1)), dt.date.fromisoformat(m.group(2))
        except ValueError:
            return None
        if first > last or first.year < 1990 or last.year > 2100:
            return None
        days = DateRange(first, last)
        code = days.code()
        return days if ".." in code else parse_date_range(code)  # a whole year, half or quarter by its name
    period = parse_period(text)
    if period is None:
        return None
    if period.is_year:
        return year_range(period.year)
    first = period.first_day
    end = dt.date(period.year + 1, 1, 1) if period.quarter == 4 else dt.date(period.year, first.month + 3, 1)
    return DateRange(first, end - dt.timedelta(days=1), f"{period.quarter}. kvartal {period.year}")
