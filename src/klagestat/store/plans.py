"""A municipality's action plan, stored as versions: a save that changes the plan adds a version;
one that changes nothing adds none. Every function takes the municipality: a plan of another
municipality is not found."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select

from .schema import action_plan

P = action_plan.c


@dataclass(frozen=True)
class PlanVersion:
    version: int
    saved_at: dt.datetime
    saved_by: str
    source: str
    content: dict  # domain.plan.plan_data's form


def content_hash(content: dict) -> str:
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def current_plan(conn: Connection, municipality_code: str) -> PlanVersion | None:
    row = conn.execute(select(action_plan).where(P.municipality_code == municipality_code)
                       .order_by(P.version.desc()).limit(1)).first()
    return None if row is None else _version(row)


def plan_versions(conn: Connection, municipality_code: str) -> list[PlanVersion]:
    """Every saved version, newest first."""
    rows = conn.execute(select(action_plan).where(P.municipality_code == municipality_code)
                        .order_by(P.version.desc()))
    return [_version(r) for r in rows]


def save_plan(conn: Connection, municipality_code: str, content: dict, saved_by: str, source: str,
              now: dt.datetime) -> tuple[int, bool]:
    """(the plan's version, whether it is new): a new version, or the current one when the plan
    is that already."""
    digest = content_hash(content)
    current = conn.execute(select(P.version, P.content_hash).where(P.municipality_code == municipality_code)
                           .order_by(P.version.desc()).limit(1)).first()
    if current is not None and current.content_hash == digest:
        return current.version, False
    version = (current.version if current is not None else 0) + 1
    conn.execute(insert(action_plan).values(
        municipality_code=municipality_code, version=version, saved_at=now, saved_by=saved_by, source=source,
        content=json.dumps(content, ensure_ascii=False), content_hash=digest))
    return version, True


def _version(row) -> PlanVersion:
    return PlanVersion(row.version, row.saved_at, row.saved_by, row.source, json.loads(row.content))
