"""Inhabitants for rate rows: cases per 10,000 inhabitants, as Ankestyrelsen counts them.

A year's inhabitants are Statistics Denmark's population on 1 January (FOLK1A, first quarter).
A region or the nation has its own figure, else the sum of all its municipalities; a comparison
group is the sum of its members. Over several years the figures are per year: the cases over the
sum of each year's inhabitants.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from klagestat.domain.catalogue import Area, AreaLevel, Catalogue
from klagestat.domain.periods import YearSpan
from klagestat.store.population import inhabitants_on_1_january

MISSING_NOTE = ("Folketallet mangler for {name} i {years}, så sager pr. 10.000 indbyggere kan ikke opgøres. "
                "Importér Danmarks Statistiks FOLK1A med 'klagestat import population'.")


@dataclass(frozen=True)
class Inhabitants:
    """An area's inhabitants over a span: the yearly average (shown) and the sum over the years
    (the base of the per-10,000 figures); both None with a note when a year is missing."""

    average: int | None
    person_years: int | None
    note: str | None = None


class Population:
    def __init__(self, conn: Connection, catalogue: Catalogue, years: Sequence[int], as_of: dt.date | None,
                 members: dict[str, tuple[str, ...]]):
        self.catalogue = catalogue
        self.by_year, self.vintage_ids = inhabitants_on_1_january(conn, years, as_of)
        self.members = members  # group or region code → its municipalities

    def _year(self, area: Area, year: int) -> int | None:
        own = self.by_year.get((area.code, year))
        if own is not None or area.level is AreaLevel.MUNICIPALITY:
            return own
        if area.level is AreaLevel.NATIONAL:
            members = tuple(self.catalogue.municipalities)
        elif area.level is AreaLevel.REGION:
            members = self.catalogue.region_members(area.code)
        else:
            members = self.members.get(area.code, ())
        parts = [self.by_year.get((m, year)) for m in members]
        if not parts or any(p is None for p in parts):
            return None
        return sum(parts)

    def of(self, area: Area, span: YearSpan) -> Inhabitants:
        yearly = [self._year(area, y) for y in span.years]
        missing = [y for y, n in zip(span.years, yearly) if n is None]
        if missing:
            years = ", ".join(map(str, missing))
            return Inhabitants(None, None, MISSING_NOTE.format(name=area.name, years=years))
        total = sum(yearly)
        return Inhabitants((2 * total + len(yearly)) // (2 * len(yearly)), total)  # the average, half up

