"""From stored counts to figures: one area's outcome counts for a map, law, provision or area.

The rules that make a figure honest live here:
- a total is never added to its parts: a law's figure is its law-level row when there is one,
  else the sum of its provisions;
- `..` (not available) makes every sum it enters not available, never zero;
- a map needs data for every law it draws on; a provision-level map needs provision rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from klagestat.domain.areas import AreaConfig, key_area
from klagestat.domain.catalogue import Catalogue
from klagestat.domain.legal_basis import BasisLevel
from klagestat.domain.outcomes import Outcome, OutcomeCounts
from klagestat.store.statbank import CountRow

OUTCOME_VALUES = tuple(o.value for o in Outcome)


@dataclass(frozen=True, slots=True)
class Figure:
    """Counts for one group, or why there are none (`counts` None and a Danish `note`)."""

    counts: OutcomeCounts | None
    note: str | None = None

    def __add__(self, other: Figure) -> Figure:
        if self.counts is None or other.counts is None:
            return Figure(None, self.note or other.note)
        return Figure(self.counts + other.counts)


def unavailable(note: str) -> Figure:
    return Figure(None, note)


def _counts(by_outcome: dict[str, int | None]) -> OutcomeCounts | None:
    """Outcome counts from a {outcome: count} row; None if any is not available or none is given."""
    if not any(o in by_outcome for o in OUTCOME_VALUES):
        return None
    values = {}
    for o in OUTCOME_VALUES:
        v = by_outcome.get(o, 0)
        if v is None:
            return None
        values[o] = v
    return OutcomeCounts(**values)


@dataclass
class AreaYear:
    """Everything stored for one area in one year."""

    laws: dict[str, dict[str, int | None]] = field(default_factory=lambda: defaultdict(dict))
    provisions: dict[str, dict[str, int | None]] = field(default_factory=lambda: defaultdict(dict))
    provision_law: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    unmapped: dict[str, int | None] = field(default_factory=dict)
    vintages: set[int] = field(default_factory=set)

    def law_ids(self) -> set[str]:
        return set(self.laws) | set(self.provision_law.values())

    def provisions_of(self, law_id: str) -> list[str]:
        return [k for k, law in self.provision_law.items() if law == law_id]

    def provision_figure(self, key: str) -> Figure:
        counts = _counts(self.provisions[key])
        return Figure(counts) if counts else unavailable(f"{self.labels.get(key, key)}: tal ikke tilgængelige ('..')")

    def law_figure(self, law_id: str, catalogue: Catalogue) -> Figure | None:
        """The law's law-level row, else the sum of its provisions; None if the law has no data."""
        name = catalogue.laws[law_id].name if law_id in catalogue.laws else law_id
        if law_id in self.laws:
            counts = _counts(self.laws[law_id])
            if counts is not None:
                return Figure(counts)
        keys = self.provisions_of(law_id)
        if not keys:
            if law_id in self.laws:
                return unavailable(f"{name}: tal ikke tilgængelige ('..')")
            return None
        total = Figure(OutcomeCounts())
        for k in keys:
            total = total + self.provision_figure(k)
        return total


def collect(rows: list[CountRow]) -> dict[tuple[str, int], AreaYear]:
    """Group stored counts by (area code, year)."""
    data: dict[tuple[str, int], AreaYear] = defaultdict(AreaYear)
    for r in rows:
        ay = data[(r.area_code, r.year)]
        ay.vintages.add(r.vintage_id)
        if r.level == BasisLevel.LAW:
            ay.laws[r.law_id][r.outcome] = r.count
        elif r.level == BasisLevel.PROVISION:
            ay.provisions[r.provision_key][r.outcome] = r.count
            ay.provision_law[r.provision_key] = r.law_id
            ay.labels.setdefault(r.provision_key, r.label or r.provision_key)
        elif r.level == BasisLevel.UNMAPPED:
            ay.unmapped[r.outcome] = r.count
    return data


def map_figure(ay: AreaYear, catalogue: Catalogue, map_code: str, year: int) -> Figure | None:
    """One area's figure for a map in a year; None when the map did not exist that year."""
    definition = catalogue.maps[map_code]
    period = definition.period(year)
    if period is None:
        return None
    total = Figure(OutcomeCounts())
    for law_id in sorted(period.laws):
        law = catalogue.laws[law_id].name
        figure = ay.law_figure(law_id, catalogue)
        if figure is None:
            return unavailable(f"Ingen tal for {law} i {year}, som indgår i kortet.")
        total = total + figure
    for law_id in sorted(period.paragraphs):
        law = catalogue.laws[law_id].name
        keys = ay.provisions_of(law_id)
        if not keys:
            if law_id in ay.laws:
                return unavailable(f"{law} findes kun på lovniveau i {year}; kortet kræver tal pr. paragraf.")
            return unavailable(f"Ingen tal for {law} i {year}, som indgår i kortet.")
        for k in keys:
            if catalogue.map_contains(map_code, year, k):
                total = total + ay.provision_figure(k)
    return total


def group_figures(
    ay: AreaYear,
    catalogue: Catalogue,
    year: int,
    by: str,
    map_code: str | None,
    areas: AreaConfig | None,
) -> dict[str, Figure]:
    """Figures per group (law id, provision key or area name), optionally within one map."""
    result: dict[str, Figure] = {}
    if by == "law":
        for law_id in sorted(ay.law_ids()):
            if map_code is None or catalogue.map_covers_whole_law(map_code, year, law_id):
                figure = ay.law_figure(law_id, catalogue)
            elif law_id in catalogue.map_laws(map_code, year):
                figure = Figure(OutcomeCounts())
                for k in ay.provisions_of(law_id):
                    if catalogue.map_contains(map_code, year, k):
                        figure = figure + ay.provision_figure(k)
            else:
                continue
            if figure is not None:
                result[law_id] = figure
        if ay.unmapped and map_code is None:
            counts = _counts(ay.unmapped)
            result["?"] = Figure(counts) if counts else unavailable("Ukendt lovgrundlag: tal ikke tilgængelige")
    elif by == "provision":
        for key in sorted(ay.provisions):
            if map_code is None or catalogue.map_contains(map_code, year, key):
                result[key] = ay.provision_figure(key)
    elif by == "area":
        assert areas is not None
        for law_id in sorted(ay.law_ids()):
            if map_code is not None and law_id not in catalogue.map_laws(map_code, year):
                continue
            keys = ay.provisions_of(law_id)
            if keys:
                for key in keys:
                    if map_code is not None and not catalogue.map_contains(map_code, year, key):
                        continue
                    name = key_area(areas, key, catalogue.provision_label(key, year))
                    result[name] = result.get(name, Figure(OutcomeCounts())) + ay.provision_figure(key)
            else:
                figure = ay.law_figure(law_id, catalogue)
                if figure is None:
                    continue
                name = areas.area_for(law_id, None, catalogue.laws[law_id].name)
                result[name] = result.get(name, Figure(OutcomeCounts())) + figure
    else:
        raise ValueError(f"unknown grouping {by!r}")
    return result
