"""The Talportal import benchmark: the demo's national statistics-bank file (every municipality,
every map subject, all quarters 2013–2025) written as the Talportal's CSV download, one row per
area, law, subject and quarter with the four outcome counts, the decided cases and the rate."""

from __future__ import annotations

import csv
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

OUTCOME_COLUMNS = {"Stadfæstet": "Stadfæstede sager", "Ændret/ophævet": "Ændrede/ophævede sager",
                   "Hjemvist": "Hjemviste sager", "Afvist/henvist": "Afviste sager"}
HEADER = ["Kommune", "Lovgivning", "Sagsemne", "periode", "Afgjorte sager", *OUTCOME_COLUMNS.values(),
          "Omgørelsesprocent"]


def write_talportal(statbank_file: Path, path: Path) -> int:
    """The statistics-bank file's counts as a latin-1 Talportal CSV; returns the number of rows."""
    cells: dict[tuple, dict[str, str]] = defaultdict(dict)
    laws: dict[str, str] = {}  # numeric prefix → law name ("1" → "Serviceloven")
    with open(statbank_file, encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter=";")
        next(reader)
        for area, basis, outcome, period, value in reader:
            prefix, _, name = basis.partition(" ")
            if "." not in prefix:
                laws[prefix] = name
            cells[(area, prefix, name, period)][OUTCOME_COLUMNS[outcome]] = value
    with open(path, "w", encoding="latin-1", newline="") as out:
        out.write(";".join(f'"{h}"' for h in HEADER) + "\n")
        for (area, prefix, name, period), counts in cells.items():
            law = laws[prefix.split(".")[0]]
            subject = "I alt" if "." not in prefix else name
            year, quarter = period[:4], period[5:]
            values = [counts[c] for c in OUTCOME_COLUMNS.values()]
            u, c, r, d = (None if v == ".." else int(v) for v in values)
            decided = "NA" if None in (u, c, r, d) else str(u + c + r + d)
            merits = None if None in (u, c, r) else u + c + r
            rate = "NA" if not merits else f"{float(Fraction(c + r, merits)):.15g}".replace(".", ",")
            out.write(f'"{area}";"{law}";"{subject}";"{year} - {quarter}. kvartal";{decided};'
                      + ";".join("NA" if v == ".." else v for v in values) + f";{rate}\n")
    return len(cells)
