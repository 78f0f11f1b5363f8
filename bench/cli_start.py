"""How long a command waits before it answers: `klagestat --help` (goal under 0.3 s) and
`klagestat rates --year 2024 --municipality Lejre` on the demo database (goal under 1 s), each
against the floor of starting Python at all (`python -c pass`) and, as the baseline, the start
the command line had when it imported the whole API first (`python -c "import klagestat.api"`).
Run by bench/run.py; also on its own: `python bench/cli_start.py`."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from klagestat.demo.build import build_demo

PROGRAM = Path(sys.executable).parent / "klagestat"
GOALS = {"cli_help": 0.3, "cli_rates_one_municipality": 1.0}


def _seconds(command: list[str], runs: int = 5) -> float:
    """The best of `runs` wall-clock runs of a process (the machine is noisy; the best is the
    cost without the noise)."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def run(work: Path, report: Callable[..., None]) -> None:
    db = work / "demo" / "klagestat-demo.db"
    if not db.exists():
        build_demo(str(db), work / "demo")
    floor = _seconds([sys.executable, "-c", "pass"])
    baseline = _seconds([sys.executable, "-c", "import klagestat.api"])
    help_seconds = _seconds([str(PROGRAM), "--help"])
    report("cli_help", help_seconds, baseline, floor, goal_seconds=GOALS["cli_help"],
           within_goal=help_seconds < GOALS["cli_help"],
           baseline_note="importing the whole API, as the command line did at start")
    rates = _seconds([str(PROGRAM), "rates", "--db", str(db), "--year", "2024", "--municipality", "Lejre"])
    report("cli_rates_one_municipality", rates, baseline, floor, goal_seconds=GOALS["cli_rates_one_municipality"],
           within_goal=rates < GOALS["cli_rates_one_municipality"],
           baseline_note="importing the whole API, as the command line did at start")


if __name__ == "__main__":
    import json

    def _print(name: str, seconds: float, baseline: float, floor: float, **extra) -> None:
        print(json.dumps({"benchmark": name, "seconds": round(seconds, 4), "baseline_seconds": round(baseline, 4),
                          "floor_seconds": round(floor, 4), "ratio_to_floor": round(seconds / floor, 2), **extra}))

    with tempfile.TemporaryDirectory(prefix="klagestat-bench-cli-") as folder:
        run(Path(folder), _print)
