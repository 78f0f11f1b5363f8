"""The case area (/sager): the logged-in user's own municipality's cases, imports, analyses and
the complaint report.

Every read goes through `store.register_cases` (or the analyses and reports of one municipality) with
the user's own municipality code, never one taken from the request, so another municipality's
case answers 404 from every route. Every view and change of case data is written to the audit log
in the same transaction as the read.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from klagestat import api
from klagestat.catalogue import load_register_vocabulary
from klagestat.domain.accounts import Role
from klagestat.domain.case_state import STATE_NAMES_DA, CaseState, state_text
from klagestat.domain.comments import MAX_COMMENT_CHARACTERS
from klagestat.domain.cpr import mask_cpr
from klagestat.domain.outcomes import OUTCOME_NAMES_DA, Outcome
from klagestat.domain.plan import MeetingKind, Status
from klagestat.domain.problems import InputError, NoDataError, Problem
from klagestat.domain.register import REASSESSMENT_NAMES_DA
from klagestat.ingest.plan_file import MAX_PLAN_BYTES
from klagestat.render import exports, numbers
from klagestat.render.document import SOFT_HYPHEN
from klagestat.render.register_tables import analysis_parts
from klagestat.render.wording import SYNTHETIC_BANNER
from klagestat.store import accounts, audit, register_cases
from klagestat.store.accounts import User, users_of
from klagestat.store.comments import comments_of
from klagestat.store.plans import current_plan

from .accounts import current_user, role_at_least
from .pages import download, download_file, download_stream, page

router = APIRouter(prefix="/sager")

PAGE_SIZE = 100
_vocabulary = load_register_vocabulary()
UPLOAD_LIFETIME = 3600  # seconds a previewed upload waits for its confirmation
PENDING_CHOICE = "verserende"  # the state filter's value for both pending states
STATE_CHOICES = {PENDING_CHOICE: "Verserende (i kommunen eller ved klageinstansen)",
                 **{s.value: name for s, name in STATE_NAMES_DA.items()}}
OUTCOME_CHOICES = {**{o.value: name for o, name in OUTCOME_NAMES_DA.items()}, "reversed": "Omgjort (ændret eller hjemvist)"}
REPORT_FORMATS = {"docx": "Word (.docx)", "html": "Webside (.html)", "pdf": "PDF (.pdf)"}

Reader = Annotated[User, Depends(current_user)]
Analyst = Annotated[User, Depends(role_at_least(Role.ANALYST))]
Admin = Annotated[User, Depends(role_at_least(Role.ADMIN))]


def _municipality_name(request: Request, user: User) -> str:
    return request.app.state.catalogue.municipalities[user.municipality_code].name


def _case_page(request: Request, user: User, template: str, status_code: int = 200, **context) -> Response:
    return page(request, template, status_code=status_code, municipality=_municipality_name(request, user),
                role=Role(user.role), **context)


# ---- the list ---------------------------------------------------------------------------------

def _filters(year: str | None, area: str | None, provision: str | None, outcome: str | None,
             pending: bool, state: str | None) -> register_cases.CaseFilters:
    if year and not (year.isascii() and year.isdigit() and 1990 <= int(year) <= 2100):
        raise HTTPException(422, f"Året skal være et årstal som 2024, ikke {year!r}.")
    if outcome and outcome not in OUTCOME_CHOICES:
        raise HTTPException(422, f"Udfaldet {outcome!r} kendes ikke. Vælg mellem: {', '.join(OUTCOME_CHOICES)}.")
    if state and state not in STATE_CHOICES:
        raise HTTPException(422, f"Status {state!r} kendes ikke. Vælg mellem: {', '.join(STATE_CHOICES)}.")
    return register_cases.CaseFilters(year=int(year) if year else None, committee=area or None, provision=provision or None, outcome=outcome or None,
                             pending=pending or state == PENDING_CHOICE,
                             state=CaseState(state) if state and state != PENDING_CHOICE else None)


# A filter form sends "" for "Alle": an empty value is no filter, not an error.
YearParam = Annotated[str | None, Query(max_length=4, description="Året, klageinstansen afgjorde sagen.")]
TextParam = Annotated[str | None, Query(max_length=200)]


@router.get("")
def case_list(request: Request, user: Reader, year: YearParam = None, area: TextParam = None,
              provision: TextParam = None, outcome: TextParam = None, pending: bool = False,
              state: TextParam = None, page_number: Annotated[int, Query(alias="side", ge=1, le=100_000)] = 1):
    filters = _filters(year, area, provision, outcome, pending, state)
    with request.app.state.engine.begin() as conn:
        lines, total = register_cases.list_cases(conn, user.municipality_code, filters, PAGE_SIZE, (page_number - 1) * PAGE_SIZE)
        choices = register_cases.filter_choices(conn, user.municipality_code)
        audit.record(conn, user.email, user.municipality_code, "se sagsliste", filters.describe())
    query = request.url.query
    return _case_page(request, user, "cases.html", title="Kommunens sager", lines=lines, total=total,
                      filters=filters, choices=choices, outcomes=OUTCOME_CHOICES, outcome_names=OUTCOME_NAMES_DA,
                      states=STATE_CHOICES, state_text=state_text,
                      page_number=page_number, pages=max(1, -(-total // PAGE_SIZE)), query=query,
                      treatment=_treatment_status(request, user))


def _treatment_status(request: Request, user: User):
    """The year's treatment (§ 79 b) for the box on the front page; None without a plan."""
    try:
        return api.plan_status(request.app.state.engine, user.municipality_code, _treatment_year(),
                               catalogue=request.app.state.catalogue)
    except NoDataError:
        return None


EXPORT_HEADER = ["Sagsnummer", "Område", "Lovgrundlag", "Bestemmelse", "Kommunens afgørelse", "Klageinstans",
                 "Klageinstansens afgørelse", "Udfald", "Udfald som skrevet"]


@router.get("/eksport.{kind}")
def case_export(request: Request, user: Reader, kind: str, year: YearParam = None, area: TextParam = None,
                provision: TextParam = None, outcome: TextParam = None, pending: bool = False,
                state: TextParam = None):
    """The filtered list as CSV or XLSX (cells that a spreadsheet would run as formulas neutralised)."""
    if kind not in ("csv", "xlsx"):
        raise HTTPException(404)
    filters = _filters(year, area, provision, outcome, pending, state)
    engine = request.app.state.engine
    logged = audit.Entry(user.email, user.municipality_code, f"hent sagsliste ({kind})", filters.describe())

    def rows(conn) -> Iterator[tuple]:
        for c in register_cases.iter_cases(conn, user.municipality_code, filters):
            yield (c.case_id, c.committee, c.legal_basis, c.provision_key, c.decision_date, c.complaint_body,
                   c.body_decision_date, OUTCOME_NAMES_DA[Outcome(c.outcome)] if c.outcome else state_text(c.state, c.complaint_body),
                   c.outcome_label)

    name = f"sager-{user.municipality_code}.{kind}"
    if kind == "csv":
        # The rows stream from the database to the browser. The audit line is committed before
        # the first row leaves, so a download broken off half-way is logged too.
        with engine.begin() as conn:
            logged.record(conn)

        def csv_pieces() -> Iterator[bytes]:
            with engine.connect() as conn:
                yield from exports.csv_chunks(EXPORT_HEADER, rows(conn))

        return download_stream(csv_pieces(), name)
    # XLSX is a zip archive, finished only at its end: written to a private temporary file with
    # openpyxl's write-only mode, then sent from the open file, whose name is removed at once.
    folder = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-export-", dir=_Uploads.parent()))
    try:
        path = folder / name
        with engine.begin() as conn:  # the audit line in the transaction that reads the cases
            logged.record(conn)
            exports.write_xlsx(path, "Sager", EXPORT_HEADER, rows(conn))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return download_file(path, name, remove=lambda: shutil.rmtree(folder, ignore_errors=True))


# ---- import ---------------------------------------------------------------------------------------

@dataclass
class _Upload:
    user_id: int
    folder: Path
    path: Path
    at: float


class _Uploads:
    """Files waiting between their preview and the analyst's confirmation, each in a folder of
    its own, reachable only with a random token and only by the user who sent it.

    A raw register holds CPR numbers, so no upload outlives its use: its folder is removed when
    the import is confirmed, when the preview fails in any way, when it has waited UPLOAD_LIFETIME
    (checked on every upload and every few minutes), and, for a server that stopped without
    tidying up, at the next start. The folders live in one private folder (0700) per system user,
    named by the server's process id, so a start removes only what dead servers left."""

    def __init__(self):
        self._lock = threading.Lock()
        self._waiting: dict[str, _Upload] = {}

    @staticmethod
    def parent() -> Path:
        parent = Path(tempfile.gettempdir()) / f"klagestat-uploads-{os.getuid()}"
        parent.mkdir(mode=0o700, exist_ok=True)
        info = parent.lstat()
        if parent.is_symlink() or info.st_uid != os.getuid() or info.st_mode & 0o077:
            raise RuntimeError(f"the upload folder {parent} is not this user's private folder")
        return parent

    def keep(self, user: User, upload: UploadFile) -> tuple[str, Path]:
        self.expire()
        folder = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=self.parent()))
        # The user's file name, without any folder part and masked, is kept: messages name the file.
        name = Path((upload.filename or "klageregister.csv").replace("\\", "/")).name or "klageregister.csv"
        path = folder / mask_cpr(name)
        try:
            with path.open("wb") as out:
                shutil.copyfileobj(upload.file, out)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._waiting[token] = _Upload(user.id, folder, path, time.monotonic())
        return token, path

    def take(self, user: User, token: str) -> _Upload | None:
        self.expire()
        with self._lock:
            upload = self._waiting.get(token)
            if upload is None or upload.user_id != user.id:
                return None
            return self._waiting.pop(token)

    def drop(self, upload: _Upload) -> None:
        shutil.rmtree(upload.folder, ignore_errors=True)

    def expire(self) -> None:
        now = time.monotonic()
        with self._lock:
            old = [t for t, u in self._waiting.items() if now - u.at > UPLOAD_LIFETIME]
            for token in old:
                self.drop(self._waiting.pop(token))

    def remove_stale(self) -> None:
        """The folders of servers that are no longer running."""
        for folder in self.parent().iterdir():
            pid = folder.name.split("-", 1)[0]
            if not pid.isdigit() or not _running(int(pid)):
                shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user's
        pass
    return True


_uploads = _Uploads()
EXPIRY_INTERVAL = 300  # seconds between sweeps for abandoned previews


async def remove_stale_uploads() -> None:
    """At start-up: what earlier servers left behind; then a sweep every EXPIRY_INTERVAL."""
    _uploads.remove_stale()

    async def sweep() -> None:
        while True:
            await asyncio.sleep(EXPIRY_INTERVAL)
            await run_in_threadpool(_uploads.expire)

    _sweeper.append(asyncio.get_running_loop().create_task(sweep()))


_sweeper: list = []  # holds the task, so it isn't collected


@router.get("/import")
def import_form(request: Request, user: Analyst):
    return _case_page(request, user, "import.html", title="Importér klageregister")


@router.post("/import")
def import_preview(request: Request, user: Analyst, file: Annotated[UploadFile, File()]):
    """Read the whole file and import it in a transaction that is rolled back: the preview is
    exactly what the import will do."""
    token, path = _uploads.keep(user, file)
    try:
        report = api.import_cases(request.app.state.engine, path, user.municipality_code, preview=True,
                                  shown_as=path.name)
    except InputError as error:
        _drop(user, token)
        return _case_page(request, user, "import.html", status_code=422, title="Importér klageregister",
                          problems=error.problems, headline=error.headline)
    except BaseException:
        _drop(user, token)  # a failed preview keeps no file
        raise
    with request.app.state.engine.begin() as conn:
        audit.record(conn, user.email, user.municipality_code, "forhåndsvis import", path.name)
    if report.status == "unchanged":
        _drop(user, token)
    return _case_page(request, user, "import_result.html", title="Forhåndsvisning af import", report=report,
                      token=token, preview=True)


def _drop(user: User, token: str) -> None:
    upload = _uploads.take(user, token)
    if upload is not None:
        _uploads.drop(upload)


@router.post("/import/bekraeft")
def import_confirm(request: Request, user: Analyst, token: Annotated[str, Form(max_length=100)]):
    upload = _uploads.take(user, token)
    if upload is None:
        raise HTTPException(404, "Forhåndsvisningen findes ikke længere (den gemmes en time). Vælg filen igen.")
    try:
        report = api.import_cases(request.app.state.engine, upload.path, user.municipality_code,
                                  shown_as=upload.path.name,
                                  audited=audit.Entry(user.email, user.municipality_code, "importér", upload.path.name))
    except InputError as error:
        return _case_page(request, user, "import.html", status_code=422, title="Importér klageregister",
                          problems=error.problems, headline=error.headline)
    finally:
        _uploads.drop(upload)
    return _case_page(request, user, "import_result.html", title="Import gennemført", report=report, preview=False)


# ---- analyses and the complaint report ------------------------------------------------------------

def _default_year() -> int:
    return dt.date.today().year - 1


@router.get("/analyser")
def analyses(request: Request, user: Reader,
             year: Annotated[str | None, Query(max_length=40, description="2024, 2022-2024 eller 2021,2023")] = None):
    year = year or str(_default_year())
    try:
        result = api.analyse(request.app.state.engine, user.municipality_code, year,
                             catalogue=request.app.state.catalogue,
                             audited=audit.Entry(user.email, user.municipality_code, "se analyser", year))
    except NoDataError as error:
        return _case_page(request, user, "analyses.html", title="Analyser af klageregistret", year=year, no_data=error.message)
    return _case_page(request, user, "analyses.html", title="Analyser af klageregistret", year=year,
                      parts=[_table_part(p) for p in analysis_parts(result)],
                      banner=SYNTHETIC_BANNER if result.synthetic else None)


def _table_part(part) -> dict:
    """An analysis' part (a Rich table, its basis and note) for the page."""
    if part.table is None:
        return {"note": part.note, "basis": part.basis}
    return {**_table_view(part.table), "basis": part.basis, "note": part.note}


def _table_view(table) -> dict:
    """A Rich table as plain title, headers and rows for the page: the same table the terminal
    shows, cell for cell."""
    columns = table.columns
    cells = [[str(getattr(c, "plain", c)) for c in column.cells] for column in columns]
    return {
        "title": str(getattr(table.title, "plain", table.title or "")),
        # A terminal header breaks a word with "-" and a new line; a page lets the browser break it.
        "headers": [str(getattr(c.header, "plain", c.header)).replace("-\n", SOFT_HYPHEN).replace("\n", " ")
                    for c in columns],
        "numeric": [c.justify == "right" for c in columns],
        "rows": [list(row) for row in zip(*cells)],
    }


@router.get("/klagerapport")
def complaint_report_form(request: Request, user: Reader):
    return _case_page(request, user, "complaint_report.html", title="Klagerapport", formats=REPORT_FORMATS,
                      period=str(_default_year()))


PeriodParam = Annotated[str | None, Query(max_length=40, description="2025, 2025H1, 2025K3 eller 2025-01-01..2025-06-30")]


@router.get("/klagerapport/hent")
def complaint_report(request: Request, user: Reader, year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
                     period: PeriodParam = None, format: str = "docx", public: bool = False):
    if format not in REPORT_FORMATS:
        raise HTTPException(422, f"Formatet {format!r} kendes ikke. Vælg mellem: {', '.join(REPORT_FORMATS)}.")
    period = (period or "").strip() or None
    days = api.report_period(year, period)  # refused before anything is read when it can't be read
    suffix = "-offentlig" if public else ""
    when = days.code().replace("..", "--")  # no dots in a file name but the extension's
    name = f"klagerapport-{user.municipality_code}-{when}{suffix}.{format}"
    with tempfile.TemporaryDirectory(prefix="klagestat-report-") as folder:
        out = Path(folder) / name
        api.report_complaints(request.app.state.engine, user.municipality_code, year, out, public=public,
                              period=period,
                              audited=audit.Entry(user.email, user.municipality_code, "hent klagerapport", name))
        body = out.read_bytes()
    return download(body, name)


# ---- the action plan -----------------------------------------------------------------------------------



def _treatment_year() -> int:
    """The figures' year whose maps are treated this year (published this year)."""
    return dt.date.today().year - 1


@router.get("/handleplan")
def plan_page(request: Request, user: Reader,
              year: Annotated[int | None, Query(ge=1990, le=2100, description="Året for tallene, hvis kort behandles")] = None):
    return _plan_page(request, user, year or _treatment_year())


def _plan_page(request: Request, user: User, year: int, status_code: int = 200, **context) -> Response:
    from klagestat.render.plan_effect import initiative_table, pending_note, years_table

    overview = api.plan_overview(request.app.state.engine, user.municipality_code, year,
                                 catalogue=request.app.state.catalogue,
                                 audited=audit.Entry(user.email, user.municipality_code, "se handleplan", str(year)))
    effect = overview.effect
    effects = [] if effect is None else [
        {"part": _table_view(initiative_table(e)), "why": e.why, "pending": pending_note(e)}
        for e in effect.effects]
    plan = overview.plan
    return _case_page(
        request, user, "plan.html", status_code=status_code, title="Handleplan", plan=plan, year=year,
        versions=overview.versions, effects=effects, status=overview.status,
        years=_table_view(years_table(effect)) if effect is not None else None,
        area_initiatives=[i.name for i in plan.initiatives if i.areas] if plan else [],
        alternatives=[(a, plan.alternative_cost(a)) for a in plan.alternatives] if plan else [],
        costs=plan.costs_by_year() if plan else {}, total_cost=plan.total_cost if plan else 0,
        kroner=numbers.kroner, **context)


@router.post("/handleplan")
async def plan_upload(request: Request, user: Analyst, file: Annotated[UploadFile, File()]):
    data = await file.read(MAX_PLAN_BYTES + 1)
    name = mask_cpr(Path(file.filename or "handleplan.toml").name)
    if len(data) > MAX_PLAN_BYTES:
        return await run_in_threadpool(_plan_page, request, user, _treatment_year(), 422,
                                       problems=[Problem(name, "Filen er for stor til at være en handleplan.",
                                                         code="file-too-big")])
    return await run_in_threadpool(_plan_import, request, user, name, data)


def _plan_import(request: Request, user: User, name: str, data: bytes) -> Response:
    with tempfile.TemporaryDirectory(prefix="klagestat-plan-") as folder:
        path = Path(folder) / "handleplan.toml"
        path.write_bytes(data)
        try:
            report = api.plan_import(request.app.state.engine, path, user.municipality_code, saved_by=user.email,
                                     shown_as=name, catalogue=request.app.state.catalogue,
                                     audited=audit.Entry(user.email, user.municipality_code, "indlæs handleplan", name))
        except InputError as error:
            return _plan_page(request, user, _treatment_year(), 422, problems=error.problems, headline=error.headline)
    message = (f"Planen er den samme som version {report.version}; intet er ændret." if report.status == "unchanged"
               else f"Planen er gemt som version {report.version}.")
    return _plan_page(request, user, _treatment_year(), saved=message)


@router.get("/handleplan/rediger")
def plan_edit_page(request: Request, user: Analyst):
    from klagestat.web import plan_form

    with request.app.state.engine.connect() as conn:
        current = current_plan(conn, user.municipality_code)
    return _plan_form(request, user, plan_form.form_view(current.content if current else None))


def _plan_form(request: Request, user: User, view: dict, status_code: int = 200, **context) -> Response:
    from klagestat.web import plan_form

    return _case_page(request, user, "plan_edit.html", status_code=status_code, title="Ret handleplanen", form=view,
                      labels=plan_form.LABELS, statuses=[s.value for s in Status], kinds=[k.value for k in MeetingKind],
                      bodies=plan_form.BODY_SUGGESTIONS, **context)


@router.post("/handleplan/rediger")
async def plan_edit(request: Request, user: Analyst):
    from klagestat.web import plan_form

    form = await request.form()  # the CSRF check has read it already, within the upload limit
    fields = {name: value for name, value in form.items() if isinstance(value, str)}
    data = plan_form.form_data(fields)
    try:
        report = await run_in_threadpool(
            api.plan_save, request.app.state.engine, user.municipality_code, data, user.email, plan_form.SOURCE,
            plan_form.place, plan_form.label, catalogue=request.app.state.catalogue,
            audited=audit.Entry(user.email, user.municipality_code, "ret handleplan", plan_form.SOURCE))
    except InputError as error:
        # Shown again as typed, to be corrected; nothing is saved.
        return _plan_form(request, user, plan_form.form_view(data), 422, problems=error.problems,
                          headline=error.headline)
    message = (f"Planen er den samme som version {report.version}; intet er ændret." if report.status == "unchanged"
               else f"Planen er gemt som version {report.version}.")
    return await run_in_threadpool(_plan_page, request, user, _treatment_year(), saved=message)


@router.get("/handleplan.toml")
def plan_download(request: Request, user: Reader):
    engine = request.app.state.engine
    text = api.plan_export(engine, user.municipality_code, catalogue=request.app.state.catalogue)
    with engine.begin() as conn:
        audit.record(conn, user.email, user.municipality_code, "hent handleplan", "handleplan.toml")
    return download(text.encode("utf-8"), f"handleplan-{user.municipality_code}.toml")


# ---- checking the figures of a committee text -------------------------------------------------------------

@router.get("/tjek")
def check_page(request: Request, user: Reader):
    return _case_page(request, user, "check.html", title="Tjek tal i en sagsfremstilling", year=_treatment_year())


@router.post("/tjek")
async def check_upload(request: Request, user: Reader, file: Annotated[UploadFile, File()],
                       year: Annotated[int, Form(ge=1990, le=2100)]):
    from klagestat.ingest.committee_text import MAX_TEXT_BYTES

    data = await file.read(MAX_TEXT_BYTES + 1)
    name = mask_cpr(Path(file.filename or "sagsfremstilling.txt").name)
    return await run_in_threadpool(_check_file, request, user, name, data, year)


def _check_file(request: Request, user: User, name: str, data: bytes, year: int) -> Response:
    from klagestat.render.fact_check import claim_list, marked_lines, verdict_counts

    catalogue = request.app.state.catalogue
    with tempfile.TemporaryDirectory(prefix="klagestat-check-") as folder:
        path = Path(folder) / f"sagsfremstilling{Path(name).suffix.lower()}"
        path.write_bytes(data)
        try:
            result = api.check(request.app.state.engine, path, user.municipality_code, year, shown_as=name,
                               catalogue=catalogue,
                               audited=audit.Entry(user.email, user.municipality_code, "tjek sagsfremstilling", name))
        except InputError as error:
            return _case_page(request, user, "check.html", 422, title="Tjek tal i en sagsfremstilling", year=year,
                              problems=error.problems, headline=error.headline)
    return _case_page(request, user, "check.html", title="Tjek tal i en sagsfremstilling", year=year, file=name,
                      claims=claim_list(result, catalogue), lines=marked_lines(result), counts=verdict_counts(result))


# ---- the municipality's own comment on its maps (admin) ----------------------------------------------------

@router.get("/kommentarer")
def comments_page(request: Request, user: Admin):
    return _comments_page(request, user)


def _comments_page(request: Request, user: User, status_code: int = 200, **context) -> Response:
    catalogue = request.app.state.catalogue
    with request.app.state.engine.begin() as conn:
        saved = comments_of(conn, municipality_code=user.municipality_code)
        audit.record(conn, user.email, user.municipality_code, "se kommentarer", None)
    rows = sorted(((year, catalogue.maps[m].name, m, text) for (_, year, m), text in saved.items() if m in catalogue.maps),
                  key=lambda r: (-r[0], r[2]))
    return _case_page(request, user, "comments.html", status_code=status_code, title="Kommunens kommentarer",
                      rows=rows, maps={code: m.name for code, m in catalogue.maps.items()},
                      year=context.pop("year", _treatment_year()), limit=MAX_COMMENT_CHARACTERS, **context)


@router.post("/kommentarer")
def comment_save(request: Request, user: Admin, year: Annotated[int, Form(ge=1990, le=2100)],
                 map_code: Annotated[str, Form(alias="map", max_length=40)],
                 text: Annotated[str, Form(max_length=4 * MAX_COMMENT_CHARACTERS)] = ""):
    if map_code not in request.app.state.catalogue.maps:
        raise HTTPException(422, f"Kortet {map_code!r} kendes ikke.")
    try:
        saved = api.comment_save(request.app.state.engine, user.municipality_code, year, map_code, text, user.email,
                                 catalogue=request.app.state.catalogue,
                                 audited=audit.Entry(user.email, user.municipality_code, "gem kommentar",
                                                     f"{year} {map_code}"))
    except InputError as error:
        # Typed back into the form to be corrected, never with a CPR number in it.
        return _comments_page(request, user, 422, problems=error.problems, year=year, typed=mask_cpr(text),
                              typed_map=map_code)
    message = "Kommentaren er gemt." if saved else "Kommentaren er fjernet."
    return _comments_page(request, user, saved_message=message, year=year)


# ---- users and the audit log (admin) ------------------------------------------------------------------

def _users_page(request: Request, user: User, status_code: int = 200, **context) -> Response:
    """The municipality's users, and whether their logins need a one-time code; the add form's
    problems in `context`."""
    with request.app.state.engine.connect() as conn:
        people = users_of(conn, user.municipality_code)
        totp_required = accounts.totp_required(conn, user.municipality_code)
    return _case_page(request, user, "users.html", status_code, title="Brugere", people=people, roles=list(Role),
                      totp_required=totp_required, **context)


@router.get("/brugere")
def users(request: Request, user: Admin):
    return _users_page(request, user)


@router.post("/brugere")
def add_user(request: Request, user: Admin, email: Annotated[str, Form(max_length=254)],
             role: Annotated[str, Form(max_length=20)], password: Annotated[str, Form(max_length=1024)]):
    email = mask_cpr(email)  # shown again on the form; api.add_user refuses an address with a CPR number
    existing = api.user_by_email(request.app.state.engine, email)
    if existing is not None and existing.municipality_code != user.municipality_code:
        # An admin manages the own municipality's users only; the e-mail is taken elsewhere.
        return _users_page(request, user, 422, email=email,
                           problems=[Problem("e-mail", "E-mailadressen bruges allerede af en bruger i en anden "
                                                       "kommune. Brug en anden adresse.", code="email-taken")])
    try:
        added = api.add_user(request.app.state.engine, email, user.municipality_code, role, password,
                             catalogue=request.app.state.catalogue,
                             audited=audit.Entry(user.email, user.municipality_code, "opret bruger",
                                                 f"{email.strip()} ({role})"))
    except InputError as error:
        return _users_page(request, user, 422, problems=error.problems, email=email)
    del added  # written, and its audit line with it
    return RedirectResponse("/sager/brugere", status_code=303)


@router.post("/brugere/engangskode")
def require_second_factor(request: Request, user: Admin, required: Annotated[str, Form(max_length=5)] = ""):
    """The admin's choice: every password user of the municipality must use a one-time code
    (each sets it up at the next login). Single sign-on users are not asked: their IdP decides."""
    wanted = required == "ja"
    with request.app.state.engine.begin() as conn:
        accounts.set_totp_required(conn, user.municipality_code, wanted)
        audit.record(conn, user.email, user.municipality_code, "kræv engangskode" if wanted else "engangskode frivillig")
    return RedirectResponse("/sager/brugere", status_code=303)


@router.get("/log")
def audit_log(request: Request, user: Admin):
    with request.app.state.engine.connect() as conn:
        events = audit.events_of(conn, user.municipality_code)
    return _case_page(request, user, "audit.html", title="Revisionslog", events=events)


# ---- one case (last: its path takes any sags_id, including ones with "/") -------------------------------

@router.post("/laering")
def edit_learning(request: Request, user: Analyst, case_id: Annotated[str, Form(max_length=200)],
                  learning: Annotated[str, Form(max_length=10_000)] = ""):
    if not api.edit_case_learning(request.app.state.engine, user, case_id, learning):
        raise HTTPException(404, "Sagen findes ikke i kommunens klageregister.")
    return RedirectResponse(request.url_for("one_case", case_id=case_id).path, status_code=303)


@router.get("/sag/{case_id:path}", name="one_case")
def one_case(request: Request, user: Reader, case_id: str):
    with request.app.state.engine.begin() as conn:
        versions = register_cases.case_versions(conn, user.municipality_code, case_id)
        if not versions:
            raise HTTPException(404, "Sagen findes ikke i kommunens klageregister.")
        citizen_cases = register_cases.citizen_case_count(conn, user.municipality_code, case_id)
        audit.record(conn, user.email, user.municipality_code, "se sag", case_id)
    return _case_page(request, user, "case.html", title=f"Sag {case_id}", case_id=case_id, current=versions[0],
                      history=versions[1:], citizen_cases=citizen_cases, outcome_names=OUTCOME_NAMES_DA, state_text=state_text,
                      reassessment_names=REASSESSMENT_NAMES_DA, reason_names=_vocabulary.reason_names,
                      can_edit=Role(user.role).at_least(Role.ANALYST))


@router.get("/{case_id:path}")
def one_case_short(request: Request, user: Reader, case_id: str):
    """The case's address before /sager/sag/: a case whose sags_id is the name of a page (log,
    import, brugere …) could not be opened there, so cases moved; old links still lead to them."""
    return RedirectResponse(request.url_for("one_case", case_id=case_id).path, status_code=307)
