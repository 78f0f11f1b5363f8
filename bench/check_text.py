"""The `klagestat check` benchmark: a committee case of about 20 pages, as Word and as the PDF
LibreOffice makes of it, checked figure by figure against the statistics.

The case is klagestat's own Danmarkskort case for five municipalities one after another (text
and tables, the figures left out), so it holds a few hundred figures. Each line: the check
(reading the text, finding the claims, computing the statistics they need, the verdicts) next to
reading the text alone, the floor. There is no baseline tool; the requirement is seconds, not
minutes.

    .venv/bin/python bench/check_text.py    # this benchmark alone (builds the demo database)
"""

from __future__ import annotations

import copy
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import docx

from klagestat import api
from klagestat.catalogue import load_catalogue
from klagestat.ingest.committee_text import read_committee_text
from reports import demo_engine  # bench/reports.py
from timing import best_of  # bench/timing.py, beside this file

YEAR = 2024
MUNICIPALITIES = ("Lejre", "Allerød", "Aarhus", "København", "Læsø")
GOAL_SECONDS = 10.0  # "seconds, not minutes"
RUNS = 3


def check_benchmark(work: Path, report) -> None:
    engine = demo_engine(work)
    catalogue = load_catalogue()
    word = _long_case(engine, work)
    files = [word]
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice:
        profile = work / "profile"
        subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                        "--convert-to", "pdf", "--outdir", str(work), str(word)], check=True, capture_output=True,
                       timeout=300)
        files.append(word.with_suffix(".pdf"))
    else:
        print("# LibreOffice is not installed: the PDF line is left out", file=sys.stderr)
    for file in files:
        result = api.check(engine, file, MUNICIPALITIES[0], YEAR, catalogue=catalogue)
        seconds = best_of(RUNS, lambda: api.check(engine, file, MUNICIPALITIES[0], YEAR, catalogue=catalogue))
        floor = best_of(RUNS, lambda: read_committee_text(file))
        pages = _pages(file)
        kind = file.suffix.lstrip(".")
        report(f"check_committee_case_{kind}", seconds, floor, floor, pages=pages, claims=len(result.checked),
               baseline_note="no tool does this; the baseline is the floor", floor_note="reading the text alone",
               goal_seconds=GOAL_SECONDS, within_goal=seconds <= GOAL_SECONDS)


def _long_case(engine, work: Path) -> Path:
    """The Danmarkskort cases of MUNICIPALITIES in one Word file, without their figures (images)."""
    parts = []
    for name in MUNICIPALITIES:
        path = work / f"{name}.docx"
        api.report_danmarkskort(engine, name, YEAR, path)
        parts.append(docx.Document(str(path)))
    combined = parts[0]
    body = combined.element.body
    for part in parts[1:]:
        for element in part.element.body:
            if element.tag.endswith("sectPr"):
                continue
            body.insert(len(body) - 1, copy.deepcopy(element))  # before the final section properties
    for drawing in body.xpath(".//w:drawing"):
        drawing.getparent().remove(drawing)
    out = work / "sagsfremstilling-20-sider.docx"
    combined.save(str(out))
    return out


def _pages(file: Path) -> int | None:
    if file.suffix == ".pdf":
        from pdfminer.pdfpage import PDFPage

        with open(file, "rb") as handle:
            return sum(1 for _ in PDFPage.get_pages(handle))
    return None


if __name__ == "__main__":
    import json

    def _print(name, seconds, baseline, floor, **extra):
        print(json.dumps({"benchmark": name, "seconds": round(seconds, 4), "baseline_seconds": round(baseline, 4),
                          "floor_seconds": round(floor, 4), "ratio_to_floor": round(seconds / floor, 2), **extra}))

    folder = Path(tempfile.mkdtemp(prefix="klagestat-bench-check-"))
    try:
        check_benchmark(folder, _print)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
