"""Mistakes found in definition files, each with its file and line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake: printed as `<file>:<line>: <message>`."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class DefinitionError(Exception):
    """The definitions cannot be used; `problems` says why, file by file."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class Problems:
    """Collects the problems of one file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.items: list[Problem] = []

    def add(self, line: int, message: str) -> None:
        """Record a mistake at `line`."""
        self.items.append(Problem(self.path, line, message))

    def __bool__(self) -> bool:
        return bool(self.items)
