"""Rate rows for programs: the JSON rows of the design's contract, and the same as CSV."""

from __future__ import annotations

import json

from klagestat.analysis.rates import STATBANK, RateRow, RateTable
from klagestat.domain.catalogue import AreaLevel

from .exports import csv_bytes

# The contract's fields first, in its order; the rest are additive extensions.
FIELDS = (
    "year", "municipality_code", "municipality", "map", "group",
    "upheld", "changed", "remitted", "dismissed", "merits", "reversed",
    "reversal_rate", "ci_low", "ci_high", "national_rate", "definition",
    "group_key", "group_total", "year_from", "year_to", "area_level",
    "cases", "difference_from_national", "funnel_95", "funnel_998", "note", "synthetic", "source",
    "inhabitants", "decided_per_10000", "reversed_per_10000", "processing_days",
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
    }


def to_dicts(table: RateTable) -> list[dict]:
    """The rows, then (when grouped) each area's "I alt" over the groups, marked group_total."""
    return ([row_dict(r, table.synthetic, source=table.source) for r in table.rows]
            + [row_dict(r, table.synthetic, group_total=True, source=table.source) for r in table.totals])


def to_json(table: RateTable) -> str:
    return json.dumps(to_dicts(table), ensure_ascii=False, indent=1)


def to_csv(table: RateTable) -> str:
    """The JSON rows for a spreadsheet, as Danish Excel opens them (render/exports: semicolons,
    decimal comma, ja/nej, a byte-order mark so that æ, ø and å survive, no formulas)."""
    rows = [[d[f] for f in FIELDS] for d in to_dicts(table)]
    return csv_bytes(FIELDS, rows).decode("utf-8")
