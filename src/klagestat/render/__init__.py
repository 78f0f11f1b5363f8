"""Rendering result objects for people and programs: Danish numbers, tables, rows."""
