"""Cases per 10,000 inhabitants beside the rate, in one sentence, for the profile page, the
public map and the Danmarkskort case alike."""

from __future__ import annotations

from klagestat.analysis.rates import RateRow

from . import numbers

# Why the figure per inhabitant matters, said wherever it is shown beside the rate.
PER_10000_WHY = ("Omgørelsesprocenten siger kun noget om de afgørelser, borgerne klagede over; omgjorte sager pr. "
                 "10.000 indbyggere viser, hvor mange afgørelser Ankestyrelsen ændrede eller hjemviste i forhold "
                 "til kommunens størrelse, uanset hvor ofte der klages.")


def first_with_figure(sections) -> object | None:
    """The first map section whose row has the figure: the one that says why it matters."""
    return next((s for s in sections if s.has_cases and s.row.reversed_per_10000 is not None), None)


def per_10000_sentence(row: RateRow | None, national: RateRow | None, explain: bool = True) -> str | None:
    """"Det svarer til 3,4 omgjorte sager pr. 10.000 indbyggere (landsplan 2,9) … Omgørelsesprocenten …"
    (`explain`: with why it matters, said once per document), or None without the population."""
    if row is None or row.reversed_per_10000 is None:
        return None
    country = national.reversed_per_10000 if national is not None else None
    beside = f" (landsplan {numbers.per_10000(country)})" if country is not None else ""
    return (f"Det svarer til {numbers.per_10000(row.reversed_per_10000)} omgjorte sager pr. 10.000 indbyggere"
            f"{beside}, med {numbers.count(row.inhabitants.average)} indbyggere pr. 1. januar."
            + (f" {PER_10000_WHY}" if explain else ""))
