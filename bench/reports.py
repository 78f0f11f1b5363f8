"""The Danmarkskort benchmark: every municipality's committee case for one year as Word files.

klagestat (`api.report_danmarkskort_all`: the shared analysis, then drawing and writing on both
cores) against
- the floor: python-docx writing the 98 Word files with the same text and tables and three
  PNG images each, drawn beforehand: no analysis, no drawing, one process;
- the baseline: `api.report_danmarkskort` one municipality at a time, as a user would loop over
  them, timed on 10 of the 98 and scaled to 98 (it takes about a second each).
The requirement is the 98 cases within 60 seconds on this machine's two cores.

    .venv/bin/python bench/reports.py    # this benchmark alone
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from unittest import mock

from klagestat import api
from klagestat.analysis.danmarkskort import danmarkskort_cases
from klagestat.catalogue import load_catalogue
from klagestat.demo.build import build_demo
from klagestat.render import danmarkskort_report
from klagestat.render.document import FigureBlock
from klagestat.render.docx_file import write_docx
from klagestat.store.database import open_database
from timing import best_of  # bench/timing.py, beside this file

YEAR = 2024
BUDGET = 60.0  # seconds for all 98 municipalities
SAMPLE = 10  # municipalities the baseline is timed on
RUNS = 2  # the machine is noisy: the best of this many runs
WORKERS = 2  # the machine's cores


def danmarkskort_benchmark(work: Path, report) -> None:
    """Measures and prints the benchmark's line with `report` (bench/run.py's)."""
    figures = danmarkskort_all(work)
    report("report_danmarkskort_all_municipalities_docx", figures.pop("seconds"), figures.pop("baseline"),
           figures.pop("floor"), **figures)


def demo_engine(work: Path):
    """The demo database (all municipalities, 2013–2025, Allerød's register), built in `work`."""
    work.mkdir(parents=True, exist_ok=True)
    print(f"# building the demo database in {work}", file=sys.stderr)
    db = work / "demo.db"
    build_demo(str(db), work / "demo", progress=lambda _: None)
    return open_database(str(db))


def danmarkskort_all(work: Path) -> dict:
    """The figures of the benchmark line: seconds, baseline, floor and the extra fields."""
    engine = demo_engine(work)
    catalogue = load_catalogue()
    codes = list(catalogue.municipalities)

    def klagestat() -> None:
        out = _empty(work / "cases")
        written = api.report_danmarkskort_all(engine, YEAR, out, format="docx", workers=WORKERS,
                                             catalogue=catalogue)
        assert len(written) == len(codes) == len(list(out.glob("*.docx")))

    print(f"# writing the Danmarkskort cases of {len(codes)} municipalities", file=sys.stderr)
    seconds = best_of(RUNS, klagestat)

    sample = codes[::len(codes) // SAMPLE][:SAMPLE]

    def one_by_one() -> None:
        out = _empty(work / "one-by-one")
        for code in sample:
            api.report_danmarkskort(engine, code, YEAR, out / f"{code}.docx", catalogue=catalogue)

    baseline = best_of(RUNS, one_by_one) * len(codes) / len(sample)

    documents = _documents_with_drawn_figures(engine, catalogue, codes)

    def floor() -> None:
        out = _empty(work / "floor")
        for code, document in zip(codes, documents):
            write_docx(document, out / f"{code}.docx")

    floor_seconds = best_of(RUNS, floor)
    engine.dispose()
    return {
        "seconds": seconds, "baseline": baseline, "floor": floor_seconds,
        "municipalities": len(codes), "year": YEAR, "workers": WORKERS, "budget_seconds": BUDGET,
        "within_budget": seconds <= BUDGET,
        "baseline_note": (f"api.report_danmarkskort one municipality at a time, one process, timed on "
                          f"{len(sample)} of the {len(codes)} municipalities and scaled x{len(codes) / len(sample):g}"),
        "floor_note": ("python-docx writing the same text and tables with three PNG images each, drawn "
                       "beforehand (one municipality's figures for all): no analysis, no drawing, one process"),
    }


def _documents_with_drawn_figures(engine, catalogue, codes: list[str]) -> list:
    """Every municipality's document, its figures replaced by one municipality's, already exported
    as PNG: what is left to do is only the Word writing."""
    with engine.connect() as conn:
        cases = list(danmarkskort_cases(conn, catalogue, codes, YEAR))
    drawn = danmarkskort_report.danmarkskort_document(cases[0], catalogue)
    trend, funnel, tile = (block.figure for block in drawn.blocks if isinstance(block, FigureBlock))
    for figure in (trend, funnel, tile):
        figure.png  # noqa: B018 - exported now, outside the timing
    with (mock.patch.object(danmarkskort_report, "trend_chart", lambda *a, **k: trend),
          mock.patch.object(danmarkskort_report, "funnel_plot", lambda *a, **k: funnel),
          mock.patch.object(danmarkskort_report, "tile_map", lambda *a, **k: tile)):
        return [danmarkskort_report.danmarkskort_document(case, catalogue) for case in cases]


def _empty(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def main() -> None:
    from run import report  # bench/run.py, beside this file: the one format of the benchmark lines

    work = Path(tempfile.mkdtemp(prefix="klagestat-bench-reports-"))
    try:
        danmarkskort_benchmark(work, report)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
