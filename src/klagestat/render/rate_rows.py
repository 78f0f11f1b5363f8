"""Rate rows for programs (the JSON rows of the design's contract) and for spreadsheets (the same
rows with Danish headers and values, rounded figures in CSV and exact ones under a number format
in XLSX)."""

from __future__ import annotations

import json
from fractions import Fraction

from klagestat.analysis.rates import RateRow, RateTable
from klagestat.catalogue import load_catalogue
from klagestat.domain.catalogue import AreaLevel
from klagestat.domain.outcomes import OUTCOME_NAMES_DA
from klagestat.domain.rates import CASES, DEFINITION_NAMES_DA, STATBANK
from klagestat.domain.statistics import FUNNEL_NAMES_DA

from .exports import Rounded, csv_bytes

# The contract's fields first, in its order; the rest are additive extensions.
FIELDS = (
    "year", "municipality_code", "municipality", "map", "group",
    "upheld", "changed", "remitted", "dismissed", "merits", "reversed",
    "reversal_rate", "ci_low", "ci_high", "national_rate", "definition",
    "group_key", "group_total", "year_from", "year_to", "area_level",
    "cases", "difference_from_national", "funnel_95", "funnel_998", "note", "synthetic", "source",
    "inhabitants", "decided_per_10000", "reversed_per_10000", "processing_days", "comment",
)


def _float(value) -> float | None:
    return None if value is None else float(value)


def row_dict(row: RateRow, synthetic: bool, group_total: bool = False, source: str = STATBANK) -> dict:
    c = row.counts
    return {
        "year": row.span.json_value(),
        "municipality_code": row.area.code,
        "municipality": row.area.name,
        "map": row.map,
        "group": row.group,
        "upheld": c.upheld if c else None,
        "changed": c.changed if c else None,
        "remitted": c.remitted if c else None,
        "dismissed": c.dismissed if c else None,
        "merits": c.merits if c else None,
        "reversed": c.reversed if c else None,
        "reversal_rate": _float(row.rate),
        "ci_low": row.ci[0] if row.ci else None,
        "ci_high": row.ci[1] if row.ci else None,
        "national_rate": _float(row.national_rate),
        "definition": row.definition.value,
        "group_key": row.group_key,
        "group_total": group_total,  # the "I alt" row over the groups: don't add it to them
        "year_from": row.span.first,
        "year_to": row.span.last,
        "area_level": row.area.level.value,  # municipality, region, group or national
        "cases": row.denominator,  # the denominator under the definition used
        "difference_from_national": _float(row.difference_from_national),
        "funnel_95": row.funnel[0.95].value if 0.95 in row.funnel else None,
        "funnel_998": row.funnel[0.998].value if 0.998 in row.funnel else None,
        "note": row.note or row.inhabitants.note,  # why a figure, else why the inhabitants, are missing
        "synthetic": synthetic,
        # "cases" when a municipality's row is counted in its own register; the national level
        # always comes from the statistics bank.
        "source": source if row.area.level is AreaLevel.MUNICIPALITY else STATBANK,
        # Statistics Denmark's population on 1 January (the yearly average over several years);
        # the cases per 10,000 inhabitants and year. None, with a note, without the population.
        "inhabitants": row.inhabitants.average,
        "decided_per_10000": _float(row.decided_per_10000),
        "reversed_per_10000": _float(row.reversed_per_10000),
        # The Talportal's Sagsbehandlingstid (days), averaged over the group weighted by decided
        # cases; None when the file had none.
        "processing_days": _float(row.processing_days),
        # The municipality's own comment on the year's map, in its own words (one year, one map).
        "comment": row.comment,
    }


def to_dicts(table: RateTable) -> list[dict]:
    """The rows, then (when grouped) each area's "I alt" over the groups, marked group_total."""
    return ([row_dict(r, table.synthetic, source=table.source) for r in table.rows]
            + [row_dict(r, table.synthetic, group_total=True, source=table.source) for r in table.totals])


def to_json(table: RateTable) -> str:
    return json.dumps(to_dicts(table), ensure_ascii=False, indent=1)


# ---- for spreadsheets ----------------------------------------------------------------------------

# The JSON fields in their order, with the Danish header a spreadsheet shows for each.
SHEET_HEADERS = {
    "year": "År", "municipality_code": "Kommunekode", "municipality": "Kommune", "map": "Kort", "group": "Gruppe",
    **{outcome.value: name for outcome, name in OUTCOME_NAMES_DA.items()},
    "merits": "Realitetsbehandlede", "reversed": "Omgjorte", "reversal_rate": "Omgørelsesprocent",
    "ci_low": "95 %-interval fra", "ci_high": "95 %-interval til", "national_rate": "Landsplan",
    "definition": "Definition", "group_key": "Gruppens nøgle", "group_total": "I alt-række (læg ikke til)",
    "year_from": "Fra år", "year_to": "Til år", "area_level": "Niveau", "cases": "Sager i nævneren",
    "difference_from_national": "Forskel fra landsplan (procentpoint)",
    "funnel_95": "Sammenlignet med landsplan (95 %)", "funnel_998": "Sammenlignet med landsplan (99,8 %)",
    "note": "Bemærkning", "synthetic": "Syntetiske demodata", "source": "Kilde", "inhabitants": "Indbyggere",
    "decided_per_10000": "Afgjorte pr. 10.000 indbyggere", "reversed_per_10000": "Omgjorte pr. 10.000 indbyggere",
    "processing_days": "Sagsbehandlingstid (dage)", "comment": "Kommunens egen kommentar",
}
AREA_LEVELS_DA = {AreaLevel.MUNICIPALITY: "kommune", AreaLevel.REGION: "region", AreaLevel.GROUP: "gruppe",
                  AreaLevel.NATIONAL: "hele landet"}
SOURCES_DA = {STATBANK: "Ankestyrelsens statistik", CASES: "kommunens klageregister"}


def _figure(value: Fraction | None, decimals: int, percent: bool = False) -> Rounded | None:
    return None if value is None else Rounded(Fraction(value), decimals, percent)


def sheet_row(row: RateRow, synthetic: bool, group_total: bool = False, source: str = STATBANK) -> list:
    """A row as a spreadsheet shows it: Danish values, and each rate or figure rounded as the
    reports round it (a municipality in whole percent, the nation to one decimal)."""
    d = row_dict(row, synthetic, group_total, source)
    catalogue = load_catalogue()
    national = row.area.level is AreaLevel.NATIONAL
    d.update({
        "map": catalogue.map_name(row.map) if row.map in catalogue.map_codes() else row.map,
        "reversal_rate": _figure(row.rate, 1 if national else 0, percent=True),
        "ci_low": _figure(row.ci[0], 0, percent=True) if row.ci else None,
        "ci_high": _figure(row.ci[1], 0, percent=True) if row.ci else None,
        "national_rate": _figure(row.national_rate, 1, percent=True),
        "definition": DEFINITION_NAMES_DA[row.definition],
        "area_level": AREA_LEVELS_DA[row.area.level],
        "difference_from_national": (None if row.difference_from_national is None
                                     else Rounded(row.difference_from_national * 100, 1)),
        "funnel_95": FUNNEL_NAMES_DA.get(row.funnel.get(0.95)),
        "funnel_998": FUNNEL_NAMES_DA.get(row.funnel.get(0.998)),
        "source": SOURCES_DA[d["source"]],
        "decided_per_10000": _figure(row.decided_per_10000, 1),
        "reversed_per_10000": _figure(row.reversed_per_10000, 1),
        "processing_days": _figure(row.processing_days, 1),
    })
    return [d[f] for f in FIELDS]


def sheet_rows(table: RateTable) -> tuple[list[str], list[list]]:
    """(Danish headers, rows) of the table for CSV and XLSX, in the order of `to_dicts`."""
    rows = ([sheet_row(r, table.synthetic, source=table.source) for r in table.rows]
            + [sheet_row(r, table.synthetic, group_total=True, source=table.source) for r in table.totals])
    return list(SHEET_HEADERS.values()), rows


def to_csv(table: RateTable) -> str:
    """The rows for a spreadsheet, as Danish Excel opens them (render/exports: semicolons,
    decimal comma, ja/nej, a byte-order mark so that æ, ø and å survive, no formulas)."""
    return csv_bytes(*sheet_rows(table)).decode("utf-8")
