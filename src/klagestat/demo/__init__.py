"""Synthetic demo data: statistics-bank files generated deterministically, imported like real ones."""
