"""The public pages, no login: the map (/), a municipality's profile (/kommune/{code}) with its
downloads (CSV, XLSX and the committee case as Word), and the comparison (/sammenlign).

Thin routes over the API and render: the figures come from `api.rates` and
`api.danmarkskort_cases`, the functions behind `klagestat rates` and `klagestat report danmarkskort`,
so a page can't disagree with them.

Rendering is slow next to serving (a year's rates 50 ms, a profile's charts half a second), so
what is rendered is kept in memory (`Cache`), keyed by the vintages of the years it shows (so an
import changes the pages of the years it touches, and a register import none) and by the
request's parameters as resolved (year, map, colouring), never as typed, so odd parameters can't
fill the cache. Only a page's content is kept: the page around it
(header, the logged-in user) is rendered for each request.
"""

from __future__ import annotations

import logging
import re
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from klagestat import api
from klagestat.analysis.danmarkskort import DanmarkskortCase, MapSection, case_years
from klagestat.analysis.rates import RateRow, RateTable
from klagestat.domain.catalogue import NATIONAL_CODE, AreaLevel, Catalogue, Municipality
from klagestat.domain.periods import YearSpan
from klagestat.domain.problems import InputError, NoDataError
from klagestat.domain.statistics import FEW_CASES, FUNNEL_LEVELS, funnel_limits
from klagestat.ingest.boundaries import Boundaries, read_boundaries
from klagestat.render import numbers
from klagestat.render.charts import funnel_plot, trend_chart
from klagestat.render.danmarkskort_files import danmarkskort_file_name
from klagestat.render.danmarkskort_report import danmarkskort_document, in_sentence
from klagestat.render.danmarkskort_view import (
    DERIVED_WHY,
    comparison_lines,
    derived_lines,
    funnel_points,
    outcome_lines,
    rate_and_cases,
    rate_with_cases,
    trend_series,
)
from klagestat.render.exports import csv_bytes, xlsx_bytes
from klagestat.render.figures import Figure
from klagestat.render.inhabitants import PER_10000_WHY, first_with_figure, per_10000_sentence
from klagestat.render.maps import CLASS_VALUES
from klagestat.render.rate_rows import sheet_rows
from klagestat.render.report_files import write_report
from klagestat.render.sources import source_text
from klagestat.render.web_map import COLOURINGS, GeoOutline, geo_outline, web_map
from klagestat.render.wording import SYNTHETIC_BANNER

from .cache import Cache, NotCached
from .pages import download, environment, page

router = APIRouter()

log = logging.getLogger("klagestat.web")

DEFAULT_MAP = "social"
DEFAULT_COLOUR = "funnel"  # a 5-case municipality is no darker than chance allows: compared, not ranked
PAGE_CACHE_CHARACTERS = 64 * 1024 * 1024  # rendered pages and files: about 64 MB
DATA_CACHE_ENTRIES = 64  # computed tables: a year's rates, a year's cases (a few MB at most)
# matplotlib is not thread-safe, and two cold pages may be drawn at once: one drawing at a time
# (the GIL would run them one at a time anyway).
DRAWING = threading.Lock()


@dataclass(frozen=True)
class Rendered:
    """A page's content, rendered once: its title and the HTML inside <main>."""

    title: str
    body: str


def _weight(value) -> int:
    return len(value.body) if isinstance(value, Rendered) else len(value)


@dataclass(frozen=True)
class Caches:
    pages: Cache  # Rendered contents and download files, by size
    data: Cache  # computed tables, by number


_caches_lock = threading.Lock()


def _caches(app) -> Caches:
    """The application's caches, made on first use (one application, one database)."""
    state = app.state
    with _caches_lock:
        if not hasattr(state, "public_caches"):
            state.public_caches = Caches(Cache(PAGE_CACHE_CHARACTERS, _weight), Cache(DATA_CACHE_ENTRIES))
        return state.public_caches


# ---- what a request knows -----------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """The database, catalogue and caches for one request, at the statistics' current version."""

    engine: object
    catalogue: Catalogue
    caches: Caches
    version: api.PublicVersion
    geojson: tuple[Path, str] | None
    cached_only: bool = False  # in the event loop: what isn't cached raises NotCached, nothing is built

    def data(self, key: tuple, build: Callable[[], object], years: Sequence[int] | None = None):
        """The value under `key`, built when missing; kept until an import changes the figures
        of `years` (without: until any import)."""
        return self._get(self.caches.data, (self._version_of(years), *key), build)

    def rendered(self, key: tuple, build: Callable[[], object], years: Sequence[int] | None = None):
        return self._get(self.caches.pages, (self._version_of(years), *key), build)

    def _version_of(self, years: Sequence[int] | None) -> tuple:
        """What the figures of the years can change with: the vintages that have them, so that
        a register import, or one of other years, leaves their pages warm."""
        if years is None:
            return self.version
        vintages = self.data(("vintages of years",), lambda: api.statistics_vintages_of_years(self.engine))
        # The municipalities' comments are on the pages too.
        return ("years", self.version.comments, *((y, vintages.get(y, ())) for y in years))

    def _get(self, cache: Cache, key: tuple, build: Callable[[], object]):
        return cache.cached(key) if self.cached_only else cache.get(key, build)

    @property
    def years(self) -> list[int]:
        return self.data(("years",), lambda: api.statistics_years(self.engine))

    def years_of(self, code: str) -> list[int]:
        """The years with figures for the municipality, oldest first."""
        return self.data(("years", code), lambda: api.statistics_years(self.engine, code))

    def year_table(self, year: int) -> RateTable:
        """Every municipality's and the nation's rates in the year, per map."""
        return self.data(("year", year), lambda: api.rates(self.engine, [YearSpan(year, year)],
                                                            catalogue=self.catalogue), years=[year])

    def case(self, code: str, year: int) -> DanmarkskortCase:
        """The municipality's Danmarkskort case; all municipalities' cases of the year are
        computed together, most of the work being shared (see danmarkskort_cases)."""
        def build() -> dict[str, DanmarkskortCase]:
            with_figures = [r.area.code for r in self.year_table(year).rows
                            if r.area.level is AreaLevel.MUNICIPALITY and r.counts is not None]
            # The public pages never read a register (public=True): it is private.
            cases = api.danmarkskort_cases(self.engine, year, list(dict.fromkeys(with_figures)), public=True,
                                           catalogue=self.catalogue)
            return {c.municipality.code: c for c in cases}
        cases = self.data(("cases", year), build, years=case_years(self.catalogue, year))
        if code not in cases:
            name = self.catalogue.municipalities[code].name
            raise NoDataError(f"Der er ingen tal for {name} i {year}. Vælg et andet år.")
        return cases[code]

    def outline(self) -> tuple[GeoOutline | None, str | None]:
        """The geographic map's boundaries when the server has them, else None (the tile grid);
        and, when the file can't be read, why (the page says so and shows the tile grid)."""
        outline, _, problem = self._boundaries()
        return outline, problem

    def boundaries(self) -> Boundaries | None:
        """The boundaries as read, for the committee case's map; None without (readable) ones."""
        return self._boundaries()[1]

    def _boundaries(self) -> tuple[GeoOutline | None, Boundaries | None, str | None]:
        if self.geojson is None:
            return None, None, None

        def build():
            try:
                boundaries = read_boundaries(self.catalogue, *self.geojson)  # read once, then kept
                return geo_outline(self.catalogue, boundaries), boundaries, None
            except InputError as e:
                return None, None, " ".join(p.message for p in e.problems)
        # The file doesn't change with the statistics: kept under no version.
        key = ("outline", *map(str, self.geojson))
        return self.caches.data.cached(key) if self.cached_only else self.caches.data.get(key, build)


async def _served(request: Request, respond: Callable[[Site], Response]) -> Response:
    """A page from memory, in the event loop, when everything it needs is cached (the common
    case: no thread hand-over, a third more pages per second); otherwise computed in the threadpool,
    as building may take a second and must not stop the other requests."""
    site = _site(request)  # the version: one 0.05 ms query
    try:
        return respond(replace(site, cached_only=True))
    except NotCached:
        return await run_in_threadpool(respond, site)


def _site(request: Request) -> Site:
    return _site_of(request.app)


def _site_of(app) -> Site:
    engine = app.state.engine
    return Site(engine, app.state.catalogue, _caches(app), api.statistics_version(engine), app.state.geojson)


def _shell(request: Request, rendered: Rendered) -> HTMLResponse:
    return page(request, "_public_page.html", title=rendered.title, body=Markup(rendered.body))


def _render(template: str, **context) -> str:
    return environment.get_template(template).render(**context)


# ---- parameters ----------------------------------------------------------------------------------


def _years_text(years: list[int]) -> str:
    if years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]}"
    return ", ".join(map(str, years))


def _year(site: Site, text: str | None, known_only: bool = True) -> int:
    """The year asked for, or the newest with figures; 422 when it's no year, 404 without figures
    (unless not `known_only`: then any year of the statistics' range of plausible years)."""
    years = site.years
    if not years:
        raise HTTPException(404, "Der er endnu ingen tal fra Ankestyrelsens statistik i klagestat.")
    if text is None or not text.strip():
        return years[-1]
    try:
        year = int(text.strip())
    except ValueError:
        raise HTTPException(422, f"Ugyldigt år {text!r}. Vælg et af årene {_years_text(years)}.") from None
    if known_only and year not in years or not 1990 <= year <= 2100:
        raise HTTPException(404, f"Der er ingen tal for {year}. Vælg et af årene {_years_text(years)}.")
    return year


def _choice(text: str | None, allowed: dict[str, str], default: str, what: str) -> str:
    if text is None or not text.strip():
        return default
    if text.strip() not in allowed:
        choices = ", ".join(f"{code} ({name.lower()})" for code, name in allowed.items())
        raise HTTPException(422, f"Ukendt {what} {text!r}. Vælg mellem {choices}.")
    return text.strip()


def _municipality(catalogue: Catalogue, text: str) -> Municipality:
    found = catalogue.find_municipality(text)
    if found is None:
        raise HTTPException(404, f"Der er ingen kommune med navnet eller koden {text!r}.")
    return found


def _moved(request: Request, municipality: Municipality, typed: str, rest: str = "") -> RedirectResponse | None:
    """A municipality asked for by name ("Allerød") or another spelling of its code ("0201") is
    sent on to its one address, /kommune/201 + `rest`, with the same query."""
    if typed == municipality.code:
        return None
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/kommune/{municipality.code}{rest}{query}", status_code=307)


def _map_names(catalogue: Catalogue) -> dict[str, str]:
    return {code: m.name for code, m in catalogue.maps.items()}


# ---- the map -------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
async def front(request: Request, year: str | None = None,
                map_code: Annotated[str | None, Query(alias="map")] = None, colour: str | None = None) -> Response:
    return await _served(request, lambda site: _front(request, site, year, map_code, colour))


def _front(request: Request, site: Site, year: str | None, map_code: str | None, colour: str | None) -> HTMLResponse:
    chosen = (_year(site, year), _choice(map_code, _map_names(site.catalogue), DEFAULT_MAP, "kort"),
              _choice(colour, COLOURINGS, DEFAULT_COLOUR, "farvelægning"))
    return _shell(request, _front_rendered(site, *chosen))


def _front_rendered(site: Site, year: int, map_code: str, colour: str) -> Rendered:
    return site.rendered(("map", year, map_code, colour, tuple(site.years)),
                         lambda: _map_page(site, year, map_code, colour), years=[year])


def _map_page(site: Site, year: int, map_code: str, colour: str) -> Rendered:
    catalogue = site.catalogue
    table = site.year_table(year)
    rows = {r.area.code: r for r in table.rows if r.map == map_code and r.area.level is AreaLevel.MUNICIPALITY}
    national = _national(table, map_code)
    newest = year == site.years[-1]
    outline, outline_problem = site.outline()
    the_map = web_map(catalogue, rows.values(), colour, lambda code: _profile_url(code, None if newest else year),
                      outline)
    lines = [(m, rows.get(code), _profile_url(code, None if newest else year), _placement(rows.get(code)))
             for code, m in _by_name(catalogue.municipalities)]
    map_name = catalogue.maps[map_code].name
    title = f"Danmarkskortet {year}: {map_name}"
    body = _render("map.html", title=title, year=year, years=list(reversed(site.years)), map_code=map_code,
                   municipality_names=sorted(m.name for m in catalogue.municipalities.values()),
                   maps=_map_names(catalogue), colour=colour, colourings=COLOURINGS, the_map=the_map,
                   lines=lines, national=national, notes=table.notes, source=_source(table.vintages),
                   notice=_notice(table.synthetic), outline_problem=outline_problem,
                   funnel_level=numbers.level_percent(FUNNEL_LEVELS[0]), per_10000_why=PER_10000_WHY)
    return Rendered(title, body)


def _placement(row: RateRow | None) -> str:
    """Where the municipality lies against the national rate, at the 95 % funnel limits."""
    where = row.funnel.get(FUNNEL_LEVELS[0]) if row is not None else None
    return CLASS_VALUES[where] if where is not None else "–"


def _notice(synthetic: bool) -> str | None:
    return SYNTHETIC_BANNER if synthetic else None


def _national(table: RateTable, map_code: str) -> RateRow | None:
    return next((r for r in table.rows if r.map == map_code and r.area.level is AreaLevel.NATIONAL), None)


def _profile_url(code: str, year: int | None) -> str:
    return f"/kommune/{code}" + (f"?year={year}" if year is not None else "")


# Danish alphabetical order: Æ, Ø, Å after Z, and "Aa" as Å (Aabenraa, Aalborg and Aarhus last).
_DANISH_LETTERS = str.maketrans({"Æ": "Z\u0001", "Ø": "Z\u0002", "Å": "Z\u0003"})


def _danish_key(name: str) -> str:
    return name.upper().replace("AA", "Å").translate(_DANISH_LETTERS)


def _by_name(municipalities: dict[str, Municipality]) -> list[tuple[str, Municipality]]:
    return sorted(municipalities.items(), key=lambda item: _danish_key(item[1].name))


def _source(vintages) -> str:
    return source_text(vintages)


# ---- a municipality's profile -------------------------------------------------------------------


@router.get("/kommune", response_class=HTMLResponse)
def find_municipality(request: Request, navn: Annotated[str, Query(max_length=100)] = "") -> Response:
    """The front page's search box: a municipality's name (or code) leads to its profile."""
    if not navn.strip():
        return RedirectResponse("/", status_code=303)
    municipality = _municipality(request.app.state.catalogue, navn.strip())
    return RedirectResponse(f"/kommune/{municipality.code}", status_code=303)


@router.get("/kommune/{code}", response_class=HTMLResponse)
async def profile(request: Request, code: str, year: str | None = None) -> Response:
    return await _served(request, lambda site: _profile(request, site, code, year))


def _profile(request: Request, site: Site, code: str, year: str | None) -> Response:
    municipality = _municipality(site.catalogue, code)
    if (moved := _moved(request, municipality, code)) is not None:
        return moved
    # Without a year: the newest year with the municipality's figures, which need not be the
    # newest year in the database (one municipality's new download is not everyone's).
    own_years = site.years_of(municipality.code)
    if year and year.strip():
        chosen = _year(site, year, known_only=False)
    else:
        chosen = own_years[-1] if own_years else _year(site, None)
    return _shell(request, _profile_rendered(site, municipality.code, chosen, own_years))


def _profile_rendered(site: Site, code: str, year: int, own_years: list[int]) -> Rendered:
    def build() -> Rendered:
        try:
            if year in own_years:
                return _profile_page(site, site.case(code, year))
        except NoDataError:
            pass
        return _no_figures_page(site.catalogue.municipalities[code].name, code, year, own_years)
    # The page links to every year with figures: the list is part of what it is kept under.
    return site.rendered(("profile", code, year, tuple(own_years), tuple(site.years)), build,
                         years=case_years(site.catalogue, year))


# ---- warming the cache -----------------------------------------------------------------------------

WARM_POLL_SECONDS = 2.0  # how often the warmer looks for a new import


def start_warming(app) -> threading.Event:
    """Keep the public pages warm, so no visitor waits for them to be computed: after the server
    starts and after every import (a new statistics version, from this or any other process),
    the newest year's figures, the front page of each map and every municipality's profile are
    built in a background thread, the shared data first. Set the returned event to stop."""
    stop = threading.Event()

    def loop() -> None:
        warmed = None
        while not stop.is_set():
            try:
                site = _site_of(app)
                if site.version != warmed:
                    _warm(site, stop)
                    warmed = site.version
            except Exception:  # a database that is busy or gone: try again at the next look
                log.exception("Siderne kunne ikke varmes op")
            stop.wait(WARM_POLL_SECONDS)

    threading.Thread(target=loop, name="klagestat-warm", daemon=True).start()
    return stop


def _warm(site: Site, stop: threading.Event) -> None:
    if not site.years:
        return
    newest = site.years[-1]
    site.year_table(newest)
    for map_code in site.catalogue.maps:
        _front_rendered(site, newest, map_code, DEFAULT_COLOUR)
    for code in site.catalogue.municipalities:
        if stop.is_set():
            return
        own_years = site.years_of(code)
        if own_years:
            _profile_rendered(site, code, own_years[-1], own_years)


def _no_figures_page(name: str, code: str, year: int, own_years: list[int]) -> Rendered:
    """A year without the municipality's figures: a page (not an error) that leads to the years with them."""
    title = f"{name} Kommune: ingen tal for {year}"
    body = _render("profile_missing.html", title=title, name=name, year=year,
                   links=[(y, f"/kommune/{code}?{urlencode({'year': y})}") for y in reversed(own_years)])
    return Rendered(title, body)


def _profile_page(site: Site, case: DanmarkskortCase) -> Rendered:
    name = case.municipality.name
    code = case.municipality.code
    title = f"{name} Kommune: omgørelsesprocenter {case.year}"
    series = trend_series(case)
    social = case.maps[0]
    funnel = None
    with DRAWING:
        trend = _inline(trend_chart(series, name), "trend")
        if social.has_funnel:
            funnel = _inline(funnel_plot(funnel_points(social), social.national.rate, code, in_sentence(social.name), str(case.year)),
                             "tragt")
    explained = first_with_figure(case.maps)
    body = _render(
        "profile.html", title=title, case=case,
        sections=[_section_view(case, s, s is explained) for s in case.maps],
        derived=[(d, derived_lines(case, d)) for d in case.derived], derived_why=DERIVED_WHY,
        trend=trend, trend_rows=_trend_rows(case), funnel=funnel,
        funnel_rows=_funnel_rows(social) if funnel else [], social=social,
        years=list(reversed(site.years)), source=_source(case.vintages), notice=_notice(case.synthetic),
        small=FEW_CASES, levels=[numbers.level_percent(level) for level in FUNNEL_LEVELS],
        downloads=_download_urls(code, case.year))
    return Rendered(title, body)


def _inline(figure: Figure, prefix: str) -> dict:
    """A chart's SVG for inlining in a page with others: matplotlib names its parts alike in every
    chart ("line2d_1"), and ids must be unique in a page."""
    svg = re.sub(r'(\bid="|href="#|url\(#)', lambda m: f"{m.group(1)}{prefix}-", figure.svg)
    return {"svg": Markup(svg), "title": figure.title}


@dataclass(frozen=True)
class SectionView:
    """One map of the profile, its figures formatted."""

    section: MapSection
    cases: int  # realitetsbehandlede; 0: none
    outcomes: list[tuple[str, str, str, str]]  # (outcome, count, share, national share)
    dismissed: int
    funnel: list[tuple[str, str, str]]  # (level, limits around the national rate, where the municipality lies)
    one_case_points: str | None  # how many percentage points one case moves the rate, when cases are few
    comparison: list[tuple[str, list[str]]]  # (name, a cell per table year)
    provisions: list[RateRow]
    per_10000: str | None  # the sentence on omgjorte sager pr. 10.000 indbyggere; None without the population
    comment: str | None = None  # the municipality's own words on the year's map


def _section_view(case: DanmarkskortCase, section: MapSection, explain_per_10000: bool) -> SectionView:
    row, national = section.row, section.national
    n = row.denominator if section.has_cases else 0
    outcomes = [(o.label, o.count, o.share, o.national_share) for o in outcome_lines(section)]
    funnel, dismissed = [], 0
    if n:
        dismissed = row.counts.dismissed
        if national is not None and national.rate is not None:
            for level in FUNNEL_LEVELS:
                low, high = funnel_limits(national.rate, n, level)
                where = row.funnel.get(level)
                funnel.append((numbers.level_percent(level), numbers.interval((low, high)), CLASS_VALUES[where] if where else "–"))
    comparison = comparison_lines(case, section)
    return SectionView(
        section=section, cases=n, outcomes=outcomes, dismissed=dismissed, funnel=funnel,
        one_case_points=numbers.percent(Fraction(1, n)).removesuffix(" %") if 0 < n < FEW_CASES else None,
        comparison=comparison, provisions=section.provisions,
        per_10000=per_10000_sentence(row, national, explain_per_10000) if n else None,
        comment=row.comment if row is not None else None)


def _trend_rows(case: DanmarkskortCase) -> list[tuple[int, list[str]]]:
    """The trend chart as a table: a line per year, the municipality and the nation per map."""
    lines = []
    for i, year in enumerate(case.trend_years):
        cells = []
        for section in case.maps:
            _, mine, country = section.trend[i]
            cells += [rate_with_cases(mine, False), rate_with_cases(country, True)]
        lines.append((year, cells))
    return lines


def _funnel_rows(section: MapSection) -> list[tuple[RateRow, str]]:
    """The funnel plot as a table: every municipality with cases, fewest cases first (as the plot
    reads from left to right), and where it lies at 95 %."""
    return [(r, _placement(r))
            for r in sorted(section.all_municipalities, key=lambda r: (r.denominator, _danish_key(r.area.name)))]


def _download_urls(code: str, year: int) -> dict[str, str]:
    return {"csv": f"/kommune/{code}/omgoerelsesprocenter.csv",
            "xlsx": f"/kommune/{code}/omgoerelsesprocenter.xlsx",
            "docx": f"/kommune/{code}/danmarkskort.docx?{urlencode({'year': year})}"}


# ---- downloads -----------------------------------------------------------------------------------


@router.get("/kommune/{code}/omgoerelsesprocenter.csv")
def profile_csv(request: Request, code: str) -> Response:
    return _rates_file(request, code, "csv")


@router.get("/kommune/{code}/omgoerelsesprocenter.xlsx")
def profile_xlsx(request: Request, code: str) -> Response:
    return _rates_file(request, code, "xlsx")


def _rates_file(request: Request, code: str, kind: str) -> Response:
    """The municipality's rows and the nation's, every year and map: the rows of `klagestat rates
    --year <every year> --municipality <code> --format csv`."""
    site = _site(request)
    municipality = _municipality(site.catalogue, code)
    if (moved := _moved(request, municipality, code, f"/omgoerelsesprocenter.{kind}")) is not None:
        return moved
    if not site.years:
        raise HTTPException(404, "Der er endnu ingen tal fra Ankestyrelsens statistik i klagestat.")

    def build() -> bytes:
        table = api.rates(site.engine, [YearSpan(y, y) for y in site.years], municipalities=[municipality.code],
                          catalogue=site.catalogue)
        header, rows = sheet_rows(table)
        if kind == "csv":
            return csv_bytes(header, rows)
        return xlsx_bytes("Omgørelsesprocenter", header, rows)

    content = site.rendered((kind, municipality.code), build)
    name = f"omgørelsesprocenter-{municipality.code}-{municipality.name}.{kind}"
    return download(content, name)


@router.get("/kommune/{code}/danmarkskort.docx")
def profile_docx(request: Request, code: str, year: str | None = None) -> Response:
    """The committee case for the year, the public version (what `klagestat report danmarkskort
    --public` writes)."""
    site = _site(request)
    municipality = _municipality(site.catalogue, code)
    if (moved := _moved(request, municipality, code, "/danmarkskort.docx")) is not None:
        return moved
    chosen = _year(site, year)

    def build() -> bytes:
        case = site.case(municipality.code, chosen)
        boundaries = site.boundaries()  # a file that can't be read: the tile grid
        document = danmarkskort_document(case, site.catalogue, public=True, boundaries=boundaries)
        with tempfile.TemporaryDirectory(prefix="klagestat-web-") as folder, DRAWING:  # the charts are drawn here
            path = Path(folder) / "sag.docx"
            write_report(document, path)
            return path.read_bytes()

    content = site.rendered(("docx", municipality.code, chosen), build)
    name = danmarkskort_file_name(chosen, municipality.code, municipality.name, ".docx")
    return download(content, name)


# ---- the comparison ------------------------------------------------------------------------------


@router.get("/sammenlign", response_class=HTMLResponse)
async def compare(request: Request, kommune: Annotated[list[str], Query()] = []) -> Response:  # noqa: B006 - FastAPI copies it
    return await _served(request, lambda site: _compare(request, site, kommune))


def _compare(request: Request, site: Site, kommune: list[str]) -> HTMLResponse:
    codes = []
    for text in kommune:
        if not text.strip():
            continue
        found = site.catalogue.find_municipality(text)
        if found is None:
            raise HTTPException(422, f"Der er ingen kommune med navnet eller koden {text!r}.")
        codes.append(found.code)
    codes = tuple(dict.fromkeys(codes))
    return _shell(request, site.rendered(("compare", codes), lambda: _compare_page(site, codes)))


def _compare_page(site: Site, codes: tuple[str, ...]) -> Rendered:
    catalogue = site.catalogue
    years = list(reversed(site.years))  # newest first, as the municipalities' own tables
    tables = [site.year_table(y) for y in years] if codes else []
    maps = []
    for map_code, definition in catalogue.maps.items():
        by_area = {(r.area.code, r.span.first): r for t in tables for r in t.rows if r.map == map_code}
        lines = [(catalogue.municipalities[c].name, _profile_url(c, None),
                  [rate_and_cases(by_area.get((c, y)), False) for y in years]) for c in codes]
        national = [rate_and_cases(by_area.get((NATIONAL_CODE, y)), True) for y in years]
        maps.append((definition.name, lines, national))
    regions = [(region.name, [(c, m) for c, m in _by_name(catalogue.municipalities) if m.region_code == rc])
               for rc, region in catalogue.regions.items()]
    title = "Sammenlign kommuner"
    body = _render("compare.html", title=title, codes=codes, years=years, maps=maps, regions=regions,
                   names=[catalogue.municipalities[c].name for c in codes],
                   notice=_notice(any(t.synthetic for t in tables)),
                   source=_source([v for t in tables for v in t.vintages]))
    return Rendered(title, body)

