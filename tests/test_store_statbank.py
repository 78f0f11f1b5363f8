"""The statistics-bank store on its own, on SQLite and on PostgreSQL: what the command-line tests
reach only with very large data."""

from __future__ import annotations

from sqlalchemy import select

from klagestat.domain.legal_basis import BasisLevel
from klagestat.store.database import open_database
from klagestat.store.schema import vintage
from klagestat.store.statbank import GROUPING_ROWS_PER_QUERY, fetch_bases, slot_law_key, sum_by_group

from conftest import BASELINE_FIGURES, OUTCOMES, P41, P85, P100


def test_a_grouping_bigger_than_one_statement_can_hold_is_summed_whole(baseline_database):
    # Many vintages × years × legal bases make a grouping of tens of thousands of rows, more
    # than PostgreSQL takes as parameters of one statement (65,535, five per row).
    engine = open_database(baseline_database)
    try:
        with engine.connect() as conn:
            vintage_id = conn.execute(select(vintage.c.id)).scalar_one()
            provisions = [b for b in fetch_bases(conn, [vintage_id]) if b.level == BasisLevel.PROVISION]
            # Every provision of a law in one group named after the law.
            real = [(vintage_id, b.basis_id, 2024, f"alle {b.law_id}", slot_law_key(b.level, b.law_id))
                    for b in provisions]
            expected = sorted(sum_by_group(conn, real))
            # Rows for legal bases the vintage doesn't have, with a group of their own each, and
            # the rows of the real groups at both ends: a piece must never split a group's sum.
            # (Just over PostgreSQL's limit: SQLAlchemy takes a while to compile each row.)
            filler = [(vintage_id, 100_000 + i, 2024, f"tom {i}", "serviceloven") for i in range(65_535 // 5 + 100)]
            assert 65_535 // 5 < len(filler) and GROUPING_ROWS_PER_QUERY < 65_535 // 5
            half = len(real) // 2
            got = sorted(sum_by_group(conn, real[:half] + filler + real[half:]))
    finally:
        engine.dispose()

    assert got == expected
    # The sums are the figures: Allerød's serviceloven provisions, outcome by outcome.
    allerod = {outcome: count for year, area, group, law, outcome, _v, count in got
               if area == "201" and group == "alle serviceloven"}
    figures = BASELINE_FIGURES["Allerød"]
    names = ("upheld", "changed", "remitted", "dismissed")
    assert len(names) == len(OUTCOMES)
    for i, name in enumerate(names):
        assert allerod[name] == figures[P41][i] + figures[P100][i] + figures[P85][i], name
