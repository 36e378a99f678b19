"""Check one expression of a definition file and report a mistake under its text.

Every expression (conditions, rules, computed values, guards, `applicant_name`,
credentials' validity and claims) is type-checked here against the names of its scope
(`scope.py`), with the file line and column of the mistake and a caret under it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from service.definitions.errors import Problems
from service.definitions.types import FieldDefinition
from service.definitions.yamlio import Source
from service.rules.typecheck import CelType

_WANTED = {"bool": "a yes/no condition", "int": "a whole number (cents)"}


def check(
    problems: Problems,
    line: int,
    what: str,
    source: str | None,
    scope: Mapping[str, CelType],
    expect: str | None = "bool",
    bounds: Mapping[str, int] | None = None,
) -> None:
    """Type-check `source`; report a mistake with its line, column and a caret under it.

    `expect` is the kind of result wanted (None: any). An expression that may cost more
    than the rules' budget with the lists' `bounds` (see `list_bounds`) is a mistake too.
    """
    if source is None:
        return
    from service.rules.services import (
        ExpressionError,
        check_expression,
        check_expression_cost,
        compile_expression,
    )

    try:
        result = check_expression(source, scope)
        check_expression_cost(compile_expression(source), bounds or {})
    except ExpressionError as exc:
        at_line, column = position(problems, line, source, exc.line, exc.column or 0)
        problems.add(at_line, f"{what}: {exc.message}", column, exc.width)
        return
    kinds = {"double", "int"} if expect == "double" else {expect}
    if expect is not None and result.kind not in kinds | {"dyn"}:
        at_line, column = position(problems, line, source, 1, 1)
        wanted = _WANTED.get(expect, f"a {CelType(expect)}")
        problems.add(
            at_line,
            f"{what}: must be {wanted}, not a {result}",
            column,
            len(source.splitlines()[0]) if source else 1,
        )


def list_bounds(fields: Iterable[FieldDefinition]) -> dict[str, int]:
    """Return the longest each list answer may be: groups' max_items, checkboxes' options.

    A group without max_items has no bound here: its expressions are costed with the default.
    """
    bounds: dict[str, int] = {}
    for f in fields:
        if f.type == "group" and f.max_items is not None:
            bounds[f.key] = f.max_items
        elif f.type == "checkboxes" and f.options:
            bounds[f.key] = len(f.options)
    return bounds


def position(
    problems: Problems, line: int, source: str, in_line: int, in_column: int
) -> tuple[int, int]:
    """Return the file line and column of position (`in_line`, `in_column`) of `source`."""
    if not isinstance(source, Source) or not in_column:
        return line, 0
    if source.block:
        # The text starts on the line after `|`, indented like its first line.
        at = source.line + in_line
        return at, problems.indent(source.line + 1) + in_column
    if in_line > 1:
        at = source.line + in_line - 1
        return at, problems.indent(at) + in_column
    return source.line, source.column + in_column
