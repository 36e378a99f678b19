"""Helpers shared by the benchmarks: timing and the result table."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One measured figure, with the companion it is compared against."""

    name: str
    value: str
    companion: str = ""
    target: str = ""
    met: bool | None = None


def per_call(func: Callable[[], object], min_seconds: float = 1.0, repeats: int = 5) -> float:
    """Return the median seconds per call of `func` over `repeats` rounds."""
    func()  # warm caches (compiled forms, parsed expressions)
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            func()
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds / repeats:
            break
        n *= 2
    rounds = [elapsed / n]
    for _ in range(repeats - 1):
        start = time.perf_counter()
        for _ in range(n):
            func()
        rounds.append((time.perf_counter() - start) / n)
    return statistics.median(rounds)


def micro(seconds: float) -> str:
    """Format seconds as microseconds."""
    return f"{seconds * 1e6:,.1f} µs"


def print_table(title: str, figures: list[Figure]) -> None:
    """Print figures as a plain table."""
    rows = [("figure", "amtsweg", "companion", "target", "met")]
    for f in figures:
        met = "" if f.met is None else ("yes" if f.met else "NO")
        rows.append((f.name, f.value, f.companion, f.target, met))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    print(f"\n## {title}\n")
    for i, row in enumerate(rows):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if i == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
