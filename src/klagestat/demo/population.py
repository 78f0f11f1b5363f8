"""The demo's synthetic population: Statistics Denmark's FOLK1A layout (OMRÅDE;TID;INDHOLD), every
municipality, region and the nation on the first day of each quarter.

Plausible, never real: each municipality's size in the catalogue is its size in 2024, and the
population grows by a fixed yearly rate (a little more in the cities), so a year's figures are
those of its first quarter, as for the real table.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from klagestat.catalogue import load_catalogue
from klagestat.domain.catalogue import Catalogue
from klagestat.ingest.input_file import SYNTHETIC_LINE

FILE_NAME = "folk1a-syntetisk-demo.csv"
BASE_YEAR = 2024
CITY_SIZE = 100_000  # municipalities above this grow faster
GROWTH = {False: 0.003, True: 0.009}  # a year, by whether the municipality is a city


def demo_population(years: Iterable[int], catalogue: Catalogue) -> list[tuple[str, str, int]]:
    """(area name, TID, inhabitants) for every quarter of the years."""
    rows = []
    for year in sorted(set(years)):
        for quarter in (1, 2, 3, 4):
            elapsed = year - BASE_YEAR + (quarter - 1) / 4
            people = {code: round(m.population * (1 + GROWTH[m.population > CITY_SIZE]) ** elapsed)
                      for code, m in catalogue.municipalities.items()}
            period = f"{year}K{quarter}"
            rows.append((catalogue.national_name, period, sum(people.values())))
            for region in catalogue.regions.values():
                rows.append((region.name, period, sum(people[c] for c in catalogue.region_members(region.code))))
            rows += [(catalogue.municipalities[c].name, period, n) for c, n in people.items()]
    return rows


def write_demo_population(folder: Path, years: Iterable[int], catalogue: Catalogue | None = None) -> Path:
    catalogue = catalogue or load_catalogue()
    lines = (["OMRÅDE;TID;INDHOLD"] + [f"{area};{period};{n}" for area, period, n in demo_population(years, catalogue)]
             + [SYNTHETIC_LINE])  # the mark the importer reads
    path = Path(folder) / FILE_NAME
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
