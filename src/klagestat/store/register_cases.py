"""The case area's reads and edits of the complaint register, always within one municipality.

This is where "a user sees only the own municipality's cases" is enforced: every function takes
the municipality code as a required argument and every query is filtered by it, so a case of
another municipality is simply not found (the web answers 404), whatever the route. The citizen's
pseudonym never leaves this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, fields

from sqlalchemy import Connection, Integer, and_, func, insert, literal, select, update

from klagestat.domain.case_state import PENDING_STATES, CaseState, case_state

from .case_state_sql import state_in, state_of
from .register_queries import REVERSED_OUTCOMES, in_years, year_text
from .schema import case_history, case_import, case_record

C = case_record.c


@dataclass(frozen=True)
class CaseFilters:
    year: int | None = None  # the year the complaint body decided
    committee: str | None = None
    provision: str | None = None  # provision_key, or a law id for the whole law
    outcome: str | None = None  # upheld | changed | remitted | dismissed | reversed (changed or remitted)
    pending: bool = False  # only pending cases: at the municipality or at the complaint body
    state: CaseState | None = None

    def describe(self) -> str:
        """For the audit log: the filters that were set."""
        return ", ".join(f"{f.name}={getattr(self, f.name)}" for f in fields(self) if getattr(self, f.name)) or "alle"


@dataclass(frozen=True)
class CaseLine:
    """A case as the list shows it."""

    case_id: str
    committee: str | None
    legal_basis: str | None
    provision_key: str | None
    decision_date: dt.date | None
    complaint_body: str
    body_decision_date: dt.date | None
    outcome: str | None
    outcome_label: str | None
    state: CaseState


@dataclass(frozen=True)
class CaseVersion:
    """One version of a case: the current one, or an earlier one from the history."""

    version: int
    import_id: int
    line: int
    imported_file: str
    imported_at: dt.datetime
    changed_by: str | None  # for a history version: who replaced it on the web (None: an import did)
    legal_basis: str | None
    law_id: str | None
    provision_key: str | None
    committee: str | None
    decision_date: dt.date | None
    complaint_date: dt.date | None
    reassessment: str | None
    reassessment_date: dt.date | None
    complaint_body: str
    forwarded_date: dt.date | None
    body_decision_date: dt.date | None
    outcome: str | None
    outcome_label: str | None
    reasons: str | None
    description: str | None
    learning: str | None

    @property
    def state(self) -> CaseState:
        return case_state(self.outcome, self.body_decision_date, self.reassessment, self.reassessment_date,
                          self.forwarded_date)


_VERSION_FIELDS = [f.name for f in fields(CaseVersion)][6:]  # the case's own fields, citizen left out


_LINE_COLUMNS = [*(C[f.name] for f in fields(CaseLine) if f.name != "state"), state_of(C)]


def _line(row) -> CaseLine:
    return CaseLine(*row[:-1], CaseState(row[-1]))


def _where(municipality_code: str, filters: CaseFilters):
    conditions = [C.municipality_code == municipality_code]
    if filters.year is not None:
        conditions.append(in_years(C.body_decision_date, [filters.year]))
    if filters.committee:
        conditions.append(C.committee == filters.committee)
    if filters.provision:  # "sel:100" is a provision; "sel" the whole law
        column = C.provision_key if ":" in filters.provision else C.law_id
        conditions.append(column == filters.provision)
    if filters.outcome == "reversed":
        conditions.append(C.outcome.in_(REVERSED_OUTCOMES))
    elif filters.outcome:
        conditions.append(C.outcome == filters.outcome)
    if filters.pending:
        conditions.append(state_in(C, PENDING_STATES))
    if filters.state:
        conditions.append(state_in(C, [filters.state]))
    return and_(*conditions)


def list_cases(conn: Connection, municipality_code: str, filters: CaseFilters, limit: int, offset: int = 0
               ) -> tuple[list[CaseLine], int]:
    """A page of the municipality's cases (newest decision first) and how many match in all."""
    where = _where(municipality_code, filters)
    total = conn.execute(select(func.count()).select_from(case_record).where(where)).scalar_one()
    rows = conn.execute(
        select(*_LINE_COLUMNS).where(where)
        .order_by(C.body_decision_date.desc().nulls_first(), C.case_id).limit(limit).offset(offset)
    )
    return [_line(r) for r in rows], total


def iter_cases(conn: Connection, municipality_code: str, filters: CaseFilters, batch: int = 5000) -> Iterator[CaseLine]:
    """Every matching case, for a download, in the list's order, streamed: the database hands
    the rows over `batch` at a time (a server-side cursor on PostgreSQL), so a million-row
    register is never in memory at once."""
    rows = conn.execution_options(stream_results=True, yield_per=batch).execute(
        select(*_LINE_COLUMNS).where(_where(municipality_code, filters))
        .order_by(C.body_decision_date.desc().nulls_first(), C.case_id))
    for r in rows:
        yield _line(r)


@dataclass(frozen=True)
class FilterChoices:
    years: list[int]
    committees: list[str]
    provisions: list[str]
    outcomes: list[str]


def filter_choices(conn: Connection, municipality_code: str) -> FilterChoices:
    scope = C.municipality_code == municipality_code

    def values(column) -> list:
        return [v for (v,) in conn.execute(select(column).distinct().where(scope, column.is_not(None))) if v != ""]

    return FilterChoices(
        years=sorted((int(y) for y in values(year_text(C.body_decision_date))), reverse=True),
        committees=sorted(values(C.committee), key=str.casefold),
        provisions=sorted(set(values(C.provision_key)) | set(values(C.law_id))),
        outcomes=sorted(values(C.outcome)),
    )


def case_versions(conn: Connection, municipality_code: str, case_id: str) -> list[CaseVersion]:
    """The case's current version and then its earlier ones, newest first; [] when the
    municipality has no such case (another municipality's case included)."""
    imports = case_import.c

    def versions(table, changed_by) -> list[CaseVersion]:
        t = table.c
        rows = conn.execute(
            select(t.version, t.import_id, t.line, imports.file_name, imports.imported_at, changed_by,
                   *(t[name] for name in _VERSION_FIELDS))
            .join(case_import, case_import.c.id == t.import_id)
            .where(t.municipality_code == municipality_code, t.case_id == case_id)
            .order_by(t.version.desc())
        )
        return [CaseVersion(*r) for r in rows]

    current = versions(case_record, literal(None).label("changed_by"))
    if not current:
        return []
    return current + versions(case_history, case_history.c.changed_by)


def citizen_case_count(conn: Connection, municipality_code: str, case_id: str) -> int:
    """How many of the municipality's cases the case's citizen has (1: only this one); the
    pseudonym itself is never returned."""
    citizen = select(C.citizen).where(C.municipality_code == municipality_code, C.case_id == case_id).scalar_subquery()
    return conn.execute(select(func.count()).select_from(case_record)
                        .where(C.municipality_code == municipality_code, C.citizen == citizen)).scalar_one()


def replace_version(conn: Connection, municipality_code: str, case_id: str, changes: dict, content_hash: str,
                    changed_by: str) -> bool:
    """An edit on the web: the current version goes to the history (marked with who changed it)
    and the case gets `changes` as its next version. False when the municipality has no such case."""
    where = and_(C.municipality_code == municipality_code, C.case_id == case_id)
    current = conn.execute(select(C.version, C.import_id).where(where)).first()
    if current is None:
        return False
    record_columns = list(case_record.c)
    conn.execute(insert(case_history).from_select(
        [c.name for c in record_columns] + ["replaced_by_import", "changed_by"],
        select(*record_columns, literal(current.import_id, Integer), literal(changed_by)).where(where),
    ))
    conn.execute(update(case_record).where(where)
                 .values(**changes, version=current.version + 1, content_hash=content_hash))
    return True


def current_texts(conn: Connection, municipality_code: str, case_id: str, names: tuple[str, ...]) -> tuple | None:
    """The case's current values of the columns `names` (for recomputing its content hash)."""
    return conn.execute(select(*(C[n] for n in names))
                        .where(C.municipality_code == municipality_code, C.case_id == case_id)).first()
