"""Errors of the expression language."""

from __future__ import annotations


class ExpressionError(Exception):
    """An expression that does not parse, or names something not in scope.

    `column` is 1-based, where the parser stopped or the unknown name starts.
    """

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column

    def __str__(self) -> str:
        if self.column is None:
            return self.message
        return f"{self.message} (column {self.column})"


class EvaluationError(ExpressionError):
    """An expression that cannot be evaluated with the given values (not applicable)."""
