"""The audit log: who saw or changed which case data, when.

Only `record` writes it, and nothing here or anywhere updates or deletes a line; the database
refuses that too (triggers from migration 0003).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select

from klagestat.domain.cpr import mask_cpr

from .schema import audit_event


@dataclass(frozen=True)
class AuditEvent:
    at: dt.datetime
    user_email: str
    action: str
    target: str | None


@dataclass(frozen=True)
class Entry:
    """A line to write in the transaction that does what it records (see api: `audited=`)."""

    user_email: str
    municipality_code: str
    action: str
    target: str | None = None

    def record(self, conn: Connection) -> None:
        record(conn, self.user_email, self.municipality_code, self.action, self.target)


def record(conn: Connection, user_email: str, municipality_code: str, action: str, target: str | None = None) -> None:
    """One line; the target (a case id, a filter a user typed, a file name) is masked, since the
    log can never be corrected afterwards."""
    conn.execute(insert(audit_event).values(at=dt.datetime.now().replace(microsecond=0), user_email=mask_cpr(user_email),
                                            municipality_code=municipality_code, action=action,
                                            target=None if target is None else mask_cpr(target)))


def events_of(conn: Connection, municipality_code: str, limit: int = 500) -> list[AuditEvent]:
    """The municipality's newest events first."""
    rows = conn.execute(select(audit_event.c.at, audit_event.c.user_email, audit_event.c.action, audit_event.c.target)
                        .where(audit_event.c.municipality_code == municipality_code)
                        .order_by(audit_event.c.id.desc()).limit(limit))
    return [AuditEvent(*r) for r in rows]
