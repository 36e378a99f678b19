"""Errors of the expression language."""

from __future__ import annotations


class ExpressionError(Exception):
    """An expression that does not parse, names something not in scope, or mixes types.

    `line` and `column` are 1-based positions inside the expression (where the parser
    stopped or the mistake starts); `width` is how many characters the mistake spans.
    """

    def __init__(
        self, message: str, column: int | None = None, line: int = 1, width: int = 1
    ) -> None:
        super().__init__(message)
        self.message = message
        self.column = column
        self.line = line
        self.width = width

    def __str__(self) -> str:
        if self.column is None:
            return self.message
        return f"{self.message} (column {self.column})"


class EvaluationError(ExpressionError):
    """An expression that cannot be evaluated with the given values.

    `absent` is true when a map key or list item it reads does not exist (not answered).
    """

    absent: bool = False


class RuleFailed(EvaluationError):
    """An expression failed although every value it reads was there (a mistake, not null).

    Division by zero or a type the checker could not see: reported, never "rule passes".
    """


class CostTooHigh(ExpressionError):
    """An expression that could take too long to evaluate (refused by the definitions check)."""


class BudgetExceeded(EvaluationError):
    """Values so large that evaluating an expression would exceed the cost budget.

    Raised before evaluating; the caller refuses the input instead of waiting for it.
    """
