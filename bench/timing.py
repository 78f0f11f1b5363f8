"""Timing for the benchmarks: the machine is noisy, so a figure is the best of a few runs."""

from __future__ import annotations

import time


def best_of(runs: int, func) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)
