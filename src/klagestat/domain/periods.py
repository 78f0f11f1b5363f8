"""Statistics periods: a year (`2024`) or a quarter (`2024K1`; the Talportal writes
`2024 - 1. kvartal` and shows `1. kvartal 2024`)."""

from __future__ import annotations

import datetime as dt
import re
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
