"""Storing a municipality's complaint register: imports, current cases, history and rejects.

A case is keyed by (municipality, sags_id). An import inserts new cases, moves the current
version of a changed case to `case_history` before updating it, and leaves unchanged cases
alone, all in the caller's transaction. Bulk writes go through DB-API executemany in batches,
so a million rows never sit in memory at once.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat

from sqlalchemy import Connection, Integer, func, insert, literal, or_, select, update

from klagestat.domain.periods import DateRange
from klagestat.domain.register import ANKESTYRELSEN, CASE_FIELDS  # the statistics bank counts only Ankestyrelsen

from .schema import case_history, case_import, case_record, case_reject, pseudonym_key
from .statbank import executemany

RECORD_COLUMNS = ("municipality_code", *CASE_FIELDS, "version", "import_id", "line", "content_hash")


@dataclass(frozen=True)
class CaseImportInfo:
    id: int
    municipality_code: str
    file_name: str
    file_format: str
    sha256: str
    imported_at: dt.datetime
    row_count: int
    new_count: int
    changed_count: int
    unchanged_count: int
    rejected_count: int
    synthetic: bool


def find_case_import(conn: Connection, municipality_code: str, sha256: str) -> CaseImportInfo | None:
    row = conn.execute(select(case_import).where(
        case_import.c.municipality_code == municipality_code, case_import.c.sha256 == sha256)).first()
    return CaseImportInfo(**row._mapping) if row else None


def case_import_by_id(conn: Connection, import_id: int) -> CaseImportInfo:
    return CaseImportInfo(**conn.execute(select(case_import).where(case_import.c.id == import_id)).one()._mapping)


def start_case_import(conn: Connection, municipality_code: str, file_name: str, file_format: str,
                      sha256: str, synthetic: bool) -> int:
    return conn.execute(insert(case_import).values(
        municipality_code=municipality_code, file_name=file_name, file_format=file_format, sha256=sha256,
        imported_at=dt.datetime.now().replace(microsecond=0), row_count=0, new_count=0, changed_count=0,
        unchanged_count=0, rejected_count=0, synthetic=synthetic,
    )).inserted_primary_key[0]


def finish_case_import(conn: Connection, import_id: int, synthetic: bool, **counts: int) -> CaseImportInfo:
    """The import's counts, and whether it was synthetic (known for sure only once the file is read)."""
    conn.execute(update(case_import).where(case_import.c.id == import_id).values(synthetic=synthetic, **counts))
    return case_import_by_id(conn, import_id)


def existing_cases(conn: Connection, municipality_code: str) -> dict[str, tuple[str, int]]:
    """sags_id → (content hash, version) of every current case of the municipality."""
    rows = conn.execute(
        select(case_record.c.case_id, case_record.c.content_hash, case_record.c.version)
        .where(case_record.c.municipality_code == municipality_code)
    )
    return {case_id: (digest, version) for case_id, digest, version in rows}


def insert_cases(conn: Connection, rows: Iterable[tuple]) -> None:
    """Rows in RECORD_COLUMNS order."""
    executemany(conn, case_record, RECORD_COLUMNS, rows)


def replace_cases(conn: Connection, municipality_code: str, import_id: int, rows: Sequence[tuple]) -> None:
    """Changed cases (RECORD_COLUMNS order): the current version goes to history, then is updated."""
    if not rows:
        return
    ids = [r[1] for r in rows]
    history_columns = [c for c in case_record.c]
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        conn.execute(insert(case_history).from_select(
            [c.name for c in history_columns] + ["replaced_by_import"],
            select(*history_columns, literal(import_id, Integer))
            .where(case_record.c.municipality_code == municipality_code, case_record.c.case_id.in_(chunk)),
        ))
    assignments = [c for c in RECORD_COLUMNS if c not in ("municipality_code", "case_id")]
    style = conn.dialect.paramstyle
    mark = "?" if style == "qmark" else "%s"
    sql = (f"UPDATE {case_record.name} SET {', '.join(f'{c} = {mark}' for c in assignments)} "
           f"WHERE municipality_code = {mark} AND case_id = {mark}")
    by_name = [RECORD_COLUMNS.index(c) for c in assignments]
    cursor = conn.connection.cursor()
    try:
        cursor.executemany(sql, [tuple(r[i] for i in by_name) + (r[0], r[1]) for r in rows])
    finally:
        cursor.close()


def insert_rejects(conn: Connection, import_id: int, rejects: Iterable[tuple[int, list[dict], dict]]) -> None:
    executemany(conn, case_reject, ("import_id", "line", "problems", "cells"), (
        (import_id, line, json.dumps(problems, ensure_ascii=False), json.dumps(cells, ensure_ascii=False))
        for line, problems, cells in rejects
    ))


def key_fingerprint_of(conn: Connection) -> str | None:
    return conn.execute(select(pseudonym_key.c.fingerprint).order_by(pseudonym_key.c.id)).scalar()


def remember_key_fingerprint(conn: Connection, fingerprint: str) -> None:
    conn.execute(insert(pseudonym_key).values(fingerprint=fingerprint,
                                              created_at=dt.datetime.now().replace(microsecond=0)))


def case_count(conn: Connection, municipality_code: str | None = None) -> int:
    query = select(func.count()).select_from(case_record)
    if municipality_code is not None:
        query = query.where(case_record.c.municipality_code == municipality_code)
    return conn.execute(query).scalar_one()


def decided_case_counts(conn: Connection, municipality_codes: Sequence[str] | None, years: Sequence[int],
                        within: DateRange | None = None):
    """(municipality, year of Ankestyrelsen's decision, law_id, provision_key, legal_basis, committee,
    outcome, cases) for every decided case at Ankestyrelsen in the years (and, given `within`, in
    that range of days)."""
    year = func.extract("year", case_record.c.body_decision_date)
    query = (
        select(case_record.c.municipality_code, year, case_record.c.law_id, case_record.c.provision_key,
               case_record.c.legal_basis, case_record.c.committee, case_record.c.outcome, func.count())
        .where(case_record.c.complaint_body == ANKESTYRELSEN, case_record.c.outcome.is_not(None),
               case_record.c.body_decision_date >= dt.date(min(years), 1, 1),
               case_record.c.body_decision_date < dt.date(max(years) + 1, 1, 1))
        .group_by(case_record.c.municipality_code, year, case_record.c.law_id, case_record.c.provision_key,
                  case_record.c.legal_basis, case_record.c.committee, case_record.c.outcome)
    )
    if municipality_codes is not None:
        query = query.where(case_record.c.municipality_code.in_(list(municipality_codes)))
    if within is not None:
        query = query.where(case_record.c.body_decision_date.between(within.first, within.last))
    wanted = set(years)
    return [(code, int(y), *rest) for code, y, *rest in conn.execute(query) if int(y) in wanted]


def decided_case_ids(conn: Connection, municipality_code: str, year: int) -> list[tuple]:
    """(law_id, provision_key, outcome, case_id) of every case Ankestyrelsen decided in the year:
    the cases behind decided_case_counts, for naming them in a reconciliation."""
    c = case_record.c
    query = (select(c.law_id, c.provision_key, c.outcome, c.case_id)
             .where(c.municipality_code == municipality_code, c.complaint_body == ANKESTYRELSEN, c.outcome.is_not(None),
                    c.body_decision_date >= dt.date(year, 1, 1), c.body_decision_date < dt.date(year + 1, 1, 1))
             .order_by(c.case_id))
    return [tuple(r) for r in conn.execute(query)]


def boundary_case_counts(conn: Connection, municipality_code: str, year: int, days: int) -> dict[tuple, int]:
    """(law_id, provision_key, outcome) → cases decided by Ankestyrelsen within `days` of either
    New Year of `year`, on both sides: the cases one source may count in the neighbouring year."""
    windows = []
    for boundary in (dt.date(year, 1, 1), dt.date(year + 1, 1, 1)):
        windows.append(case_record.c.body_decision_date.between(boundary - dt.timedelta(days=days),
                                                                boundary + dt.timedelta(days=days - 1)))
    query = (
        select(case_record.c.law_id, case_record.c.provision_key, case_record.c.outcome, func.count())
        .where(case_record.c.municipality_code == municipality_code, case_record.c.complaint_body == ANKESTYRELSEN,
               case_record.c.outcome.is_not(None), or_(*windows))
        .group_by(case_record.c.law_id, case_record.c.provision_key, case_record.c.outcome)
    )
    return {(law_id, key, outcome): n for law_id, key, outcome, n in conn.execute(query)}


def write_register(conn: Connection, code: str, import_id: int, chunks, existing: dict[str, tuple[str, int]]) -> dict:
    """Sort validated cases (ingest.register.CaseChunk) into new, changed and unchanged ones and
    write them, a chunk at a time; returns the counts, the cases kept and the rejected rows."""
    rejects: list = []  # ingest.register.RejectedRow
    counts = {"new_count": 0, "changed_count": 0, "unchanged_count": 0, "rejected_count": 0}
    seen = 0
    for chunk in chunks:
        rejects.extend(chunk.rejects)
        case_ids = chunk.texts[0]
        if existing.keys().isdisjoint(case_ids):  # a first import: all new, written column-wise
            insert_cases(conn, zip(repeat(code), *chunk.columns(), repeat(1), repeat(import_id), chunk.lines,
                                   chunk.hashes))
            counts["new_count"] += len(case_ids)
            continue
        new, changed = [], []
        for values, line, content_hash in zip(chunk.rows(), chunk.lines, chunk.hashes):
            before = existing.get(values[0])
            if before is None:
                new.append((code, *values, 1, import_id, line, content_hash))
            elif before[0] == content_hash:
                counts["unchanged_count"] += 1
            else:
                changed.append((code, *values, before[1] + 1, import_id, line, content_hash))
            seen += before is not None
        insert_cases(conn, new)
        replace_cases(conn, code, import_id, changed)
        counts["new_count"] += len(new)
        counts["changed_count"] += len(changed)
    insert_rejects(conn, import_id, (
        (r.line, [{"column": p.column, "value": p.value, "message": p.message, "code": p.code}
                  for p in r.problems], r.cells)
        for r in rejects
    ))
    counts["rejected_count"] = len(rejects)
    counts["kept"] = len(existing) - seen
    counts["rejects"] = rejects
    return counts
