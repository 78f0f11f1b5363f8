"""The `klagestat` command: a thin layer over klagestat.api.

Exit codes: 0 success, 2 bad input (a Danish message naming what and where), 1 a bug.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import json
import os
import sys
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.console import Console

from klagestat.catalogue import load_catalogue
from klagestat.cli_danish import DanishCommand, DanishGroup, usage_error_da
from klagestat.domain.accounts import Role
from klagestat.domain.problems import InputError, KlagestatError
from klagestat.domain.rates import CASES, GROUPINGS, STATBANK, Definition

if TYPE_CHECKING:
    from klagestat.api import ImportReport


class _OnFirstUse:
    """A module imported when one of its names is first used. The command line starts with
    none of the heavy ones (SQLAlchemy, scipy, matplotlib, python-docx …), so `--help` and a
    mistyped option answer at once; a command imports what it runs."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attribute: str):
        return getattr(importlib.import_module(self._name), attribute)


api = _OnFirstUse("klagestat.api")

app = typer.Typer(
    help="klagestat: omgørelsesprocenter i klagesager fra Ankestyrelsens statistik og kommunens klageregister.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    cls=DanishGroup,
)


def _show_version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        print(f"klagestat {version('klagestat')}")
        raise typer.Exit()


@app.callback()
def _options(version: Annotated[bool, typer.Option("--version", help="Vis klagestats version, og afslut.",
                                                   callback=_show_version, is_eager=True)] = False) -> None:
    pass


import_app = typer.Typer(help="Importér data.", no_args_is_help=True, cls=DanishGroup)
app.add_typer(import_app, name="import")
report_app = typer.Typer(help="Skriv rapporter til udvalg og byråd (.docx, .html, .md eller .pdf).", no_args_is_help=True,
                         cls=DanishGroup)
app.add_typer(report_app, name="report")
users_app = typer.Typer(help="Brugere af kommunens sagsområde i webapplikationen.", no_args_is_help=True,
                        cls=DanishGroup)
app.add_typer(users_app, name="users")
plan_app = typer.Typer(help="Kommunens handleplan: initiativer, økonomi, alternativer og årets behandling.",
                       no_args_is_help=True, cls=DanishGroup)
app.add_typer(plan_app, name="plan")

DbOption = Annotated[
    Optional[str],
    typer.Option("--db", help="Database: en SQLite-fil eller en postgresql://-adresse. Standard: $KLAGESTAT_DB eller klagestat.db."),
]


def _console(stderr: bool = False) -> Console:
    # Piped output gets a wide, plain table instead of one squeezed into 80 columns.
    terminal = (sys.stderr if stderr else sys.stdout).isatty()
    return Console(stderr=stderr, width=None if terminal else 200, soft_wrap=not terminal, highlight=False)


@contextmanager
def _progress():
    """A spinner with the current step on a terminal; nothing when piped."""
    if not sys.stderr.isatty():
        yield None
        return
    with _console(stderr=True).status("Arbejder …") as status:
        yield lambda message: status.update(f"{message} …")


def command(group: typer.Typer, name: str):
    """Register a command whose bad-input errors become a Danish message and exit code 2."""

    def register(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except KlagestatError as e:
                # Plain text: a message should never be re-wrapped in the middle of a file name.
                sys.stderr.write(str(e) + "\n")
                raise typer.Exit(e.exit_code) from None

        return group.command(name, cls=DanishCommand)(wrapper)

    return register


DEMO_DB = Path("demo") / "klagestat-demo.db"  # where `klagestat demo` builds its database


def _open_for_reading(db: Optional[str]):
    """The database a reading command uses. A SQLite file that isn't there is not made (an empty
    new database would only answer "no figures"): the message says which file was looked for,
    and points to the demo's database when there is one."""
    from klagestat.store.database import ENV_VAR, database_url, sqlite_path

    path = sqlite_path(database_url(db))
    if path is not None and not path.exists():
        default = "" if db or os.environ.get(ENV_VAR) else f" (uden --db og {ENV_VAR} bruges {path})"
        hint = (f" Demoens database findes: brug --db {DEMO_DB}." if DEMO_DB.exists() else
                " Importér tal med 'klagestat import statbank FIL', eller byg demoen med 'klagestat demo'.")
        raise InputError([], headline=f"Databasen {path} findes ikke{default}.{hint}")
    return api.open_database(db)


def _parse_date(value: Optional[str], option: str) -> Optional[dt.date]:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError([], headline=f"{option} skal være en dato som 2025-06-10, ikke {value!r}.") from None


# The choices come from the catalogue and the domain, and api.rates checks them (one place);
# the help lists them.
MAP_CODES = ", ".join(load_catalogue().map_codes())


class FormatChoice(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


@command(import_app, "statbank")
def import_statbank(
    files: Annotated[list[Path], typer.Argument(help="Filer fra Ankestyrelsens Talportal (CSV, XLSX) eller statistikbank (CSV, JSON-stat).", metavar="FIL...")],
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Datoen tallene er hentet (ÅÅÅÅ-MM-DD). Standard: i dag.")] = None,
    label_map: Annotated[Optional[Path], typer.Option("--label-map", help="TOML-fil, der oversætter ukendte etiketter.")] = None,
    allow_unmapped: Annotated[bool, typer.Option("--allow-unmapped", help="Importér ukendte lovgrundlag som 'ukendt lovgrundlag'.")] = False,
    db: DbOption = None,
) -> None:
    """Importér Ankestyrelsens tal: Talportalens CSV eller regneark (XLSX), eller statistikbankens
    tabeller (fx ANKEAST1 eller ANKEAST2) som CSV eller JSON-stat. Formatet læses af filens indhold."""
    engine = api.open_database(db, create=False)  # created once the files are known to be good
    with _progress() as progress:
        reports = api.import_statbank(
            engine, files, as_of=_parse_date(as_of, "--as-of"), label_map=label_map,
            allow_unmapped=allow_unmapped, progress=progress,
        )
    _print_import_reports(reports, "tal")


@command(import_app, "population")
def import_population(
    files: Annotated[list[Path], typer.Argument(help="Folketal (FOLK1A) fra Danmarks Statistik som CSV eller JSON-stat.", metavar="FIL...")],
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Datoen tallene er hentet (ÅÅÅÅ-MM-DD). Standard: i dag.")] = None,
    db: DbOption = None,
) -> None:
    """Importér folketallet fra Danmarks Statistik (FOLK1A, folketal den 1. i kvartalet), så
    sagerne kan opgøres pr. 10.000 indbyggere. Et års indbyggere er dem pr. 1. januar."""
    engine = api.open_database(db, create=False)
    reports = api.import_population(engine, files, as_of=_parse_date(as_of, "--as-of"))
    _print_import_reports(reports, "folketal")


def _print_import_reports(reports: list[ImportReport], what: str) -> None:
    from klagestat.ingest.input_file import SYNTHETIC_NOTE
    from klagestat.render import numbers

    out = _console()
    for r in reports:
        vintage = r.vintage
        assert vintage is not None  # an imported or unchanged file has its vintage
        if r.status == "unchanged":
            out.print(f"{r.file}: allerede importeret den {vintage.imported_at:%d-%m-%Y} "
                      f"(import nr. {vintage.id}); intet er ændret.")
            continue
        years = f"{r.years[0]}-{r.years[-1]}" if len(r.years) > 1 else (str(r.years[0]) if r.years else "–")
        out.print(
            f"{r.file}: importeret som import nr. {vintage.id} ({r.format}), data pr. "
            f"{vintage.as_of:%d-%m-%Y}: {numbers.count(r.cells)} {what}, år {years}, "
            f"{r.municipalities} kommuner{', landstal' if r.national else ', intet landstal'}."
        )
        for note in r.notes:
            out.print(f"  Bemærk: {note}")
        if vintage.synthetic:
            out.print(f"  Bemærk: {SYNTHETIC_NOTE}")
        if r.unmapped_labels:
            out.print(f"  Bemærk: {len(r.unmapped_labels)} lovgrundlag er importeret som 'ukendt lovgrundlag': "
                      + "; ".join(repr(x) for x in r.unmapped_labels))


@command(import_app, "cases")
def import_cases(
    file: Annotated[Path, typer.Argument(help="Klageregistret som CSV eller XLSX.", metavar="FIL")],
    municipality: Annotated[str, typer.Option("--municipality", help="Kommunen, registret tilhører (navn eller kode).")],
    columns: Annotated[Optional[Path], typer.Option("--columns", help="TOML-fil, der oversætter filens kolonnenavne.")] = None,
    sheet: Annotated[Optional[str], typer.Option("--sheet", help="Arket i en XLSX-fil. Standard: det første.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Importér intet, hvis en række har fejl.")] = False,
    rejects: Annotated[Optional[Path], typer.Option("--rejects", help="Skriv de afviste rækker og deres fejl til denne CSV-fil.")] = None,
    db: DbOption = None,
) -> None:
    """Importér kommunens klageregister (én række pr. klagesag). CPR-numre gemmes aldrig."""
    from klagestat.render.register_import import print_case_import, write_rejects

    engine = api.open_database(db, create=False)
    with _progress() as progress:
        report = api.import_cases(engine, file, municipality, columns=columns, sheet=sheet, strict=strict,
                                  progress=progress)
    print_case_import(report, _console(), _console(stderr=True))
    if rejects is not None:  # written also when empty: a script can rely on the file
        write_rejects(report, rejects)
        _console().print(f"De afviste rækker ({len(report.rejects)}) er skrevet til {rejects}."
                         if report.rejects else f"Ingen rækker er afvist; {rejects} har kun overskriften.")
    if report.status == "rejected":
        raise typer.Exit(2)


@command(app, "rates")
def rates(
    year: Annotated[str, typer.Option("--year", help="År: 2024; flere år: 2021,2022,2023,2024; samlet: 2022-2024.")],
    municipality: Annotated[Optional[list[str]], typer.Option("--municipality", help="Kommune (navn eller kode); kan gentages.")] = None,
    map_: Annotated[Optional[list[str]], typer.Option("--map", metavar="KORT", help=f"Kort: {MAP_CODES}; kan gentages.")] = None,
    by: Annotated[str, typer.Option("--by", metavar="OPDELING", help=f"Opdeling: {', '.join(GROUPINGS)}.")] = "map",
    areas: Annotated[Optional[Path], typer.Option("--areas", help="TOML-fil med områder (til --by area).")] = None,
    definition: Annotated[str, typer.Option("--definition", metavar="DEFINITION", help=f"{Definition.OFFICIAL} (Ankestyrelsens) eller {Definition.ALL_DECIDED}.")] = Definition.OFFICIAL.value,
    source: Annotated[str, typer.Option("--source", metavar="KILDE", help=f"{STATBANK} (Ankestyrelsens statistik) eller {CASES} (klageregistret).")] = STATBANK,
    format_: Annotated[FormatChoice, typer.Option("--format", help="table, json eller csv.")] = FormatChoice.table,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Brug tallene, som de så ud på denne dato (ÅÅÅÅ-MM-DD).")] = None,
    region: Annotated[Optional[list[str]], typer.Option("--region", help="Tilføj en region (navn eller kode); kan gentages.")] = None,
    neighbours: Annotated[bool, typer.Option("--neighbours", help="Tilføj kommunernes sammenligningskommuner.")] = False,
    db: DbOption = None,
) -> None:
    """Vis omgørelsesprocenter for kommuner, regioner og landsplan."""
    from klagestat.render.rate_rows import to_csv, to_json
    from klagestat.render.rate_tables import render_table

    engine = _open_for_reading(db)
    table = api.rates(
        engine, year, municipalities=municipality or (), maps=map_ or (), by=by, areas=areas,
        definition=definition, as_of=_parse_date(as_of, "--as-of"), regions=region or (), neighbours=neighbours,
        source=source,
    )
    if format_ is FormatChoice.json:
        sys.stdout.write(to_json(table) + "\n")
    elif format_ is FormatChoice.csv:
        sys.stdout.write(to_csv(table))
    else:
        catalogue = load_catalogue()
        render_table(table, {code: catalogue.map_name(code) for code in catalogue.map_codes()}, _console())


class ReconcileFormat(str, Enum):
    table = "table"
    json = "json"


@command(app, "reconcile")
def reconcile(
    municipality: Annotated[str, typer.Option("--municipality", help="Kommunen (navn eller kode).")],
    year: Annotated[str, typer.Option("--year", help="Året (efter datoen for Ankestyrelsens afgørelse).")],
    format_: Annotated[ReconcileFormat, typer.Option("--format", help="table eller json.")] = ReconcileFormat.table,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Statistikken, som den så ud på denne dato (ÅÅÅÅ-MM-DD).")] = None,
    db: DbOption = None,
) -> None:
    """Afstem klageregistret mod Ankestyrelsens statistik pr. bestemmelse og udfald."""
    from klagestat.render.reconciliation import reconciliation_json, render_reconciliation

    engine = _open_for_reading(db)
    result = api.reconcile(engine, municipality, year, as_of=_parse_date(as_of, "--as-of"))
    if format_ is ReconcileFormat.json:
        sys.stdout.write(reconciliation_json(result) + "\n")
    else:
        render_reconciliation(result, _console())


@command(app, "check")
def check(
    file: Annotated[Path, typer.Argument(help="Sagsfremstillingen: .docx, .pdf, .txt eller .md.", metavar="FIL")],
    municipality: Annotated[str, typer.Option("--municipality", help="Kommunen, teksten handler om (navn eller kode).")],
    year: Annotated[str, typer.Option("--year", help="Året, tallene gælder, når teksten ikke selv siger det.")],
    areas: Annotated[Optional[Path], typer.Option("--areas", help="Områdefil (TOML) med udvalgenes områder; så tjekkes tal om dem også.")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Statistikken, som den så ud på denne dato (ÅÅÅÅ-MM-DD).")] = None,
    format_: Annotated[ReconcileFormat, typer.Option("--format", help="table eller json.")] = ReconcileFormat.table,
    db: DbOption = None,
) -> None:
    """Tjek tallene om klagesager i en sagsfremstilling mod Ankestyrelsens statistik: rigtigt, forkert (med det rigtige tal og hvorfor), anden definition eller kan ikke tjekkes."""
    from klagestat.render.fact_check import check_json, check_table

    engine = _open_for_reading(db)
    result = api.check(engine, file, municipality, year, as_of=_parse_date(as_of, "--as-of"), areas=areas)
    catalogue = load_catalogue()
    if format_ is ReconcileFormat.json:
        sys.stdout.write(json.dumps(check_json(result, catalogue), ensure_ascii=False, indent=2) + "\n")
    else:
        _console().print(check_table(result, catalogue))


@command(app, "analyse")
def analyse(
    municipality: Annotated[str, typer.Option("--municipality", help="Kommunen (navn eller kode).")],
    year: Annotated[str, typer.Option("--year", help="År: 2024; flere år: 2023,2024 eller 2022-2024.")],
    only: Annotated[Optional[list[str]], typer.Option("--only", help="Kun denne analyse; kan gentages: decision_years, durations, reassessment, repeat_complainants, reversal_reasons, clusters, pending, per_thousand.")] = None,
    decisions: Annotated[Optional[Path], typer.Option("--decisions", help="CSV-fil med kommunens antal afgørelser (omraade;aar;afgoerelser) til tal pr. 1.000 afgørelser.")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Verserende sager pr. denne dato (ÅÅÅÅ-MM-DD). Standard: i dag.")] = None,
    format_: Annotated[ReconcileFormat, typer.Option("--format", help="table eller json.")] = ReconcileFormat.table,
    db: DbOption = None,
) -> None:
    """Analysér kommunens klageregister: afgørelsesår, sagsbehandlingstider, genvurdering, gentagne klagere, årsager, klynger, verserende sager og tal pr. 1.000 afgørelser."""
    from klagestat.render.register_tables import analysis_json, render_analysis

    engine = _open_for_reading(db)
    result = api.analyse(engine, municipality, year, as_of=_parse_date(as_of, "--as-of"), decisions=decisions,
                         only=only or None)
    if format_ is ReconcileFormat.json:
        sys.stdout.write(json.dumps(analysis_json(result), ensure_ascii=False, indent=1) + "\n")
    else:
        render_analysis(result, _console())


@command(report_app, "danmarkskort")
def report_danmarkskort(
    municipality: Annotated[str, typer.Option("--municipality", help="Kommunen (navn eller kode).")],
    year: Annotated[str, typer.Option("--year", help="Året for Ankestyrelsens afgørelser (kortene offentliggøres året efter).")],
    out: Annotated[Path, typer.Option("--out", help="Filen; formatet følger endelsen: .docx, .html, .md eller .pdf.")],
    public: Annotated[bool, typer.Option("--public", help="Til den åbne dagsorden: intet fra kommunens eget klageregister, kun Ankestyrelsens offentlige tal.")] = False,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Statistikken, som den så ud på denne dato (ÅÅÅÅ-MM-DD).")] = None,
    geojson: Annotated[Optional[Path], typer.Option("--geojson", help="Kommunegrænser som GeoJSON (fx DAGI); så tegnes kortet på de rigtige grænser i stedet for ét felt pr. kommune.")] = None,
    geojson_code: Annotated[str, typer.Option("--geojson-code", help="Egenskaben i GeoJSON-filen, der holder kommunekoden.")] = "kommunekode",
    db: DbOption = None,
) -> None:
    """Skriv udkastet til den årlige sag om danmarkskortet: resumé, baggrund, sagsfremstilling, indstilling og bilag."""
    engine = _open_for_reading(db)
    written = api.report_danmarkskort(engine, municipality, year, out, public=public,
                                      as_of=_parse_date(as_of, "--as-of"), geojson=geojson, geojson_code=geojson_code)
    for path in written:
        print(f"Skrev {path}")


@command(report_app, "complaints")
def report_complaints(
    municipality: Annotated[str, typer.Option("--municipality", help="Kommunen (navn eller kode).")],
    out: Annotated[Path, typer.Option("--out", help="Filen; formatet følger endelsen: .docx, .html, .md eller .pdf.")],
    year: Annotated[Optional[str], typer.Option("--year", help="Året for klageinstansernes afgørelser (eller brug --period).")] = None,
    period: Annotated[Optional[str], typer.Option("--period", help="Perioden for klageinstansernes afgørelser: 2025, 2025H1, 2025K3 eller 2025-01-01..2025-06-30. Sammenlignes med samme periode året før.")] = None,
    areas: Annotated[Optional[Path], typer.Option("--areas", help="Områdefil (TOML), der samler bestemmelser i udvalgsområder. Uden den bruges registrets kolonne omraade.")] = None,
    public: Annotated[bool, typer.Option("--public", help="Til den åbne dagsorden: ingen sagsliste, sagsbeskrivelser, læringspunkter eller tekst som skrevet i registret; tal under 3 og de tal, de kunne regnes ud fra, vises som x.")] = False,
    db: DbOption = None,
) -> None:
    """Skriv den løbende klagerapport fra kommunens eget klageregister: områder, love, andre klageinstanser, årsager, afgørelsesår, gentagne klagere, læring og omgjorte sager."""
    engine = _open_for_reading(db)
    for path in api.report_complaints(engine, municipality, year, out, public=public, areas=areas, period=period):
        print(f"Skrev {path}")


@command(app, "serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="Adressen, serveren lytter på.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Porten.")] = 8000,
    geojson: Annotated[Optional[Path], typer.Option("--geojson", help="Kommunegrænser (GeoJSON) til et geografisk kort på forsiden. Uden den vises kortet som felter.")] = None,
    geojson_code: Annotated[str, typer.Option("--geojson-code", help="Egenskaben i GeoJSON-filen med kommunekoden.")] = "kommunekode",
    forwarded_allow_ips: Annotated[Optional[str], typer.Option("--forwarded-allow-ips", help="Kun bag en proxy (fx nginx): proxyens adresser, kommasepareret. Kun fra dem læses X-Forwarded-For og X-Forwarded-Proto (brugerens adresse og https). Uden den stoles der ikke på dem fra nogen.")] = None,
    saml: Annotated[Optional[Path], typer.Option("--saml", help="SAML-indstillingerne (TOML) til log ind med kommunens login (se README, Drift). Standard: miljøvariablen KLAGESTAT_SAML_CONFIG.", metavar="FIL")] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Antal serverprocesser (fx 2 pr. kerne på en server med PostgreSQL). De deler databasen: log ind, sessioner og en ny import gælder i dem alle.")] = 1,
    db: DbOption = None,
) -> None:
    """Start webserveren: Danmarkskortet, kommuneprofiler, sammenligning, API og kommunens sager."""
    _serve(db, host, port, geojson, geojson_code, forwarded_allow_ips, saml, workers)


def _serve(db: str | None, host: str, port: int, geojson: Path | None = None, geojson_code: str = "kommunekode",
           forwarded_allow_ips: str | None = None, saml: Path | None = None, workers: int = 1) -> None:
    import uvicorn

    from klagestat.store.database import ENV_VAR
    from klagestat.web import app as web
    from klagestat.web.saml import SamlService
    from klagestat.web.saml_settings import ENVIRONMENT_FILE, read_settings, settings_file

    # Each worker process builds its application from the environment (uvicorn starts them anew).
    for variable, value in ((ENV_VAR, db), (ENVIRONMENT_FILE, saml and str(saml.resolve())),
                            (web.GEOJSON_VARIABLE, geojson and str(geojson.resolve())),
                            (web.GEOJSON_CODE_VARIABLE, geojson_code)):
        if value:
            os.environ[variable] = value
    # Checked here, once, before any worker starts: a mistake is one Danish message, not a worker
    # that dies and is started again. The schema is made or migrated here too (the workers, which
    # may start together, then find it current; store/database.migrate locks it anyway).
    if saml_file := settings_file(None):
        SamlService.of(read_settings(saml_file))
    api.open_database(db)
    print(f"klagestat kører på http://{host}:{port}/ med {workers} serverproces{'' if workers == 1 else 'ser'} "
          "(stop med Ctrl+C)", flush=True)
    # Forwarded headers are believed only from the proxies named: otherwise anyone could claim
    # any address (and dodge the per-address login limit) or claim https.
    target = web.create_app_in_worker() if workers == 1 else "klagestat.web.app:create_app_in_worker"
    uvicorn.run(target, factory=workers > 1, workers=workers, host=host, port=port, log_config=None, access_log=False,
                proxy_headers=bool(forwarded_allow_ips), forwarded_allow_ips=forwarded_allow_ips or "")


@command(app, "backup")
def backup(
    out: Annotated[Path, typer.Option("--out", help="Sikkerhedskopiens filnavn (adgangsfilen med brugere og revisionslog lægges ved siden af).", metavar="FIL")],
    db: DbOption = None,
) -> None:
    """Tag en sikkerhedskopi af en SQLite-database, også mens serveren kører (PostgreSQL: pg_dump, se README)."""
    from klagestat.store.database import access_file

    written = api.backup(db, out)
    print(f"Sikkerhedskopien er {written} og {access_file(written)}.")


@command(app, "restore")
def restore(
    file: Annotated[Path, typer.Argument(help="Sikkerhedskopien (fra klagestat backup).", metavar="FIL")],
    replace: Annotated[bool, typer.Option("--replace", help="Erstat en database, der findes (stop serveren først).")] = False,
    db: DbOption = None,
) -> None:
    """Læg en sikkerhedskopi tilbage som databasen (SQLite; PostgreSQL: pg_restore, se README)."""
    target = api.restore(file, db, replace)
    print(f"{file} er lagt tilbage som {target}.")


@command(users_app, "add")
def users_add(
    email: Annotated[str, typer.Option("--email", help="Brugerens e-mailadresse (brugernavnet).")],
    municipality: Annotated[str, typer.Option("--municipality", help="Kommunen, hvis sager brugeren må se (kode eller navn).")],
    role: Annotated[Role, typer.Option("--role", help="reader: læse; analyst: læse, importere og rette; admin: også brugere og revisionslog.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Læs adgangskoden fra standard input (påkrævet, så den ikke står i kommandohistorikken).")] = False,
    db: DbOption = None,
) -> None:
    """Opret en bruger af sagsområdet (eller giv en eksisterende bruger ny kommune, rolle og adgangskode)."""
    if not password_stdin:
        raise InputError([], headline="Angiv --password-stdin, og skriv adgangskoden på standard input "
                                      "(fx: echo \"$KODE\" | klagestat users add ... --password-stdin).")
    password = sys.stdin.readline().rstrip("\r\n")
    user = api.add_user(api.open_database(db), email, municipality, role.value, password)
    name = load_catalogue().municipalities[user.municipality_code].name
    print(f"Brugeren {user.email} har nu adgang til {name} Kommunes sager som {Role(user.role).danish}.")


@command(plan_app, "import")
def plan_import(
    file: Annotated[Path, typer.Argument(help="Handleplanen som TOML-fil (se README).", metavar="FIL")],
    municipality: Annotated[str, typer.Option("--municipality", help="Kommunen (navn eller kode).")],
    areas: Annotated[Optional[Path], typer.Option("--areas", help="Områdefil (TOML), når initiativer retter sig mod områder.")] = None,
    db: DbOption = None,
) -> None:
    """Indlæs kommunens handleplan (en ny version; den samme plan igen ændrer intet)."""
    from klagestat.render import numbers

    report = api.plan_import(api.open_database(db), file, municipality, areas)
    name = load_catalogue().municipalities[report.municipality_code].name
    plan = report.plan
    if report.status == "unchanged":
        print(f"{report.file}: {name} Kommunes handleplan er allerede denne (version {report.version}); intet er ændret.")
        return
    print(f"{report.file}: indlæst som version {report.version} af {name} Kommunes handleplan: "
          f"{numbers.counted(len(plan.initiatives), 'initiativ', 'initiativer')}, "
          f"{numbers.counted(len(plan.alternatives), 'alternativ', 'alternativer')}, "
          f"{numbers.counted(len(plan.meetings), 'møde', 'møder')}.")


@command(plan_app, "export")
def plan_export(
    municipality: Annotated[str, typer.Option("--municipality", help="Kommunen (navn eller kode).")],
    out: Annotated[Optional[Path], typer.Option("--out", help="Skriv til denne fil i stedet for skærmen.", metavar="FIL")] = None,
    db: DbOption = None,
) -> None:
    """Skriv kommunens handleplan som TOML-fil: den form, plan import læser."""
    text = api.plan_export(_open_for_reading(db), municipality)
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as e:
        raise InputError([], headline=f"Filen {out} kan ikke skrives ({e.strerror or e}).") from None
    print(f"Skrev {out}")


@command(plan_app, "effect")
def plan_effect(
    municipality: Annotated[str, typer.Option("--municipality", help="Kommunen (navn eller kode).")],
    areas: Annotated[Optional[Path], typer.Option("--areas", help="Områdefil (TOML), når initiativer retter sig mod områder.")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Klageregistret, som det så ud på denne dato (ÅÅÅÅ-MM-DD). Standard: som det er.")] = None,
    format_: Annotated[ReconcileFormat, typer.Option("--format", help="table eller json.")] = ReconcileFormat.table,
    db: DbOption = None,
) -> None:
    """Omgøres afgørelserne efter hvert initiativs start sjældnere? Før og efter, forskellen og året for afgørelsen."""
    from klagestat.render.plan_effect import effect_rows, print_plan_effect

    result = api.plan_effect(_open_for_reading(db), municipality, areas, as_of=_parse_date(as_of, "--as-of"))
    if format_ is ReconcileFormat.json:
        sys.stdout.write(json.dumps(effect_rows(result), ensure_ascii=False, indent=1) + "\n")
    else:
        print_plan_effect(result, load_catalogue().municipalities[result.municipality_code].name, _console())


@command(plan_app, "status")
def plan_status(
    municipality: Annotated[str, typer.Option("--municipality", help="Kommunen (navn eller kode).")],
    year: Annotated[str, typer.Option("--year", help="Året for Ankestyrelsens afgørelser (kortene offentliggøres året efter og skal behandles det år).")],
    today: Annotated[Optional[str], typer.Option("--today", help="Status pr. denne dato (ÅÅÅÅ-MM-DD). Standard: i dag.")] = None,
    format_: Annotated[ReconcileFormat, typer.Option("--format", help="table eller json.")] = ReconcileFormat.table,
    db: DbOption = None,
) -> None:
    """Årets behandling af danmarkskortet (§ 79 b) efter handleplanens møder: hvad er gjort, hvad mangler, og frister."""
    from klagestat.render.plan_status import print_plan_status, status_json

    result = api.plan_status(_open_for_reading(db), municipality, year, today=_parse_date(today, "--today"))
    if format_ is ReconcileFormat.json:
        sys.stdout.write(json.dumps(status_json(result), ensure_ascii=False, indent=1) + "\n")
    else:
        print_plan_status(result, load_catalogue().municipalities[result.municipality_code].name, _console())


DEMO_REPORT_YEAR = 2024  # the demo's sample case: the maps published in 2025
DEMO_PORT = 8000  # design.md: the demo serves on http://127.0.0.1:8000


@command(app, "demo")
def demo(
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Byg kun demodatabasen; start ikke webserveren.")] = False,
    db: Annotated[Optional[str], typer.Option("--db", help="Demodatabasen. Standard: demo/klagestat-demo.db.")] = None,
    folder: Annotated[Path, typer.Option("--folder", help="Mappe til de genererede statistikbankfiler.")] = Path("demo"),
    port: Annotated[int, typer.Option("--port", help="Webserverens port.")] = DEMO_PORT,
) -> None:
    """Byg en demodatabase med syntetiske tal for hele landet 2013-2025, og start webserveren på den."""
    # The demo is built with the API like any user's data: the command calls the builder, which
    # sits above the API (the API never imports the demo).
    from klagestat.demo.build import DEMO_PASSWORD, DEMO_USERS, build_demo
    from klagestat.render.rate_tables import render_table

    db = db or str(folder / "klagestat-demo.db")
    with _progress() as progress:
        table = build_demo(db, folder, progress=progress)
        if progress:
            progress("Skriver et eksempel på en sag om danmarkskortet")
        sample = folder / f"danmarkskort-{DEMO_REPORT_YEAR}-allerod.docx"
        api.report_danmarkskort(api.open_database(db), "Allerød", DEMO_REPORT_YEAR, sample)
    out = _console()
    catalogue = load_catalogue()
    render_table(table, {code: catalogue.map_name(code) for code in catalogue.map_codes()}, out)
    program = _program_name()
    out.print(f"\nDemodatabasen er {db}, og {sample} er et eksempel på en sag til udvalget. Prøv fx:\n"
              f"  {program} rates --db {db} --year 2024 --municipality Allerød --neighbours\n"
              f"  {program} rates --db {db} --year 2021,2022,2023,2024 --municipality Lejre --map social\n"
              f"  {program} report danmarkskort --db {db} --municipality Ballerup --year 2024 --out ballerup.html\n"
              f"  {program} report complaints --db {db} --municipality Allerød --year 2024 --out klager.docx")
    [(email, _role), *_] = DEMO_USERS
    login = (f"Kommunens sager (Allerød): log ind med {email} og adgangskoden {DEMO_PASSWORD}.")
    if no_serve:
        out.print(f"\nStart webserveren med: {program} serve --db {db}\n{login}")
        return
    out.print(f"\n{login}")
    _serve(db, "127.0.0.1", port)


def _program_name() -> str:
    """How the user can run klagestat again: `.venv/bin/klagestat` after `make demo`."""
    path = Path(sys.argv[0])
    if path.name == "klagestat" and path.parent != Path("."):
        relative = os.path.relpath(path)
        return relative if not relative.startswith("..") else "klagestat"
    return "klagestat"


# The command-line library's own usage errors, in Danish (its --help stays in English).
def main() -> None:
    try:
        code = app(prog_name="klagestat", standalone_mode=False)
    except typer.TyperException as e:  # a usage error: a missing or unknown option …
        command = getattr(getattr(e, "ctx", None), "command_path", "klagestat")
        text = e.format_message() if hasattr(e, "format_message") else str(e)
        if type(e).__name__ == "NoArgsIsHelpError":  # a group without its command: its help says what to choose
            sys.stderr.write(text + "\n")
        else:
            sys.stderr.write(f"Fejl: {usage_error_da(text)}\nSe '{command} --help'.\n")
        sys.exit(getattr(e, "exit_code", 2))
    except typer.Abort:
        sys.stderr.write("Afbrudt.\n")
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
