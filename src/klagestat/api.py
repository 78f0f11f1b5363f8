"""The Python API: one function for each command, so anything typed can also be scripted.

    from klagestat import api
    engine = api.open_database("klagestat.db")
    api.import_statbank(engine, ["ankeast2.csv"])
    table = api.rates(engine, years="2024", municipalities=["Lejre"])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from klagestat.analysis.rates import GROUPINGS, RateTable, compute_rates
from klagestat.analysis.vintages import narrower_than_before
from klagestat.catalogue import load_catalogue
from klagestat.domain.catalogue import AreaLevel, Catalogue
from klagestat.domain.legal_basis import BasisLevel
from klagestat.domain.periods import YearSpan, parse_year_spans
from klagestat.domain.rates import Definition
from klagestat.ingest.areas_file import read_areas
from klagestat.ingest.label_map import LabelMap, read_label_map
from klagestat.ingest.problems import IMPORT_FOOTER, InputError, Problem
from klagestat.ingest.statbank import StatbankData, read_statbank
from klagestat.store.database import migrate, open_database
from klagestat.store.statbank import NewVintage, VintageInfo, find_vintage, slot_law_key, write_vintage

__all__ = ["open_database", "import_statbank", "rates", "demo", "ImportReport", "InputError"]


@dataclass
class ImportReport:
    file: str
    status: str  # "imported" or "unchanged" (the same file was imported before)
    vintage: VintageInfo | None
    cells: int = 0
    derived: int = 0
    years: list[int] = field(default_factory=list)
    municipalities: int = 0
    national: bool = False
    unmapped_labels: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    format: str = ""


def _bad_input(message: str, file: str = "kommandolinjen") -> InputError:
    return InputError([Problem(file, message)], headline="Kommandoen kan ikke udføres:")


def _slots(data: StatbankData) -> list[tuple]:
    return data.cells.slots([slot_law_key(b.ref.level.value, b.ref.law_id) for b in data.bases])


def import_statbank(
    engine: Engine,
    files: Sequence[str | Path],
    as_of: dt.date | None = None,
    label_map: str | Path | None = None,
    allow_unmapped: bool = False,
    synthetic: bool = False,
    catalogue: Catalogue | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[ImportReport]:
    """Import statistics-bank files, each as one vintage in one transaction.

    Every file is read and validated before anything is written, so a bad file among several
    imports nothing. A file already imported (same content hash) changes nothing.
    """
    catalogue = catalogue or load_catalogue()
    as_of = as_of or dt.date.today()
    try:
        mapping = read_label_map(Path(label_map), catalogue) if label_map else LabelMap()
    except InputError as e:
        raise InputError(e.problems, e.headline, e.hint, IMPORT_FOOTER) from None
    parsed = []
    for f in files:
        if progress:
            progress(f"Læser {f}")
        parsed.append(read_statbank(Path(f), catalogue, mapping, allow_unmapped))
    # Only now, with every file valid, is the database created or migrated.
    migrate(engine)
    reports = []
    with engine.begin() as conn:
        for data in parsed:
            existing = find_vintage(conn, data.sha256)
            if existing is not None:
                reports.append(ImportReport(data.file, "unchanged", existing, format=data.format))
                continue
            if progress:
                progress(f"Gemmer {data.file}")
            written = write_vintage(
                conn,
                NewVintage(Path(data.file).name, data.format, data.sha256, as_of, synthetic, len(data.cells)),
                [(b.id, b.label, b.ref.level.value, b.ref.law_id, b.ref.provision_key) for b in data.bases],
                data.cells.columns(),
                _slots(data),
            )
            notes = data.notes + narrower_than_before(conn, written.id, catalogue)
            reports.append(ImportReport(
                file=data.file, status="imported", vintage=written, cells=len(data.cells),
                derived=int(data.cells.derived.sum()), years=data.years,
                municipalities=sum(1 for lvl in data.areas.values() if lvl is AreaLevel.MUNICIPALITY),
                national=any(lvl is AreaLevel.NATIONAL for lvl in data.areas.values()),
                unmapped_labels=[b.label for b in data.bases if b.ref.level is BasisLevel.UNMAPPED],
                notes=notes, format=data.format,
            ))
    return reports


def parse_years(text: str) -> list[YearSpan]:
    spans = parse_year_spans(str(text))
    if spans is None:
        raise _bad_input(f"Ugyldigt år {text!r}. Skriv fx 2024, 2021,2022,2023 eller 2022-2024 (samlet).")
    return spans


def resolve_municipalities(names: Sequence[str], catalogue: Catalogue) -> list[str]:
    codes = []
    for name in names:
        m = catalogue.find_municipality(name)
        if m is None:
            raise _bad_input(f"Ukendt kommune {name!r}. Skriv kommunens navn eller kode (fx 'Lejre' eller '350').")
        codes.append(m.code)
    return codes


def resolve_regions(names: Sequence[str], catalogue: Catalogue) -> list[str]:
    codes = []
    for name in names:
        area = catalogue.find_area(name)
        if area is None or area.level is not AreaLevel.REGION:
            raise _bad_input(f"Ukendt region {name!r}. Skriv fx 'Region Hovedstaden' eller '1084'.")
        codes.append(area.code)
    return codes


def rates(
    engine: Engine,
    years: str | int | Sequence[YearSpan],
    municipalities: Sequence[str] = (),
    maps: Sequence[str] = (),
    by: str = "map",
    areas: str | Path | None = None,
    definition: str | Definition = Definition.OFFICIAL,
    as_of: dt.date | None = None,
    regions: Sequence[str] = (),
    neighbours: bool = False,
    national_only: bool = False,
    catalogue: Catalogue | None = None,
) -> RateTable:
    """Reversal rates as `klagestat rates` shows them; see analysis.rates.compute_rates."""
    catalogue = catalogue or load_catalogue()
    spans = parse_years(str(years)) if isinstance(years, (str, int)) else list(years)
    for m in maps:
        if m not in catalogue.maps:
            raise _bad_input(f"Ukendt kort {m!r}. Vælg mellem {', '.join(catalogue.maps)}.")
    if by not in GROUPINGS:
        raise _bad_input(f"Ukendt opdeling {by!r}. Vælg mellem {', '.join(GROUPINGS)}.")
    if by != "map" and len(maps) > 1:
        raise _bad_input(f"--by {by} kan kun bruges med ét --map ad gangen (eller intet).")
    if by == "area" and not areas:
        raise _bad_input("--by area kræver en områdefil med --areas FIL.")
    area_config = read_areas(Path(areas), catalogue) if areas else None
    codes = resolve_municipalities(municipalities, catalogue) if municipalities else None
    if national_only:
        codes = []
    groups = []
    if neighbours and not codes:
        raise _bad_input("--neighbours kræver mindst én --municipality, hvis nabokommuner skal vises.")
    if neighbours and codes:
        # Each municipality's neighbours as rows of their own, and pooled as a comparison group.
        groups = list(codes)
        for code in list(codes):
            codes.extend(n for n in catalogue.municipalities[code].neighbours if n not in codes)
    with engine.connect() as conn:
        return compute_rates(
            conn, catalogue, spans, municipalities=codes, maps=list(maps) or None, by=by,
            areas=area_config, definition=Definition(definition), as_of=as_of,
            regions=resolve_regions(regions, catalogue), comparison_groups=groups,
        )


def demo(db: str, folder: str | Path = "demo", progress: Callable[[str], None] | None = None) -> RateTable:
    """Build the synthetic demo database (as `klagestat demo`); returns the national summary."""
    from klagestat.demo.build import build_demo  # the demo build itself uses this API

    return build_demo(db, Path(folder), progress=progress)
