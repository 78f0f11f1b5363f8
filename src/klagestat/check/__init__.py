"""`klagestat check`: the figures about complaints in a hand-written committee text, found
(`claims.py`) and checked against the statistics and against each other (`verify.py`).

The text comes from ingest/committee_text.py; the figures from analysis/rates.compute_rates, the
function behind `klagestat rates`; the words and rounding from render/numbers.py, so a figure is
"as klagestat would print it". The output is in render/fact_check.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection

from klagestat.domain.areas import AreaConfig
from klagestat.domain.catalogue import NATIONAL_CODE, Catalogue
from klagestat.ingest.committee_text import CommitteeText

from .claims import Claim, Vocabulary, sentence_claims, sentences_and_tables, table_claims
from .verify import Checked, Statistics, check_claims


@dataclass(frozen=True)
class CheckResult:
    file: str
    municipality_code: str
    year: int
    checked: list[Checked]


def find_claims(text: CommitteeText, catalogue: Catalogue, code: str, year: int,
                areas: AreaConfig | None = None) -> list[Claim]:
    """Every figure about complaints in the text, in the order it stands."""
    vocabulary = Vocabulary(catalogue, areas.names if areas else ())
    claims: list[Claim] = []
    caption = ""
    for part in sentences_and_tables(text, vocabulary):
        if isinstance(part, list):
            claims += table_claims(part, caption, vocabulary, code, year)
        else:
            claims += sentence_claims(part, vocabulary, code, year)
            caption = part.text  # the sentence before a table is its caption ("Tabel 1: …")
    return claims


def check_text(conn: Connection, catalogue: Catalogue, text: CommitteeText, code: str, year: int,
               as_of: dt.date | None = None, areas: AreaConfig | None = None) -> CheckResult:
    claims = find_claims(text, catalogue, code, year, areas)
    codes = sorted({c.subject.area_code for c in claims if c.subject.area_code not in (None, NATIONAL_CODE)} | {code},
                   key=int)
    statistics = Statistics(conn, catalogue, codes, as_of, areas)
    return CheckResult(text.file, code, year, check_claims(claims, statistics, catalogue))
