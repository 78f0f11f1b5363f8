"""The Python API: one function for each command, so anything typed can also be scripted.

    from klagestat import api
    engine = api.open_database("klagestat.db")
    api.import_statbank(engine, ["ankeast2.csv"])
    table = api.rates(engine, years="2024", municipalities=["Lejre"])
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import Engine

from klagestat.analysis.complaints_report import complaint_report
from klagestat.analysis.danmarkskort import DanmarkskortCase, danmarkskort_case
from klagestat.analysis.danmarkskort import danmarkskort_cases as analysis_danmarkskort_cases
from klagestat.analysis.plan_effect import PlanEffect
from klagestat.analysis.plan_effect import plan_effect as analysis_plan_effect
from klagestat.analysis.plan_status import PlanStatus
from klagestat.analysis.plan_status import plan_status as analysis_plan_status
from klagestat.analysis.rates import RateTable, compute_rates
from klagestat.analysis.reconcile import Reconciliation
from klagestat.analysis.reconcile import reconcile as reconcile_register
from klagestat.analysis.register import ANALYSES, RegisterAnalysis, register_analysis
from klagestat.analysis.vintages import narrower_than_before
from klagestat.catalogue import load_catalogue, load_register_vocabulary
from klagestat.domain.accounts import Role, hash_password, password_problem
from klagestat.domain.catalogue import NATIONAL_CODE, AreaLevel, Catalogue
from klagestat.domain.comments import checked_comment
from klagestat.domain.cpr import contains_cpr, mask_cpr
from klagestat.domain.legal_basis import BasisLevel
from klagestat.domain.periods import DateRange, YearSpan, parse_date_range, parse_year_spans, year_range
from klagestat.domain.plan import Plan, plan_data, plan_from_data
from klagestat.domain.problems import IMPORT_FOOTER, InputError, NoDataError, Problem
from klagestat.domain.rates import CASES, GROUPINGS, SOURCES, STATBANK, Definition
from klagestat.domain.register import CASE_FIELDS, RegisterVocabulary
from klagestat.ingest.areas_file import read_areas
from klagestat.ingest.boundaries import read_boundaries
from klagestat.ingest.bulk import collector_paused
from klagestat.ingest.decisions_file import read_decisions
from klagestat.ingest.label_map import LabelMap, read_label_map
from klagestat.ingest.plan_file import Label, Place, check_plan, read_plan
from klagestat.ingest.population import read_population
from klagestat.ingest.pseudonym_key import load_key, secret_file
from klagestat.ingest.register import (
    ColumnChoice,
    ColumnsFile,
    RegisterReader,
    RegisterSummary,
    RejectedRow,
    choose_columns,
    content_hashes,
    read_columns_file,
)
from klagestat.ingest.register_files import SheetRows, open_case_file
from klagestat.ingest.statbank import StatbankData, read_statbank
from klagestat.store import accounts, audit
from klagestat.store.comments import comments_version, save_comment
from klagestat.store.database import (
    IMPORT_WAIT_SECONDS,
    DatabaseBusy,
    bulk_write_settings,
    migrate,
    open_database,
    wait_for_other_imports,
)
from klagestat.store.plans import PlanVersion, current_plan, plan_versions, save_plan
from klagestat.store.population import write_population
from klagestat.store.register import (
    CaseImportInfo,
    case_count,
    existing_cases,
    find_case_import,
    finish_case_import,
    key_fingerprint_of,
    remember_key_fingerprint,
    start_case_import,
    write_register,
)
from klagestat.store.register_cases import current_texts, replace_version
from klagestat.store.statbank import NewVintage, VintageInfo, find_vintage, slot_law_key, write_vintage
from klagestat.store.statbank import statistics_version as store_statistics_version
from klagestat.store.statbank import statistics_years as store_statistics_years
from klagestat.store.statbank import vintages_of_years as store_vintages_of_years

__all__ = ["open_database", "import_statbank", "import_population", "import_cases", "rates", "reconcile", "analyse",
           "report_danmarkskort", "report_danmarkskort_all", "report_complaints", "add_user", "user_by_email",
           "edit_case_learning", "statistics_version", "statistics_years", "statistics_vintages_of_years",
           "danmarkskort_cases", "plan_import", "plan_save", "plan_of", "plan_export", "plan_effect", "plan_status",
           "plan_overview", "comment_save", "check", "report_period", "backup", "restore", "ImportReport",
           "CaseImportReport", "PlanImportReport", "InputError", "NoDataError"]

if TYPE_CHECKING:  # imported by the functions that need them (the command line starts faster)
    from klagestat.check import CheckResult


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


def _bad_input(message: str, file: str = "kommandolinjen", code: str = "command-line") -> InputError:
    return InputError([Problem(file, message, code=code)], headline="Kommandoen kan ikke udføres:")


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
        with collector_paused():
            parsed.append(read_statbank(Path(f), catalogue, mapping, allow_unmapped))
    # Only now, with every file valid, is the database created or migrated.
    migrate(engine)
    reports = []
    with engine.begin() as conn:
        _wait_for_other_imports(conn, "statistics", ", ".join(str(f) for f in files))
        for data in parsed:
            existing = find_vintage(conn, data.sha256)
            if existing is not None:
                reports.append(ImportReport(data.file, "unchanged", existing, format=data.format))
                continue
            if progress:
                progress(f"Gemmer {data.file}")
            written = write_vintage(
                conn,
                NewVintage(Path(data.file).name, data.format, data.sha256, as_of, synthetic or data.synthetic,
                           len(data.cells)),
                [(b.id, b.label, b.ref.level.value, b.ref.law_id, b.ref.provision_key) for b in data.bases],
                data.cells.columns(),
                _slots(data),
                data.days,
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


def import_population(
    engine: Engine,
    files: Sequence[str | Path],
    as_of: dt.date | None = None,
    synthetic: bool = False,
    catalogue: Catalogue | None = None,
) -> list[ImportReport]:
    """Import Statistics Denmark's population (FOLK1A), each file one vintage in one transaction;
    every file is read before anything is written, and a file imported before changes nothing."""
    catalogue = catalogue or load_catalogue()
    as_of = as_of or dt.date.today()
    parsed = [read_population(Path(f), catalogue) for f in files]
    migrate(engine)
    reports = []
    with engine.begin() as conn:
        _wait_for_other_imports(conn, "population", ", ".join(str(f) for f in files))
        for data in parsed:
            existing = find_vintage(conn, data.sha256)
            if existing is not None:
                reports.append(ImportReport(data.file, "unchanged", existing, format=data.format))
                continue
            written = write_population(conn, NewVintage(Path(data.file).name, data.format, data.sha256, as_of,
                                                        synthetic or data.synthetic, len(data.rows)), data.rows)
            codes = {r[3] for r in data.rows}
            reports.append(ImportReport(
                file=data.file, status="imported", vintage=written, cells=len(data.rows), years=data.years,
                municipalities=len(codes & set(catalogue.municipalities)), national=NATIONAL_CODE in codes,
                notes=data.notes, format=data.format,
            ))
    return reports


@dataclass
class CaseImportReport:
    file: str
    status: str  # "imported", "unchanged" (the same file was imported before), "rejected" (--strict) or "preview"
    municipality_code: str
    info: CaseImportInfo | None
    rejects: list[RejectedRow] = field(default_factory=list)
    summary: RegisterSummary | None = None
    ignored_columns: list[str] = field(default_factory=list)
    kept_cases: int = 0  # cases in the database that the file doesn't mention (kept as they were)
    notes: list[str] = field(default_factory=list)
    position: str = "linje"

    def reject_problems(self) -> list[Problem]:
        """Every problem of every rejected row, as `Problem`s naming file, line and column."""
        return [p for r in self.rejects for p in r.problems]



def import_cases(
    engine: Engine,
    file: str | Path,
    municipality: str,
    columns: str | Path | None = None,
    sheet: str | None = None,
    strict: bool = False,
    synthetic: bool = False,
    today: dt.date | None = None,
    catalogue: Catalogue | None = None,
    progress: Callable[[str], None] | None = None,
    preview: bool = False,
    shown_as: str | None = None,
    audited: audit.Entry | None = None,
) -> CaseImportReport:
    """Import one register file for one municipality in one transaction.

    New cases are added, changed cases updated (the previous version kept in history) and
    unchanged cases left alone; the same file again changes nothing. Rows with problems are
    rejected, kept with their reasons and reported; the valid rows go in, unless `strict`, where
    one rejected row means nothing is imported. `preview`: the whole import is done and then rolled
    back, so the report says exactly what importing would do, and nothing is changed.
    `shown_as`: the file's name in messages and in the database, where `file` is not the user's
    path (the web's upload in a temporary folder, whose path no message may show). `audited`: the
    audit log's line, written in the import's transaction (a preview writes nothing, so its line is
    the caller's to write).
    """
    catalogue = catalogue or load_catalogue()
    vocabulary = load_register_vocabulary()
    code = _one_municipality(municipality, catalogue)
    columns_file = read_columns_file(Path(columns), vocabulary) if columns else ColumnsFile()
    path = Path(file)
    name = mask_cpr(shown_as or str(file))  # shown and stored: masked once, here
    with (open_case_file(path, sheet=sheet or columns_file.sheet, header_row=columns_file.header_row,
                         shown_as=name) as sheet_rows,
          collector_paused()):
        choice = choose_columns(sheet_rows, vocabulary, columns_file)
        digest = file_sha256(path)
        migrate(engine)
        job = _RegisterImport(name, code, digest, sheet_rows, choice, catalogue, vocabulary, strict, synthetic, today,
                              progress, preview, audited)
        try:
            return _import_register(engine, job)
        except _RolledBack as e:
            return e.report


class _RolledBack(Exception):
    """--strict and some rows were rejected, or a preview: the transaction is rolled back."""

    def __init__(self, report: CaseImportReport):
        self.report = report


@dataclass(frozen=True)
class _RegisterImport:
    """What one register import reads, checks and writes."""

    file: str  # as messages and the database name it (CPR numbers masked)
    code: str  # the municipality
    digest: str  # the file's SHA-256: the same file again changes nothing
    sheet_rows: SheetRows
    choice: ColumnChoice
    catalogue: Catalogue
    vocabulary: RegisterVocabulary
    strict: bool
    synthetic: bool
    today: dt.date | None
    progress: Callable[[str], None] | None
    preview: bool
    audited: audit.Entry | None


def _import_register(engine: Engine, job: _RegisterImport) -> CaseImportReport:
    """The import's one transaction: check the file is new, then write cases and rejects."""
    file, code, sheet_rows, progress = job.file, job.code, job.sheet_rows, job.progress
    with engine.begin() as conn:
        bulk_write_settings(conn)
        _wait_for_other_imports(conn, f"register {code}", file)
        existing_import = find_case_import(conn, code, job.digest)
        if existing_import is not None:
            if job.audited is not None and not job.preview:
                job.audited.record(conn)
            return CaseImportReport(file, "unchanged", code, existing_import, position=sheet_rows.position)

        reader = RegisterReader(job.catalogue, job.vocabulary, job.choice, load_key, job.today, sheet_rows.position,
                                file)
        if progress:
            progress(f"Importerer {file}")
        import_id = start_case_import(conn, code, Path(file).name, sheet_rows.file_format, job.digest, job.synthetic)
        with closing(reader.read_beside(sheet_rows.rows)) as chunks:  # closed: the child stops if writing fails
            counts = write_register(conn, code, import_id, chunks, existing_cases(conn, code))
        rejects = counts.pop("rejects")
        if reader.summary.key_fingerprint is not None:
            _check_key(conn, reader.summary.key_fingerprint)  # a wrong key raises: nothing is committed
        report = CaseImportReport(file, "imported", code, None, rejects, reader.summary, job.choice.ignored,
                                  position=sheet_rows.position, notes=list(sheet_rows.notes))
        if job.strict and rejects:
            report.status = "rejected"
            raise _RolledBack(report)
        report.kept_cases = counts.pop("kept")
        report.info = finish_case_import(conn, import_id, row_count=reader.summary.rows,
                                         synthetic=job.synthetic or reader.summary.synthetic, **counts)
        if job.preview:
            report.status = "preview"
            raise _RolledBack(report)
        if job.audited is not None:
            job.audited.record(conn)
        return report


def _wait_for_other_imports(conn, name: str, files: str) -> None:
    try:
        wait_for_other_imports(conn, name)
    except DatabaseBusy:
        raise InputError([Problem(files, (
            f"En anden indlæsning har optaget databasen i over {IMPORT_WAIT_SECONDS // 60} minutter. "
            "Prøv igen, når den er færdig."), code="database-busy")], headline="Databasen er optaget; intet er indlæst:") from None


def _check_key(conn, fingerprint: str) -> None:
    """The first key that made pseudonyms is the database's; another would split every repeat
    complainant in two."""
    known = key_fingerprint_of(conn)
    if known is None:
        remember_key_fingerprint(conn, fingerprint)
    elif known != fingerprint:
        raise InputError([Problem("KLAGESTAT_SECRET", (
            "Databasens pseudonymer er lavet med en anden nøgle end den, der bruges nu, så "
            "gentagne klagere ville ikke kunne genkendes. Brug den oprindelige nøgle "
            "(KLAGESTAT_SECRET eller filen " + str(secret_file()) + ")."), code="secret-key-changed")],
            headline="Nøglen til pseudonymisering passer ikke til databasen:", footer=IMPORT_FOOTER)


def _one_municipality(name: str, catalogue: Catalogue) -> str:
    return resolve_municipalities([name], catalogue)[0]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def parse_years(text: str) -> list[YearSpan]:
    spans = parse_year_spans(str(text))
    if spans is None:
        raise _bad_input(f"Ugyldigt år {text!r}. Skriv fx 2024, 2021,2022,2023 eller 2022-2024 (samlet).", code="year-invalid")
    return spans


def resolve_municipalities(names: Sequence[str], catalogue: Catalogue) -> list[str]:
    codes = []
    for name in names:
        m = catalogue.find_municipality(name)
        if m is None:
            raise _bad_input(f"Ukendt kommune {name!r}. Skriv kommunens navn eller kode (fx 'Lejre' eller '350').", code="municipality-unknown")
        codes.append(m.code)
    return codes


def resolve_regions(names: Sequence[str], catalogue: Catalogue) -> list[str]:
    codes = []
    for name in names:
        area = catalogue.find_area(name)
        if area is None or area.level is not AreaLevel.REGION:
            raise _bad_input(f"Ukendt region {name!r}. Skriv fx 'Region Hovedstaden' eller '1084'.", code="region-unknown")
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
    source: str = STATBANK,
    catalogue: Catalogue | None = None,
) -> RateTable:
    """Reversal rates as `klagestat rates` shows them; see analysis.rates.compute_rates."""
    catalogue = catalogue or load_catalogue()
    spans = parse_years(str(years)) if isinstance(years, (str, int)) else list(years)
    for m in maps:
        if m not in catalogue.map_codes():
            raise _bad_input(f"Ukendt kort {m!r}. Vælg mellem {', '.join(catalogue.map_codes())}.", code="map-unknown")
    if by not in GROUPINGS:
        raise _bad_input(f"Ukendt opdeling {by!r}. Vælg mellem {', '.join(GROUPINGS)}.", code="grouping-unknown")
    if by != "map" and len(maps) > 1:
        raise _bad_input(f"--by {by} kan kun bruges med ét --map ad gangen (eller intet).", code="options-conflict")
    if source not in SOURCES:
        raise _bad_input(f"Ukendt kilde {source!r}. Vælg mellem {' og '.join(SOURCES)}.", code="source-unknown")
    if definition not in set(Definition):
        raise _bad_input(f"Ukendt definition {definition!r}. Vælg mellem {' og '.join(Definition)}.", code="definition-unknown")
    if by == "area" and not areas and source != CASES:
        raise _bad_input("--by area kræver en områdefil med --areas FIL (med --source cases bruges "
                         "registrets kolonne omraade, hvis der ikke er en områdefil).", code="areas-file-required")
    if source == CASES and (neighbours or regions):
        raise _bad_input("--neighbours og --region kan ikke bruges med --source cases: klageregistret har kun "
                         "kommunens egne sager. Sammenlign med --source statbank.", code="options-conflict")
    area_config = read_areas(Path(areas), catalogue) if areas else None
    codes = resolve_municipalities(municipalities, catalogue) if municipalities else None
    if national_only:
        codes = []
    groups = []
    if neighbours and not codes:
        raise _bad_input("--neighbours kræver mindst én --municipality, hvis nabokommuner skal vises.", code="option-missing")
    if neighbours and codes:
        # Each municipality's neighbours as rows of their own, and pooled as a comparison group.
        groups = list(codes)
        for code in list(codes):
            codes.extend(n for n in catalogue.municipalities[code].neighbours if n not in codes)
    with engine.connect() as conn:
        return compute_rates(
            conn, catalogue, spans, municipalities=codes, maps=list(maps) or None, by=by,
            areas=area_config, definition=Definition(definition), as_of=as_of,
            regions=resolve_regions(regions, catalogue), comparison_groups=groups, source=source,
        )


def comment_save(engine: Engine, municipality: str, year: int, map_code: str, text: str, saved_by: str,
                 catalogue: Catalogue | None = None, audited: audit.Entry | None = None) -> str:
    """Save (an empty text: remove) the municipality's own comment on the year's map; the comment
    as saved. Too long, or with something CPR-shaped: InputError, nothing saved."""
    catalogue = catalogue or load_catalogue()
    code = _one_municipality(municipality, catalogue)
    if map_code not in catalogue.map_codes():
        raise _bad_input(f"Ukendt kort {map_code!r}. Vælg mellem {', '.join(catalogue.map_codes())}.", code="map-unknown")
    cleaned, problem = checked_comment(text)
    if problem is not None:
        raise InputError([Problem("kommentaren", problem, code="comment-invalid")],
                         headline="Kommentaren er ikke gemt:")
    migrate(engine)
    with engine.begin() as conn:
        save_comment(conn, code, year, map_code, cleaned, saved_by, dt.datetime.now().replace(microsecond=0))
        if audited is not None:
            audited.record(conn)
    return cleaned


def reconcile(engine: Engine, municipality: str, year: int | str, as_of: dt.date | None = None,
              catalogue: Catalogue | None = None) -> Reconciliation:
    """The register against the statistics bank for one municipality and year (`klagestat reconcile`)."""
    catalogue = catalogue or load_catalogue()
    code = _one_municipality(municipality, catalogue)
    spans = parse_years(str(year))
    if len(spans) != 1 or len(spans[0].years) != 1:
        raise _bad_input(f"Afstemningen gælder ét år ad gangen, ikke {year!r}.", code="year-not-single")
    with engine.connect() as conn:
        return reconcile_register(conn, catalogue, code, spans[0].years[0], as_of)


def report_danmarkskort(engine: Engine, municipality: str, year: int | str, out: str | Path, public: bool = False,
                        as_of: dt.date | None = None, catalogue: Catalogue | None = None,
                        geojson: str | Path | None = None, geojson_code: str = "kommunekode") -> list[Path]:
    """The annual Danmarkskort case as a Word, HTML, Markdown or PDF file (`klagestat report
    danmarkskort`); returns the files written. With `geojson` (municipality boundaries, the code
    in the property `geojson_code`) the map is drawn on them instead of the tile grid."""
    # The report builders draw with matplotlib: imported by the commands that write reports.
    from klagestat.render.danmarkskort_report import danmarkskort_document
    from klagestat.render.report_files import check_report_path, write_report

    catalogue = catalogue or load_catalogue()
    code = _one_municipality(municipality, catalogue)
    single_year = _one_year(year)
    out = Path(out)
    check_report_path(out)  # before the work: a wrong file name should not wait for the figures
    # The boundaries are input: read and checked before the figures, once.
    boundaries = read_boundaries(catalogue, Path(geojson), geojson_code) if geojson else None
    with engine.connect() as conn:
        case = danmarkskort_case(conn, catalogue, code, single_year, as_of, with_register=not public)
        plan, effect = _plan_and_effect(conn, catalogue, code, public)
    return write_report(danmarkskort_document(case, catalogue, public=public, boundaries=boundaries, plan=plan,
                                              effect=effect), out)


def _plan_and_effect(conn, catalogue: Catalogue, code: str, public: bool) -> tuple[Plan | None, PlanEffect | None]:
    """The municipality's action plan for its case, if it has one, and (not in a public case: it
    comes from the register) the effect of its initiatives that don't need an areas file."""
    current = current_plan(conn, code)
    if current is None:
        return None, None
    plan = plan_from_data(current.content)
    if public:
        return plan, None
    by_provision = replace(plan, initiatives=tuple(i for i in plan.initiatives if not i.areas))
    return plan, analysis_plan_effect(conn, catalogue, code, by_provision)


def report_complaints(engine: Engine, municipality: str, year: int | str | None, out: str | Path, public: bool = False,
                      areas: str | Path | None = None, catalogue: Catalogue | None = None,
                      audited: audit.Entry | None = None, period: str | None = None) -> list[Path]:
    """The regular complaint report from the municipality's own register, by committee (the
    register's omraade column) or by the areas of an --areas file (`klagestat report complaints`),
    for a year or a `period` (2025, 2025H1, 2025K3, 2025-01-01..2025-06-30), beside the same
    period a year earlier."""
    from klagestat.render.complaints_report import complaints_document
    from klagestat.render.report_files import check_report_path, write_report

    catalogue = catalogue or load_catalogue()
    code = _one_municipality(municipality, catalogue)
    days = report_period(year, period)
    out = Path(out)
    check_report_path(out)
    area_config = read_areas(Path(areas), catalogue) if areas else None
    area_source = (f"Områderne er defineret i filen {Path(areas).name}." if areas else
                   "Områderne er kolonnen omraade i kommunens klageregister, som forvaltningen har udfyldt den.")
    with engine.begin() as conn:  # the audit line in the transaction that reads the cases
        if audited is not None:
            audited.record(conn)
        report = complaint_report(conn, catalogue, code, days, area_config, area_source)
    return write_report(complaints_document(report, load_register_vocabulary(), public=public), out)


def report_period(year: int | str | None, period: str | None) -> DateRange:
    """The days of a complaint report: --year or --period, one of them."""
    if (year is None) == (period is None):
        raise _bad_input("Angiv enten --year (fx 2025) eller --period (fx 2025H1), ikke begge og ikke ingen af dem.",
                         code="period-or-year")
    if period is None:
        return year_range(_one_year(year))
    days = parse_date_range(period)
    if days is None:
        raise _bad_input(f"Perioden {period!r} kan ikke læses. Skriv et år (2025), et halvår (2025H1 eller 2025H2), "
                         "et kvartal (2025K1 til 2025K4) eller to datoer (2025-01-01..2025-06-30).",
                         code="period-unreadable")
    return days


def _one_year(year: int | str) -> int:
    spans = parse_years(str(year))
    if len(spans) != 1 or len(spans[0].years) != 1:
        raise _bad_input(f"Rapporten gælder ét år ad gangen, ikke {year!r}.", code="year-not-single")
    return spans[0].years[0]


def check(engine: Engine, file: str | Path, municipality: str, year: int | str, as_of: dt.date | None = None,
          shown_as: str | None = None, catalogue: Catalogue | None = None, audited: audit.Entry | None = None,
          areas: str | Path | None = None) -> CheckResult:
    """The figures about complaints in a committee text (.txt, .md, .docx, .pdf), each checked
    against the statistics and the text's own figures (`klagestat check`; see klagestat.check)."""
    from klagestat.check import check_text
    from klagestat.ingest.committee_text import read_committee_text

    catalogue = catalogue or load_catalogue()
    code = _one_municipality(municipality, catalogue)
    single_year = _one_year(year)
    area_config = read_areas(Path(areas), catalogue) if areas else None
    text = read_committee_text(Path(file), shown_as=mask_cpr(shown_as or str(file)))
    with engine.begin() as conn:
        if audited is not None:
            audited.record(conn)
        return check_text(conn, catalogue, text, code, single_year, as_of, area_config)


def analyse(
    engine: Engine,
    municipality: str,
    years: str | int | Sequence[int] | Sequence[YearSpan],
    as_of: dt.date | None = None,
    decisions: str | Path | None = None,
    only: Sequence[str] | None = None,
    catalogue: Catalogue | None = None,
    audited: audit.Entry | None = None,
) -> RegisterAnalysis:
    """The register analyses of one municipality (`klagestat analyse`); see analysis.register.

    years: "2024", "2022-2024" or "2021,2023" (pooled spans count as their years) or a list.
    decisions: the file with the municipality's numbers of decisions (omraade;aar;afgoerelser),
    needed for per_thousand. only: names from analysis.register.ANALYSES; default all.
    """
    catalogue = catalogue or load_catalogue()
    code = _one_municipality(municipality, catalogue)
    if isinstance(years, (str, int)):
        spans = parse_years(str(years))
    else:
        spans = [y if isinstance(y, YearSpan) else YearSpan(int(y), int(y)) for y in years]
    year_list = sorted({y for span in spans for y in span.years})
    if not year_list:
        raise _bad_input("Angiv mindst ét år, fx --year 2024.", code="year-missing")
    unknown = [name for name in only or () if name not in ANALYSES]
    if unknown:
        raise _bad_input(f"Ukendt analyse {unknown[0]!r}. Vælg mellem {', '.join(ANALYSES)}.", code="analysis-unknown")
    if only and "per_thousand" in only and decisions is None:
        raise _bad_input("per_thousand kræver en fil med kommunens antal afgørelser: --decisions FIL "
                         "(kolonnerne omraade;aar;afgoerelser).", code="decisions-file-required")
    counts = read_decisions(Path(decisions)) if decisions is not None else None
    with engine.begin() as conn:  # the audit line in the transaction that reads the cases
        if audited is not None:
            audited.record(conn)
        if case_count(conn, code) == 0:
            name = catalogue.municipalities[code].name
            raise NoDataError(f"Der er ingen klagesager fra {name} Kommune i databasen.",
                              f"Importér kommunens klageregister først: klagestat import cases FIL --municipality {name}")
        return register_analysis(conn, code, year_list, as_of=as_of, decisions=counts, only=only,
                                 catalogue=catalogue)


def add_user(engine: Engine, email: str, municipality: str, role: str, password: str,
              catalogue: Catalogue | None = None, audited: audit.Entry | None = None) -> accounts.User:
    """Create a user of the case area (or give an existing one a new municipality, role and
    password), as `klagestat users add`."""
    problems = []
    email = email.strip()
    if "@" not in email or any(ch.isspace() for ch in email) or len(email) > 254:
        problems.append(Problem("--email", f"{email!r} er ikke en e-mailadresse.", code="email-invalid"))
    elif contains_cpr(email):
        problems.append(Problem("--email", "E-mailadressen indeholder noget, der ligner et CPR-nummer; brug en "
                                           "adresse uden.", code="email-contains-cpr"))
    if role not in set(Role):
        problems.append(Problem("--role", f"Rollen {role!r} findes ikke; vælg reader, analyst eller admin.", code="role-unknown"))
    if (why := password_problem(password)) is not None:
        problems.append(Problem("--password-stdin", why, code="password-weak"))
    if problems:
        raise InputError(problems, headline="Brugeren kan ikke oprettes:")
    code = _one_municipality(municipality, catalogue or load_catalogue())
    with engine.begin() as conn:
        if audited is not None:
            audited.record(conn)
        return accounts.add_user(conn, email, code, role, hash_password(password))


def user_by_email(engine: Engine, email: str) -> accounts.User | None:
    with engine.connect() as conn:
        return accounts.user_by_email(conn, email)


def edit_case_learning(engine: Engine, user: accounts.User, case_id: str, learning: str) -> bool:
    """An analyst's learning note on one of the own municipality's cases: a new version of the
    case (the old one kept in its history), CPR numbers masked as at import, the edit in the
    audit log. False when the municipality has no such case."""
    learning = mask_cpr(learning.strip()) or None
    with engine.begin() as conn:
        current = current_texts(conn, user.municipality_code, case_id, CASE_FIELDS)
        if current is None:
            return False
        values = dict(zip(CASE_FIELDS, current), learning=learning)
        # The content hash of the new version, made as the import makes it, so a re-import of a
        # file that says otherwise is seen as a change (and wins, with this version kept).
        texts = ["" if v is None else v.isoformat() if isinstance(v, dt.date) else str(v) for v in values.values()]
        [content_hash] = content_hashes([[t] for t in texts])
        replace_version(conn, user.municipality_code, case_id, {"learning": learning}, content_hash, user.email)
        audit.record(conn, user.email, user.municipality_code, "ret læring", case_id)
        return True


# ---- the action plan -------------------------------------------------------------------------------

@dataclass
class PlanImportReport:
    file: str
    municipality_code: str
    status: str  # "imported" (a new version) or "unchanged" (the plan is the current one already)
    version: int
    plan: Plan


def plan_import(engine: Engine, file: str | Path, municipality: str, areas: str | Path | None = None,
                saved_by: str = "kommandolinjen", shown_as: str | None = None, catalogue: Catalogue | None = None,
                audited: audit.Entry | None = None) -> PlanImportReport:
    """Read a municipality's action plan from its TOML file and save it as the plan's new version
    (the same plan again adds none). Every problem in the file, or nothing is saved."""
    catalogue = catalogue or load_catalogue()
    code = _one_municipality(municipality, catalogue)
    area_config = read_areas(Path(areas), catalogue) if areas else None
    name = mask_cpr(shown_as or str(file))
    plan = read_plan(Path(file), catalogue, area_config, shown_as=name)
    version, new = _save_plan(engine, code, plan, saved_by, Path(name).name, audited)
    return PlanImportReport(name, code, "imported" if new else "unchanged", version, plan)


def plan_save(engine: Engine, municipality: str, data: dict, saved_by: str, source: str,
              place: Place, label: Label, catalogue: Catalogue | None = None,
              audited: audit.Entry | None = None) -> PlanImportReport:
    """Save a plan that comes as data in the file's shape from elsewhere than a file (the case
    area's form), checked by the file's rules; every problem, or nothing is saved. Areas are
    checked against those the current plan has (an areas file brought them in)."""
    catalogue = catalogue or load_catalogue()
    code = _one_municipality(municipality, catalogue)
    with engine.connect() as conn:
        current = current_plan(conn, code)
    known_areas = tuple(dict.fromkeys(a for i in plan_from_data(current.content).initiatives for a in i.areas)) \
        if current else ()
    plan = check_plan(data, catalogue, known_areas or None, source, place, label)
    version, new = _save_plan(engine, code, plan, saved_by, source, audited)
    return PlanImportReport(source, code, "imported" if new else "unchanged", version, plan)


def _save_plan(engine: Engine, code: str, plan: Plan, saved_by: str, source: str,
               audited: audit.Entry | None) -> tuple[int, bool]:
    """The plan as its municipality's new version (unless it is the current one), with the audit
    line, in one transaction: the version and whether it is new."""
    migrate(engine)
    with engine.begin() as conn:
        version, new = save_plan(conn, code, plan_data(plan), saved_by, source, dt.datetime.now().replace(microsecond=0))
        if audited is not None:
            audited.record(conn)
    return version, new


def plan_of(engine: Engine, municipality: str, catalogue: Catalogue | None = None) -> tuple[Plan, PlanVersion]:
    """The municipality's current action plan and the version it is; NoDataError without one."""
    catalogue = catalogue or load_catalogue()
    code = _one_municipality(municipality, catalogue)
    with engine.connect() as conn:
        current = current_plan(conn, code)
    if current is None:
        name = catalogue.municipalities[code].name
        raise NoDataError(f"{name} Kommune har ingen handleplan i databasen.",
                          f"Indlæs den med klagestat plan import FIL --municipality {name}.")
    return plan_from_data(current.content), current


def plan_effect(engine: Engine, municipality: str, areas: str | Path | None = None, as_of: dt.date | None = None,
                catalogue: Catalogue | None = None) -> PlanEffect:
    """For each initiative of the municipality's plan: the complaints about the decisions made
    before its start and from it, their reversal rates and the difference (see
    analysis.plan_effect); and the register's complaints by the year of the decision."""
    catalogue = catalogue or load_catalogue()
    code = _one_municipality(municipality, catalogue)
    plan, _ = plan_of(engine, code, catalogue)
    area_config = read_areas(Path(areas), catalogue) if areas else None
    with engine.connect() as conn:
        return analysis_plan_effect(conn, catalogue, code, plan, area_config, as_of)


def plan_status(engine: Engine, municipality: str, year: int | str, today: dt.date | None = None,
                catalogue: Catalogue | None = None) -> PlanStatus:
    """The year's treatment of the maps of the year's figures (§ 79 b) as the plan's meetings
    record it: done, missing, and warnings (see analysis.plan_status)."""
    catalogue = catalogue or load_catalogue()
    code = _one_municipality(municipality, catalogue)
    plan, _ = plan_of(engine, code, catalogue)
    return analysis_plan_status(catalogue, code, plan, _one_year(year), today or dt.date.today())


@dataclass
class PlanOverview:
    """What the case area's plan page shows, read in one transaction with its audit line."""

    plan: Plan | None
    versions: list[PlanVersion]  # newest first
    effect: PlanEffect | None  # of the initiatives that need no areas file
    status: PlanStatus | None


def plan_overview(engine: Engine, municipality: str, year: int, today: dt.date | None = None,
                  catalogue: Catalogue | None = None, audited: audit.Entry | None = None) -> PlanOverview:
    """The municipality's plan, its versions, its effect and the year's treatment, for the web."""
    catalogue = catalogue or load_catalogue()
    code = _one_municipality(municipality, catalogue)
    with engine.begin() as conn:
        if audited is not None:
            audited.record(conn)
        versions = plan_versions(conn, code)
        plan, effect = _plan_and_effect(conn, catalogue, code, public=False)
    if plan is None:
        return PlanOverview(None, versions, None, None)
    return PlanOverview(plan, versions, effect,
                        analysis_plan_status(catalogue, code, plan, year, today or dt.date.today()))


def plan_export(engine: Engine, municipality: str, catalogue: Catalogue | None = None) -> str:
    """The municipality's current action plan as its TOML file (what `plan_import` reads)."""
    from klagestat.render.plan_file import plan_toml

    catalogue = catalogue or load_catalogue()
    code = _one_municipality(municipality, catalogue)
    plan, _ = plan_of(engine, code, catalogue)
    return plan_toml(plan, catalogue.municipalities[code].name)


class PublicVersion(NamedTuple):
    """What the public pages are kept under: it changes with every import of statistics or
    population, and with every municipality's comment."""

    statistics: tuple
    comments: tuple


def statistics_version(engine: Engine) -> PublicVersion:
    with engine.connect() as conn:
        return PublicVersion(store_statistics_version(conn), comments_version(conn))


def statistics_years(engine: Engine, municipality: str | None = None) -> list[int]:
    """The years with whole-year figures, oldest first (for the municipality, when given: a code)."""
    with engine.connect() as conn:
        return store_statistics_years(conn, municipality)


def statistics_vintages_of_years(engine: Engine) -> dict[int, tuple[int, ...]]:
    """{year: the vintages (ids) with statistics or population for it}: what a year's figures can
    change with."""
    with engine.connect() as conn:
        return store_vintages_of_years(conn)


def danmarkskort_cases(engine: Engine, year: int, municipalities: Sequence[str], public: bool = True,
                       as_of: dt.date | None = None, catalogue: Catalogue | None = None) -> list[DanmarkskortCase]:
    """The Danmarkskort cases of the municipalities (codes) for the year, computed together (most
    of the work is shared); `public`: without anything from a register, as the web shows them."""
    catalogue = catalogue or load_catalogue()
    with engine.connect() as conn:
        return list(analysis_danmarkskort_cases(conn, catalogue, list(municipalities), year, as_of,
                                                with_register=not public))


def report_danmarkskort_all(engine: Engine, year: int | str, folder: str | Path, format: str = "docx",
                            public: bool = False, as_of: dt.date | None = None, workers: int = 2,
                            municipalities: Sequence[str] | None = None, catalogue: Catalogue | None = None,
                            geojson: str | Path | None = None, geojson_code: str = "kommunekode") -> list[Path]:
    """The Danmarkskort case of every municipality (or of `municipalities`, names or codes) for one
    year, one file each in `folder`, named like danmarkskort-2024-201-allerod.docx; returns the
    files written (Markdown's figures too), in the order of `municipalities` or the catalogue's.
    `geojson` and `geojson_code` as for `report_danmarkskort`.

    The analysis is shared (see analysis.danmarkskort.danmarkskort_cases): under a second for all
    98. The drawing and writing, most of a second a case, is spread over `workers` processes.
    """
    from klagestat.render.danmarkskort_files import danmarkskort_file_name, write_danmarkskort_files
    from klagestat.render.report_files import FORMATS, check_report_path

    catalogue = catalogue or load_catalogue()
    codes = resolve_municipalities(municipalities, catalogue) if municipalities else list(catalogue.municipalities)
    single_year = _one_year(year)
    suffix = "." + format.lower().lstrip(".")
    if suffix not in FORMATS:
        raise _bad_input(f"Ukendt format {format!r}. Vælg mellem {', '.join(f.lstrip('.') for f in FORMATS)}.", code="format-unknown")
    folder = Path(folder)
    paths = [folder / danmarkskort_file_name(single_year, code, catalogue.municipalities[code].name, suffix)
             for code in codes]
    check_report_path(paths[0])  # before the work: a missing folder should not wait for the figures
    boundaries = read_boundaries(catalogue, Path(geojson), geojson_code) if geojson else None  # once, for all
    with engine.connect() as conn:
        cases = list(analysis_danmarkskort_cases(conn, catalogue, codes, single_year, as_of,
                                                 with_register=not public))
        plans = [_plan_and_effect(conn, catalogue, code, public) for code in codes]
    return write_danmarkskort_files(cases, paths, catalogue, public, boundaries, workers, plans)


def backup(db: str | None, out: Path) -> Path:
    """`klagestat backup`: a copy of a SQLite installation (the database and its access file)
    taken while it may be in use; PostgreSQL is refused with the pg_dump way."""
    from klagestat.store.backup import copy_installation, is_installation
    from klagestat.store.database import access_file, database_url, sqlite_path

    source = sqlite_path(database_url(db))
    if source is None:
        raise _bad_input("Databasen er PostgreSQL: tag sikkerhedskopien med pg_dump (se README, Drift).",
                         code="backup-postgresql")
    if not source.is_file():
        raise _bad_input(f"Databasen {source} findes ikke.", code="backup-no-database")
    if not is_installation(source):
        raise _bad_input("Filen er ikke en klagestat-database.", str(source), code="backup-not-database")
    if out.exists() or access_file(out).exists():
        raise _bad_input(f"{out} findes allerede; vælg et nyt filnavn (en sikkerhedskopi overskriver intet).",
                         str(out), code="backup-exists")
    if not out.parent.is_dir():
        raise _bad_input(f"Mappen {out.parent} findes ikke.", str(out), code="backup-no-folder")
    copy_installation(source, out)
    return out


def restore(backup_file: Path, db: str | None, replace: bool = False) -> Path:
    """`klagestat restore`: a backup put back as the database `db` (and its access file). An
    existing database is only replaced with `replace`; stop the server first."""
    from klagestat.store.backup import copy_installation, is_installation
    from klagestat.store.database import access_file, database_url, sqlite_files, sqlite_path

    target = sqlite_path(database_url(db))
    if target is None:
        raise _bad_input("Databasen er PostgreSQL: læg sikkerhedskopien tilbage med pg_restore eller psql (se "
                         "README, Drift).", code="restore-postgresql")
    if not backup_file.is_file():
        raise _bad_input("Filen findes ikke.", str(backup_file), code="restore-no-file")
    if not is_installation(backup_file):
        raise _bad_input("Filen er ikke en sikkerhedskopi af en klagestat-database.", str(backup_file),
                         code="restore-not-backup")
    if not access_file(backup_file).is_file():
        raise _bad_input(f"Adgangsfilen {access_file(backup_file).name} (brugere og revisionslog) mangler ved siden af "
                         "sikkerhedskopien.", str(backup_file), code="restore-no-access-file")
    if target.exists() and not replace:
        raise _bad_input(f"Databasen {target} findes allerede. Stop serveren, og giv --replace for at erstatte den.",
                         code="restore-exists")
    for leftover in sqlite_files(target):  # the old database, its access file and their WAL files
        leftover.unlink(missing_ok=True)
    copy_installation(backup_file, target)
    open_database(str(target)).dispose()  # a backup from an older klagestat is migrated now
    return target
