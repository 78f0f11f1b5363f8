"""The municipalities' own comments on a year's map: one text per municipality, year and map; a
new text replaces the old, an empty one removes it (the audit log keeps who did what)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from .schema import municipality_comment

M = municipality_comment.c


def save_comment(conn: Connection, municipality_code: str, year: int, map_code: str, text: str, saved_by: str,
                 now: dt.datetime) -> None:
    key = and_(M.municipality_code == municipality_code, M.year == year, M.map == map_code)
    if not text:
        conn.execute(delete(municipality_comment).where(key))
        return
    changed = conn.execute(update(municipality_comment).where(key).values(text=text, saved_at=now, saved_by=saved_by))
    if changed.rowcount == 0:
        conn.execute(insert(municipality_comment).values(municipality_code=municipality_code, year=year, map=map_code,
                                                         text=text, saved_at=now, saved_by=saved_by))


def comments_of(conn: Connection, years: Sequence[int] | None = None,
                municipality_code: str | None = None) -> dict[tuple[str, int, str], str]:
    """{(municipality code, year, map): text} of the years (all without years)."""
    query = select(M.municipality_code, M.year, M.map, M.text)
    if years is not None:
        query = query.where(M.year.in_(list(years)))
    if municipality_code is not None:
        query = query.where(M.municipality_code == municipality_code)
    return {(code, year, map_code): text for code, year, map_code, text in conn.execute(query)}


def comments_version(conn: Connection) -> tuple:
    """Changes with every saved or removed comment: part of what the public pages are kept under."""
    return tuple(conn.execute(select(func.count(), func.max(M.saved_at))).one())
