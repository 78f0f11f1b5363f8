"""The audit log: who saw or changed which case data, when.

Only `record` writes it, and nothing here or anywhere updates or deletes a line; the database
refuses that too (triggers from migration 0003).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select

from .schema import audit_event


@dataclass(frozen=True)
class AuditEvent:
    at: dt.datetime
    user_email: str
    action: str
    target: str | None


def record(conn: Connection, user_email: str, municipality_code: str, action: str, target: str | None = None) -> None:
    conn.execute(insert(audit_event).values(at=dt.datetime.now().replace(microsecond=0), user_email=user_email,
                                            municipality_code=municipality_code, action=action, target=target))


def events_of(conn: Connection, municipality_code: str, limit: int = 500) -> list[AuditEvent]:
    """The municipality's newest events first."""
    rows = conn.execute(select(audit_event.c.at, audit_event.c.user_email, audit_event.c.action, audit_event.c.target)
                        .where(audit_event.c.municipality_code == municipality_code)
                        .order_by(audit_event.c.id.desc()).limit(limit))
    return [AuditEvent(*r) for r in rows]
