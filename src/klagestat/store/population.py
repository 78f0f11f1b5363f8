"""Reading and writing Statistics Denmark's population, one vintage per imported file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection, and_, func, insert, select

from .schema import population, vintage
from .statbank import NewVintage, VintageInfo, executemany, vintage_info

POPULATION = "population"  # vintage.source


def write_population(conn: Connection, new: NewVintage, rows: Sequence[tuple]) -> VintageInfo:
    """rows: (line, year, quarter, area code, inhabitants or None); in the caller's transaction."""
    vintage_id = conn.execute(
        insert(vintage).values(
            source=POPULATION, file_name=new.file_name, file_format=new.file_format, sha256=new.sha256,
            as_of=new.as_of, imported_at=dt.datetime.now().replace(microsecond=0), cell_count=len(rows),
            synthetic=new.synthetic,
        )
    ).inserted_primary_key[0]
    executemany(conn, population, ("vintage_id", "line", "year", "quarter", "area_code", "inhabitants", "as_of"),
                 [(vintage_id, *r, new.as_of) for r in rows])
    return vintage_info(conn.execute(select(vintage).where(vintage.c.id == vintage_id)).one())


def inhabitants_on_1_january(conn: Connection, years: Sequence[int],
                             as_of: dt.date | None = None) -> tuple[dict[tuple[str, int], int | None], set[int]]:
    """{(area code, year): inhabitants on 1 January (the first quarter), None for '..'} from the
    winning vintage of each (area, year): the newest as_of on or before the date, then the newest
    import; and the ids of the vintages used."""
    p = population
    conditions = [p.c.quarter == 1, p.c.year.in_(list(years))]
    if as_of is not None:
        conditions.append(p.c.as_of <= as_of)
    rank = func.row_number().over(partition_by=(p.c.year, p.c.area_code),
                                  order_by=(p.c.as_of.desc(), p.c.vintage_id.desc())).label("rank")
    ranked = select(p.c.area_code, p.c.year, p.c.inhabitants, p.c.vintage_id, rank).where(and_(*conditions)).subquery()
    rows = conn.execute(select(ranked.c.area_code, ranked.c.year, ranked.c.inhabitants, ranked.c.vintage_id)
                        .where(ranked.c.rank == 1)).all()
    return {(code, year): n for code, year, n, _ in rows}, {v for *_, v in rows}
