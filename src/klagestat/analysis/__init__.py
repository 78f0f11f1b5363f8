"""Analysis: pure functions from store queries to result objects. No formatting here."""
