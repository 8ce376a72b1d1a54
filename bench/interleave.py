"""Baseline and studio measured in alternating rounds: a change of load moves both alike.

`interleaved({"direct": f, "studio": g}, rounds=40, per_round=5)` calls each case `per_round`
times a round, the cases in a new order each round, and returns every call's milliseconds by
case. Compare medians (or the median of per-round ratios) measured in the same run.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def interleaved(
    cases: dict[str, Callable[[], object]], rounds: int, per_round: int = 1
) -> dict[str, list[float]]:
    for fn in cases.values():
        fn()  # warm up: connection pools, template caches
    names = list(cases)
    times: dict[str, list[float]] = {name: [] for name in names}
    for number in range(rounds):
        shift = number % len(names)
        for name in names[shift:] + names[:shift]:
            fn = cases[name]
            for _ in range(per_round):
                start = time.perf_counter()
                fn()
                times[name].append((time.perf_counter() - start) * 1000)
    return times


def median(values: list[float]) -> float:
    return statistics.median(values)
