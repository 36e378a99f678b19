"""The one failure callers of the forms package act on."""

from __future__ import annotations

from service.errors import AppError, FieldError, Text, adapt
from service.rules.errors import BudgetExceeded


class ValidationFailed(AppError):
    """Answers that are refused; `errors` maps field paths to messages.

    Paths are field keys (`move_in_date`), item fields of a group with a 0-based index
    (`persons[2].birth_date`), the group itself (`persons`) for the number of items, and a
    rule's key for a failing rule that names no fields.
    """

    status = 422
    kind = "validation"
    message = Text(de="Die übermittelten Daten sind ungültig.", en="The submitted data is invalid.")

    def __init__(self, errors: dict[str, list[str]]) -> None:
        fields = [FieldError(path, m) for path, msgs in errors.items() for m in msgs]
        super().__init__(fields=fields)
        self.errors = errors

    def __str__(self) -> str:
        return "; ".join(f"{path}: {' '.join(msgs)}" for path, msgs in self.errors.items())


@adapt(BudgetExceeded)
def _too_large_to_evaluate(exc: BudgetExceeded) -> AppError:
    # The answers hold lists longer than the form's rules can be evaluated over in budget.
    return AppError(
        str(exc),
        status=422,
        kind="too-large",
        message=Text(
            de="Die Angaben sind zu umfangreich, um die Regeln des Formulars zu prüfen "
            "(zu viele Einträge).",
            en="The answers are too large to check the form's rules (too many entries).",
        ),
    )
