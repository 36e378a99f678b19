"""Mistakes found in definition files, each with its file and line."""

from __future__ import annotations

from dataclasses import dataclass

from service.definitions.yamlio import Line


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake: printed as `<file>:<line>: <message>`."""

    path: str
    line: int
    message: str
    #: 1-based column of the mistake (0: the whole line), and the line with a caret under it.
    column: int = 0
    excerpt: str = ""

    def __str__(self) -> str:
        where = (
            f"{self.path}:{self.line}:{self.column}" if self.column else f"{self.path}:{self.line}"
        )
        return f"{where}: {self.message}" + (f"\n{self.excerpt}" if self.excerpt else "")


class DefinitionError(Exception):
    """The definitions cannot be used; `problems` says why, file by file."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class Problems:
    """Collects the problems of one file."""

    def __init__(self, path: str, text: str = "") -> None:
        self.path = path
        self.lines = text.splitlines()
        self.items: list[Problem] = []

    def add(self, line: int, message: str, column: int = 0, width: int = 1) -> None:
        """Record a mistake at `line` (and `column`, which puts a caret under it)."""
        path, lines = self.path, self.lines
        if isinstance(line, Line):  # a line of an included (shared) file
            path, lines, line = line.path, line.lines, int(line)
        excerpt = ""
        if column and 0 < line <= len(lines):
            text = lines[line - 1].rstrip()
            width = max(1, min(width, len(text) - column + 1))
            excerpt = f"    {text}\n    {' ' * (column - 1)}^{'~' * (width - 1)}"
        self.items.append(Problem(path, line, message, column, excerpt))

    def indent(self, line: int) -> int:
        """Return how many spaces line `line` of the file starts with."""
        if 0 < line <= len(self.lines):
            text = self.lines[line - 1]
            return len(text) - len(text.lstrip(" "))
        return 0

    def __bool__(self) -> bool:
        return bool(self.items)
