"""Rate tables for people: Danish presentation in the terminal (Rich)."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from klagestat.analysis.rates import TOTAL_GROUP, RateRow, RateTable
from klagestat.domain.catalogue import AreaLevel
from klagestat.domain.outcomes import OUTCOME_NAMES_DA
from klagestat.domain.rates import Definition
from klagestat.domain.statistics import FEW_CASES, FunnelClass
from klagestat.render.wording import SYNTHETIC_BANNER

from . import numbers
from .sources import source_text

DEFINITION_TEXT_DA = {
    Definition.OFFICIAL: (
        "Omgørelsesprocenten er beregnet som Ankestyrelsen gør: ændrede, ophævede og hjemviste "
        "sager i procent af de realitetsbehandlede sager (afviste og henviste sager indgår ikke)."
    ),
    Definition.ALL_DECIDED: (
        "Omgørelsesprocenten er beregnet over alle afgjorte sager, også afviste og henviste. "
        "Det er ikke Ankestyrelsens officielle definition og giver en lavere procent."
    ),
}
FUNNEL_DA = {FunnelClass.ABOVE: "over", FunnelClass.WITHIN: "normal", FunnelClass.BELOW: "under"}
BY_DA = {"map": "Kort", "law": "Lov", "provision": "Bestemmelse", "area": "Område"}
CASES_DA = {Definition.OFFICIAL: "Realitetsbeh.", Definition.ALL_DECIDED: "Afgjorte"}


def rate_text(row: RateRow) -> str:
    """Municipalities (alone or pooled) in whole percent, the national level and regions with one decimal."""
    if row.area.level in (AreaLevel.MUNICIPALITY, AreaLevel.GROUP):
        return numbers.municipal_percent(row.rate)
    return numbers.national_percent(row.rate)


def cell_text(row: RateRow) -> str:
    """The minutes' style: "63 % (65)" = rate and number of cases."""
    if row.counts is None:
        return "ikke tilgængelig"
    if row.rate is None:
        return "ingen sager"
    return f"{rate_text(row)} ({numbers.count(row.denominator)}){' *' if _few(row) else ''}"


def _few(row: RateRow) -> bool:
    return row.counts is not None and row.denominator is not None and 0 < row.denominator < FEW_CASES


def _group_name(row: RateRow, catalogue_maps: dict) -> str:
    if row.group is not None:
        return row.group
    return catalogue_maps.get(row.map, row.map or "")


def _detail_table(table: RateTable, map_names: dict, rows: list[RateRow], totals: list[RateRow]) -> Table:
    t = Table(box=box.SIMPLE_HEAD, show_lines=False, pad_edge=False)
    t.add_column("År")
    t.add_column("Kommune / landsplan")
    t.add_column(BY_DA[table.by])
    for name in (*OUTCOME_NAMES_DA.values(), CASES_DA[table.definition], "Omgjort",
                 "Omgørelses-\nprocent", "95 %-\ninterval", "Lands-\nplan", "Forskel\n(pct.-point)", "Tragt\n(95 %)",
                 "Omgjorte pr.\n10.000 indb."):
        t.add_column(name, justify="right")
    for row in rows + totals:
        c = row.counts
        note = " *" if _few(row) else ""
        t.add_row(
            row.span.label(),
            row.area.name,
            _group_name(row, map_names),
            numbers.count(c.upheld if c else None),
            numbers.count(c.changed if c else None),
            numbers.count(c.remitted if c else None),
            numbers.count(c.dismissed if c else None),
            numbers.count(row.denominator),
            numbers.count(c.reversed if c else None),
            (rate_text(row) if c is not None else "ikke tilgængelig") + note,
            numbers.interval(row.ci),
            numbers.national_percent(row.national_rate) if row.area.level is not AreaLevel.NATIONAL else "",
            numbers.points(row.difference_from_national) if row.area.level is AreaLevel.MUNICIPALITY else "",
            FUNNEL_DA.get(row.funnel.get(0.95), ""),
            numbers.per_10000(row.reversed_per_10000),
            style="bold" if row.group == TOTAL_GROUP or row.area.level is AreaLevel.NATIONAL else None,
        )
    return t


def _cross_table(title: str | None, corner: str, rows: list[RateRow], row_key, column_key) -> Table:
    """A table of "63 % (65)" cells, one row per row_key(r) and one column per column_key(r)."""
    t = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    t.add_column(corner)
    columns = list(dict.fromkeys(column_key(r) for r in rows))
    for c in columns:
        t.add_column(c, justify="right")
    cells: dict[str, dict[str, RateRow]] = {}
    for r in rows:
        cells.setdefault(row_key(r), {})[column_key(r)] = r
    for name, by_column in cells.items():
        t.add_row(name, *[cell_text(by_column[c]) if c in by_column else "–" for c in columns])
    return t


def _pivot_tables(table: RateTable, map_names: dict) -> list[Table]:
    """Several years: the minutes' layout, areas down and years across (newest first), one table
    per map or group; with many years or a single area, years down instead, so nothing wraps."""
    rows = sorted(table.rows, key=lambda r: r.span.last, reverse=True)
    areas = list(dict.fromkeys(r.area.name for r in rows))
    year = lambda r: r.span.label()  # noqa: E731
    group = lambda r: _group_name(r, map_names)  # noqa: E731
    if len(areas) == 1:
        return [_cross_table(areas[0], "År", rows, year, group)]
    groups: dict[str, list[RateRow]] = {}
    for r in rows:
        groups.setdefault(group(r), []).append(r)
    if len(table.spans) > 6:
        return [_cross_table(name, "År", g, year, lambda r: r.area.name) for name, g in groups.items()]
    return [_cross_table(name, "", g, lambda r: r.area.name, year) for name, g in groups.items()]


def _listed(names: list[str], shown: int = 5) -> str:
    if len(names) <= shown:
        return " og ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]
    return f"{', '.join(names[:shown])} og {len(names) - shown} andre"


def render_table(table: RateTable, map_names: dict[str, str], console: Console) -> None:
    if table.synthetic:
        console.print(Text(SYNTHETIC_BANNER, style="bold reverse"))
    if len(table.spans) > 1:
        for t in _pivot_tables(table, map_names):
            console.print(t)
        console.print("Omgørelsesprocent (antal sager i parentes).")
    else:
        console.print(_detail_table(table, map_names, table.rows, table.totals))
    if any(_few(r) for r in table.rows):
        console.print(f"* Under {FEW_CASES} sager: en enkelt sag flytter procenten meget. Se 95 %-intervallet "
                      "for ét år, eller læg flere år sammen (fx --year 2022-2024).")
    if len(table.spans) == 1:
        console.print(
            "Tragt: 'over' eller 'under' betyder, at så mange eller så få omgørelser kun sjældent (under "
            "2,5 % af gangene) sker ved tilfældighed, hvis kommunen lå på landsplan; 'normal' betyder, at "
            "forskellen kan være tilfældig. Forskellen til landsplan er regnet af de præcise procenter, "
            "ikke de afrundede."
        )
    console.print(DEFINITION_TEXT_DA[table.definition])
    for note in dict.fromkeys([*table.notes, *(r.note for r in table.rows + table.totals if r.note)]):
        console.print(f"Bemærk: {note}")
    without = list(dict.fromkeys(r.area.name for r in table.rows + table.totals if r.inhabitants.note))
    if without:
        console.print(f"Bemærk: Folketallet mangler for {_listed(without)}, så omgjorte sager pr. 10.000 "
                      "indbyggere kan ikke opgøres der. Importér Danmarks Statistiks FOLK1A med "
                      "'klagestat import population'.")
    if table.vintages:
        console.print(source_text(table.vintages, imports=True))
    if table.synthetic:
        console.print(Text(SYNTHETIC_BANNER, style="bold reverse"))
