"""Many Danmarkskort cases written at once, on both cores (`api.report_danmarkskort_all`).

Drawing with matplotlib is Python work, so one process uses one core; the cases are drawn and
written by forked worker processes. The cases are computed before, in the parent: the workers
never touch the database, and the parent's connection, which a forked worker inherits, is never
used or closed there (a worker of a fork context leaves with os._exit). A worker gets only
numbers through the pipe, the index of the case to write, and sends back the paths written.
"""

from __future__ import annotations

import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from klagestat.analysis.danmarkskort import DanmarkskortCase
from klagestat.domain.catalogue import Catalogue
from klagestat.domain.text import file_slug
from klagestat.ingest.child_process import can_fork

from .danmarkskort_report import danmarkskort_document
from .report_files import write_report

if TYPE_CHECKING:  # what ingest.boundaries reads; render only draws it
    from klagestat.analysis.plan_effect import PlanEffect
    from klagestat.domain.plan import Plan
    from klagestat.ingest.boundaries import Boundaries


def danmarkskort_file_name(year: int, code: str, name: str, suffix: str) -> str:
    """danmarkskort-2024-201-alleroed.docx"""
    return f"danmarkskort-{year}-{code}-{file_slug(name)}{suffix}"




# The job of the worker processes: (cases, paths, catalogue, public, boundaries, plans). Set by
# _start_worker in each worker; under fork it arrives as memory the worker inherits, not by pipe.
_job: tuple[list[DanmarkskortCase], list[Path], Catalogue, bool, Boundaries | None, list[PlanOfCase]] | None = None
PlanOfCase = tuple["Plan | None", "PlanEffect | None"]  # a municipality's action plan and its effect, if any


def write_danmarkskort_files(cases: list[DanmarkskortCase], paths: list[Path], catalogue: Catalogue, public: bool,
                             boundaries: Boundaries | None, workers: int, plans: list[PlanOfCase]) -> list[Path]:
    """Each case drawn and written to its path (with its municipality's plan, `plans` in the same
    order), in `workers` forked processes when there are two or more."""
    global _job
    job = (cases, paths, catalogue, public, boundaries, plans)
    if workers < 2 or len(cases) < 2 or not can_fork():
        _job = job
        try:
            return [file for i in range(len(cases)) for file in _write_nth(i)]
        finally:
            _job = None
    # A forked process flushes the standard streams when it ends: anything buffered now would print twice.
    sys.stdout.flush()
    sys.stderr.flush()
    with ProcessPoolExecutor(min(workers, len(cases)), mp_context=multiprocessing.get_context("fork"),
                             initializer=_start_worker, initargs=(job,)) as pool:
        try:
            written = list(pool.map(_write_nth, range(len(cases))))
        except BaseException:
            pool.shutdown(cancel_futures=True)  # one failed: don't draw the rest
            raise
    return [file for files in written for file in files]


def _start_worker(job: tuple) -> None:
    global _job
    _job = job


def _write_nth(i: int) -> list[Path]:
    cases, paths, catalogue, public, boundaries, plans = _job
    plan, effect = plans[i]
    return write_report(danmarkskort_document(cases[i], catalogue, public=public, boundaries=boundaries, plan=plan,
                                              effect=effect), paths[i])
