"""The "Kilde: …" line under every table and report: which statistics, downloaded when."""

from __future__ import annotations

from collections.abc import Iterable

from klagestat.store.population import POPULATION
from klagestat.store.statbank import VintageInfo

from . import numbers


def source_text(vintages: Iterable[VintageInfo], imports: bool = False) -> str:
    """"Kilde: Ankestyrelsens Talportal, udtræk pr. 01-03-2025; folketal: Danmarks Statistik (FOLK1A),
    udtræk pr. 15-02-2025." `imports`: say how many imports the figures come from (the CLI)."""
    vintages = list(vintages)
    figures = [v for v in vintages if v.source != POPULATION]
    people = [v for v in vintages if v.source == POPULATION]
    kinds = sorted({"Talportal" if v.file_format.startswith("Talportal") else "statistikbank" for v in figures},
                   reverse=True)
    where = {("Talportal",): "Ankestyrelsens Talportal", ("statistikbank",): "Ankestyrelsens statistikbank"}.get(
        tuple(kinds), "Ankestyrelsens Talportal og statistikbank")
    parts = [where + (", " + numbers.counted(len(figures), "import", "importer") if imports and figures else "") + _as_of(figures)]
    if people:
        parts.append("folketal: Danmarks Statistik (FOLK1A)" + _as_of(people))
    return "Kilde: " + "; ".join(parts) + "."


def _as_of(vintages: list[VintageInfo]) -> str:
    dates = sorted(v.as_of for v in vintages if v.as_of)
    return f", udtræk pr. {dates[-1]:%d-%m-%Y}" if dates else ""
