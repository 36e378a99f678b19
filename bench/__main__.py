"""Run every benchmark module that has a `main()`, in a fixed order, and print a summary.

python -m bench            # all of them (make bench)
python -m bench engine     # only the named ones
"""

from __future__ import annotations

import importlib
import importlib.util
import platform
import sys
import time
from pathlib import Path

from bench.common import Figure, print_table

#: Fixed order: cheap in-process figures first, then the HTTP runs and the others' benches.
ORDER = ("engine", "validation", "submissions", "inbox", "documents")
#: Helpers and the tools for one figure's parts, run on their own (`python -m bench.<name>`).
SKIP = {"__main__", "__init__", "common", "samples", "bare_app", "submit_app"}
SKIP |= {"submit_parts", "submit_instructions"}


def modules() -> list[str]:
    """Return the bench modules with a main(): the fixed order first, then any others."""
    here = Path(__file__).parent
    found = sorted(p.stem for p in here.glob("*.py") if p.stem not in SKIP)
    ordered = [m for m in ORDER if m in found] + [m for m in found if m not in ORDER]
    return [m for m in ordered if hasattr(importlib.import_module(f"bench.{m}"), "main")]


def machine() -> str:
    """Describe the machine: cores, CPU model, memory, Python."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    import os

    return f"{os.cpu_count()} cores ({cpu}){memory}, Python {platform.python_version()}"


def main(argv: list[str]) -> int:
    """Run the benchmarks and print every figure in one table at the end."""
    wanted = argv or modules()
    print(f"machine: {machine()}")
    figures: list[Figure] = []
    for name in wanted:
        started = time.monotonic()
        result = importlib.import_module(f"bench.{name}").main()
        if isinstance(result, list):
            figures.extend(f for f in result if isinstance(f, Figure))
        print(f"({name}: {time.monotonic() - started:.0f} s)")
    if figures:
        print_table("Summary", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
