"""Sentences that stand in many outputs, written once."""

from __future__ import annotations

# On every report, page, table and export computed from a synthetic (demo) vintage or register.
SYNTHETIC_BANNER = "SYNTETISKE DEMODATA – tallene er opdigtede og må ikke bruges som rigtige tal."
