"""Sentences that stand in many outputs, written once."""

from __future__ import annotations

from .document import SOFT_HYPHEN

# Table headers that are long words: breakable at their soft hyphen in a narrow column.
MERITS_HEADER = f"Realitets{SOFT_HYPHEN}behandlede"
RATE_HEADER = f"Omgørelses{SOFT_HYPHEN}procent"

# On every report, page, table and export computed from a synthetic (demo) vintage or register.
SYNTHETIC_BANNER = "SYNTETISKE DEMODATA – tallene er opdigtede og må ikke bruges som rigtige tal."
