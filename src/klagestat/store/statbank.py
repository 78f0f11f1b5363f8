"""Reading and writing statistics-bank vintages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat

from sqlalchemy import Connection, Integer, Text, and_, column, func, insert, select, union, values

from klagestat.domain.legal_basis import BasisLevel

from .schema import population, statbank_basis, statbank_cell, statbank_days, statbank_slot, vintage

# The law key of a slot for rows that belong to no single law.
ALL_LAWS = "*"
UNMAPPED_LAW = "?"


def slot_law_key(level: str, law_id: str | None) -> str:
    """The law part of a slot (period × area × law) for a legal basis of this level and law."""
    if level == BasisLevel.ALL:
        return ALL_LAWS
    return law_id or UNMAPPED_LAW


@dataclass(frozen=True)
class VintageInfo:
    id: int
    file_name: str
    file_format: str
    sha256: str
    as_of: dt.date
    imported_at: dt.datetime
    cell_count: int
    synthetic: bool
    source: str = "statbank"  # "statbank" (Ankestyrelsen's figures, any format) or "population"


@dataclass(frozen=True)
class NewVintage:
    file_name: str
    file_format: str
    sha256: str
    as_of: dt.date
    synthetic: bool = False
    cell_count: int = 0


def vintage_info(row) -> VintageInfo:
    return VintageInfo(row.id, row.file_name, row.file_format, row.sha256, row.as_of,
                       row.imported_at, row.cell_count, row.synthetic, row.source)


def find_vintage(conn: Connection, sha256: str) -> VintageInfo | None:
    row = conn.execute(select(vintage).where(vintage.c.sha256 == sha256)).first()
    return vintage_info(row) if row else None


def executemany(conn: Connection, table, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """A plain DB-API executemany of streamed tuples, in the caller's transaction: the cheapest
    bulk insert both databases offer, without building a list of a million rows first."""
    style = conn.dialect.paramstyle
    marks = ", ".join("?" if style == "qmark" else "%s" for _ in columns)
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"
    cursor = conn.connection.cursor()
    try:
        cursor.executemany(sql, rows)
    finally:
        cursor.close()


def write_vintage(
    conn: Connection,
    new: NewVintage,
    bases: Iterable[tuple],  # (basis_id, label, level, law_id, provision_key)
    cell_columns: Sequence[Iterable],  # line, year, quarter, area_code, basis_id, outcome, count
    slots: Iterable[tuple],  # (year, quarter, area_code, law_key)
    days: Sequence[tuple] = (),  # (line, year, quarter, area_code, basis_id, days)
) -> VintageInfo:
    """Write one vintage; the caller's transaction makes it all or nothing."""
    vintage_id = conn.execute(
        insert(vintage).values(
            source="statbank", file_name=new.file_name, file_format=new.file_format,
            sha256=new.sha256, as_of=new.as_of, imported_at=dt.datetime.now().replace(microsecond=0),
            cell_count=new.cell_count, synthetic=new.synthetic,
        )
    ).inserted_primary_key[0]
    executemany(conn, statbank_basis, ("vintage_id", "basis_id", "label", "level", "law_id", "provision_key"),
                 [(vintage_id, *b) for b in bases])
    executemany(
        conn, statbank_cell,
        ("vintage_id", "line", "year", "quarter", "area_code", "basis_id", "outcome", "count"),
        zip(repeat(vintage_id), *cell_columns),
    )
    executemany(conn, statbank_slot, ("vintage_id", "year", "quarter", "area_code", "law_key", "as_of"),
                 [(vintage_id, *s, new.as_of) for s in slots])
    if days:
        executemany(conn, statbank_days, ("vintage_id", "line", "year", "quarter", "area_code", "basis_id", "days"),
                    [(vintage_id, *d) for d in days])
    return vintage_info(conn.execute(select(vintage).where(vintage.c.id == vintage_id)).one())


def winning_slots(as_of: dt.date | None, years: Sequence[int]):
    """Per (year, area, law), the vintage that wins: the newest as_of ≤ the date, then the newest import."""
    conditions = [statbank_slot.c.quarter == 0, statbank_slot.c.year.in_(list(years))]
    if as_of is not None:
        conditions.append(statbank_slot.c.as_of <= as_of)
    rank = func.row_number().over(
        partition_by=(statbank_slot.c.year, statbank_slot.c.quarter, statbank_slot.c.area_code, statbank_slot.c.law_key),
        order_by=(statbank_slot.c.as_of.desc(), statbank_slot.c.vintage_id.desc()),
    ).label("rank")
    ranked = select(statbank_slot, rank).where(and_(*conditions)).subquery("ranked")
    return select(ranked).where(ranked.c.rank == 1).subquery("winners")


@dataclass(frozen=True, slots=True)
class Slot:
    vintage_id: int
    year: int
    area_code: str
    law_key: str  # law id, ALL_LAWS or UNMAPPED_LAW


@dataclass(frozen=True, slots=True)
class BasisRow:
    vintage_id: int
    basis_id: int
    label: str
    level: str
    law_id: str | None
    provision_key: str | None


def fetch_winning_slots(conn: Connection, years: Sequence[int], as_of: dt.date | None = None) -> list[Slot]:
    w = winning_slots(as_of, years)
    query = select(w.c.vintage_id, w.c.year, w.c.area_code, w.c.law_key)
    return [Slot(*r) for r in conn.execute(query)]


def fetch_bases(conn: Connection, vintage_ids: Iterable[int]) -> list[BasisRow]:
    b = statbank_basis
    query = select(b.c.vintage_id, b.c.basis_id, b.c.label, b.c.level, b.c.law_id, b.c.provision_key).where(
        b.c.vintage_id.in_(sorted(set(vintage_ids)))
    )
    return [BasisRow(*r) for r in conn.execute(query)]


# Grouping rows sent in one statement: five bound parameters each keeps a statement well under
# every database's limit (PostgreSQL: 65,535 parameters; SQLite: 32,766 by default).
GROUPING_ROWS_PER_QUERY = 5_000


def sum_by_group(
    conn: Connection,
    grouping: Sequence[tuple[int, int, int, str, str]],  # (vintage_id, basis_id, year, group, law key)
) -> list[tuple[int, str, str, str, str, int, int | None]]:
    """(year, area code, group, law key, outcome, vintage_id, count or None): the year cells that
    the grouping puts in each group, summed per vintage and law. A sum touching ".." is None.

    The grouping is the analysis' decision (which legal bases of which vintage count in which
    map, law, provision or area in which year); it arrives as a VALUES table, so the database
    does the summing. Which vintage wins each slot is left to the caller. A big grouping (many
    vintages × years × legal bases) goes in pieces, each holding every row of its groups, so
    every sum still comes whole from one statement.
    """
    result = []
    for piece in _whole_groups(grouping, GROUPING_ROWS_PER_QUERY):
        result += _sum_piece(conn, piece)
    return result


def _whole_groups(grouping: Sequence[tuple], size: int) -> Iterator[list[tuple]]:
    """The grouping in pieces of about `size` rows that never split the rows of one
    (vintage, year, group, law key): those are summed together."""
    groups: dict[tuple, list[tuple]] = {}
    for row in grouping:
        vintage_id, _basis_id, year, group, law_key = row
        groups.setdefault((vintage_id, year, group, law_key), []).append(row)
    piece: list[tuple] = []
    for rows in groups.values():
        if piece and len(piece) + len(rows) > size:
            yield piece
            piece = []
        piece += rows
    if piece:
        yield piece


def _sum_piece(conn: Connection, grouping: list[tuple]) -> list[tuple[int, str, str, str, str, int, int | None]]:
    g = values(
        column("vintage_id", Integer), column("basis_id", Integer), column("year", Integer),
        column("grp", Text), column("law_key", Text), name="grouping",
    ).data(grouping).cte("grouping")
    c = statbank_cell
    keys = (c.c.year, c.c.area_code, g.c.grp, g.c.law_key, c.c.outcome, c.c.vintage_id)
    query = (
        select(*keys, func.sum(c.c.count), func.count(c.c.count) == func.count())
        .select_from(g.join(c, and_(c.c.vintage_id == g.c.vintage_id, c.c.year == g.c.year,
                                    c.c.quarter == 0, c.c.basis_id == g.c.basis_id)))
        .group_by(*keys)
    )
    return [(year, area, grp, law, outcome, vintage, int(total) if complete and total is not None else None)
            for year, area, grp, law, outcome, vintage, total, complete in conn.execute(query).all()]


def quarters_present(conn: Connection, years: Sequence[int], as_of: dt.date | None = None) -> list[tuple[int, int]]:
    """The (year, quarter) pairs any vintage (as of the date) has for these years."""
    query = select(statbank_slot.c.year, statbank_slot.c.quarter).where(
        statbank_slot.c.quarter > 0, statbank_slot.c.year.in_(list(years))
    )
    if as_of is not None:
        query = query.where(statbank_slot.c.as_of <= as_of)
    return sorted(set(conn.execute(query.distinct()).all()))


def overlapped_vintages(conn: Connection, vintage_id: int) -> list[tuple[int, str]]:
    """(vintage id, law key) of the other vintages, as old or older, that share a slot
    (period, area, law) with this one: the ones it replaces there."""
    new, old = statbank_slot.alias("new"), statbank_slot.alias("old")
    same_slot = and_(old.c.year == new.c.year, old.c.quarter == new.c.quarter,
                     old.c.area_code == new.c.area_code, old.c.law_key == new.c.law_key,
                     old.c.vintage_id != new.c.vintage_id)
    query = (select(old.c.vintage_id, old.c.law_key).distinct()
             .select_from(new.join(old, same_slot))
             .where(new.c.vintage_id == vintage_id, old.c.as_of <= new.c.as_of))
    return [tuple(r) for r in conn.execute(query)]


def vintages_by_id(conn: Connection, ids: Iterable[int]) -> dict[int, VintageInfo]:
    ids = list(set(ids))
    if not ids:
        return {}
    rows = conn.execute(select(vintage).where(vintage.c.id.in_(ids)))
    return {r.id: vintage_info(r) for r in rows}


def provision_quarter_cells(conn: Connection, vintage_id: int, area_code: str, years: Sequence[int]):
    """(year, quarter, law_id, provision_key, outcome, count) of one vintage's provision rows for
    one area and its quarters (the demo draws a register consistent with them)."""
    query = (
        select(statbank_cell.c.year, statbank_cell.c.quarter, statbank_basis.c.law_id,
               statbank_basis.c.provision_key, statbank_cell.c.outcome, statbank_cell.c.count)
        .join(statbank_basis, (statbank_basis.c.vintage_id == statbank_cell.c.vintage_id)
              & (statbank_basis.c.basis_id == statbank_cell.c.basis_id))
        .where(statbank_cell.c.vintage_id == vintage_id, statbank_cell.c.area_code == area_code,
               statbank_cell.c.quarter > 0, statbank_cell.c.year.in_(list(years)),
               statbank_basis.c.level == "provision", statbank_cell.c.outcome != "total")
        .order_by(statbank_cell.c.year, statbank_cell.c.quarter, statbank_basis.c.provision_key,
                  statbank_cell.c.outcome)
    )
    return [tuple(r) for r in conn.execute(query)]


# Built once: the web app asks it on every request, and building it costs more than running it.
_VERSION_QUERY = select(func.max(vintage.c.id), func.count(vintage.c.id))


def statistics_version(conn: Connection) -> tuple[int | None, ...]:
    """A cheap value that changes whenever statistics or population are imported (a vintage is
    never changed, only added): the public pages' caches are keyed by it. A case register is no
    part of it: the public pages never read one."""
    return tuple(conn.execute(_VERSION_QUERY).one())


def vintages_of_years(conn: Connection) -> dict[int, tuple[int, ...]]:
    """{year: the ids of the vintages with statistics or population for it}: what a year's figures
    can depend on, so a page of some years is kept over an import that touches none of them."""
    query = union(select(statbank_slot.c.year, statbank_slot.c.vintage_id),
                  select(population.c.year, population.c.vintage_id))
    result: dict[int, list[int]] = {}
    for year, vintage_id in conn.execute(query):
        result.setdefault(year, []).append(vintage_id)
    return {year: tuple(sorted(ids)) for year, ids in result.items()}


def statistics_years(conn: Connection, area_code: str | None = None) -> list[int]:
    """The years with whole-year figures in any vintage (for the area, when given), oldest first."""
    query = select(statbank_slot.c.year).where(statbank_slot.c.quarter == 0)
    if area_code is not None:
        query = query.where(statbank_slot.c.area_code == area_code)
    return list(conn.execute(query.distinct().order_by(statbank_slot.c.year)).scalars())


def days_and_decided(conn: Connection, vintage_ids: Iterable[int], years: Sequence[int]) -> list[tuple]:
    """(vintage_id, year, area code, basis_id, days or None, decided cases or None) for every year
    cell of the vintages that have processing days: the weights of their average over a group."""
    ids = sorted(set(vintage_ids))
    with_days = [v for (v,) in conn.execute(select(statbank_days.c.vintage_id).where(
        statbank_days.c.vintage_id.in_(ids)).distinct())] if ids else []
    if not with_days:
        return []
    c, d = statbank_cell, statbank_days
    cells = (select(c.c.vintage_id, c.c.year, c.c.area_code, c.c.basis_id, func.sum(c.c.count).label("decided"),
                    (func.count(c.c.count) == func.count()).label("complete"))
             .where(c.c.vintage_id.in_(with_days), c.c.quarter == 0, c.c.year.in_(list(years)), c.c.outcome != "total")
             .group_by(c.c.vintage_id, c.c.year, c.c.area_code, c.c.basis_id).subquery("cells"))
    query = select(cells.c.vintage_id, cells.c.year, cells.c.area_code, cells.c.basis_id, d.c.days,
                   cells.c.decided, cells.c.complete).select_from(
        cells.outerjoin(d, and_(d.c.vintage_id == cells.c.vintage_id, d.c.year == cells.c.year, d.c.quarter == 0,
                                d.c.area_code == cells.c.area_code, d.c.basis_id == cells.c.basis_id)))
    return [(v, y, a, b, days, int(n) if complete and n is not None else None)
            for v, y, a, b, days, n, complete in conn.execute(query)]
