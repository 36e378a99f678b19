"""The complexity budget of service/: no function above radon grade C, no module above 400 lines.

Run by `make lint`. Known offenders are listed in pyproject.toml under
[tool.amtsweg.budget] with their figure today: an entry may shrink or go, never grow, and
an entry that meets the budget must be removed (so the list only gets shorter). A new
offender fails: split the function or the module instead of adding it to the list.
Written here because xenon can only exclude whole files, not hold a list of known ones.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from radon.complexity import cc_rank, cc_visit

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["amtsweg"]["budget"]
    max_grade: str = config["max_grade"]
    max_lines: int = config["max_lines"]
    known_functions: dict[str, int] = dict(config.get("functions", {}))
    known_modules: dict[str, int] = dict(config.get("modules", {}))
    errors: list[str] = []
    seen_functions: set[str] = set()
    seen_modules: set[str] = set()
    for path in sorted((ROOT / "service").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text()
        lines = len(text.splitlines())
        if lines > max_lines:
            seen_modules.add(rel)
            allowed = known_modules.get(rel)
            if allowed is None:
                errors.append(f"{rel}: {lines} lines (budget {max_lines}): split the module")
            elif lines > allowed:
                errors.append(f"{rel}: {lines} lines, more than the {allowed} it had: split it")
        for block in cc_visit(text):
            if cc_rank(block.complexity) <= max_grade:
                continue
            name = f"{rel}:{block.fullname}"
            seen_functions.add(name)
            allowed = known_functions.get(name)
            grade = f"{cc_rank(block.complexity)} {block.complexity}"
            if allowed is None:
                errors.append(f"{name}: complexity {grade} (budget {max_grade}): simplify it")
            elif block.complexity > allowed:
                errors.append(f"{name}: complexity {grade}, more than the {allowed} it had")
    for name in sorted(set(known_functions) - seen_functions):
        errors.append(f"{name}: meets the budget now: remove it from [tool.amtsweg.budget]")
    for rel in sorted(set(known_modules) - seen_modules):
        errors.append(f"{rel}: meets the budget now: remove it from [tool.amtsweg.budget]")
    for error in errors:
        print(error, file=sys.stderr)
    debt = len(known_functions) + len(known_modules)
    print(f"complexity budget: {len(errors)} problem(s); {debt} known offender(s) left")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
