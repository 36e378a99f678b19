"""The checks of one form, as small named rules.

Each rule looks at one thing and reports every mistake it finds with its line into
`FormCheck.problems`. `FORM_RULES` lists them in the order they run; the order does not
change what is reported (problems are sorted by file and line). A new check is a new
function added to the list, not another branch in a long function.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from service.definitions.constants import COMPUTED_TYPES
from service.definitions.errors import Problems
from service.definitions.expressions import check as check_expression
from service.definitions.expressions import list_bounds
from service.definitions.scope import RESERVED, computed_type, form_scope, item_scope
from service.definitions.types import FieldDefinition, FormDefinition
from service.rules.typecheck import CelType


def duplicates(names: Iterable[str]) -> list[str]:
    """Return the names that occur more than once, in the order they first occur."""
    return [name for name, count in Counter(names).items() if count > 1]


def reserved(problems: Problems, line: int, what: str, key: str) -> None:
    """Report `key` when every expression reserves it (`data`, `inputs`, ...)."""
    if key in RESERVED:
        problems.add(
            line,
            f"{what}: '{key}' is a name every expression reserves "
            f"({', '.join(RESERVED)}): choose another key",
        )


@dataclass(frozen=True)
class FormCheck:
    """What the form rules look at: the form, where to report, the file's name."""

    form: FormDefinition
    problems: Problems
    stem: str

    @cached_property
    def scope(self) -> dict[str, CelType]:
        return form_scope(self.form)

    @cached_property
    def bounds(self) -> Mapping[str, int]:
        return list_bounds(self.form.fields)

    @cached_property
    def placed(self) -> Counter[str]:
        """How many pages name each field."""
        return Counter(key for page in self.form.pages for key in page.fields)


FormRule = Callable[[FormCheck], None]


def key_matches_file(c: FormCheck) -> None:
    if c.form.key != c.stem:
        c.problems.add(1, f"form key '{c.form.key}' must equal the file name '{c.stem}'")


def keys_are_unique(c: FormCheck) -> None:
    """Fields, pages and rules each have their own keys, once."""
    for kind, items in (("field", c.form.fields), ("page", c.form.pages), ("rule", c.form.rules)):
        for dup in duplicates(i.key for i in items):
            line = next(i.line for i in items if i.key == dup)
            c.problems.add(line, f"duplicate {kind} key '{dup}'")


def page_conditions_type_check(c: FormCheck) -> None:
    for page in c.form.pages:
        what = f"page '{page.key}': visible_if"
        check_expression(c.problems, page.line, what, page.visible_if, c.scope, bounds=c.bounds)


def pages_name_defined_fields(c: FormCheck) -> None:
    top = {f.key for f in c.form.fields}
    for page in c.form.pages:
        for key in page.fields:
            if key not in top:
                c.problems.add(
                    page.line, f"page '{page.key}' names field '{key}' but no field defines it"
                )


def every_field_is_on_one_page(c: FormCheck) -> None:
    for f in c.form.fields:
        if c.placed[f.key] == 0:
            c.problems.add(f.line, f"field '{f.key}' is on no page")
        elif c.placed[f.key] > 1:
            c.problems.add(f.line, f"field '{f.key}' is on more than one page")


def fields_are_consistent(c: FormCheck) -> None:
    for f in c.form.fields:
        _check_field(f, c.problems, c.scope, c.bounds)


def computed_values_type_check(c: FormCheck) -> None:
    """Type-check computed values in order: each may read the answers and those before it."""
    scope = dict(c.scope)
    for v in c.form.computed:
        what = f"computed value '{v.key}'"
        reserved(c.problems, v.line, what, v.key)
        if v.key in scope:
            c.problems.add(v.line, f"{what}: '{v.key}' is already the name of a field or value")
        expect = COMPUTED_TYPES.get(v.type)
        check_expression(
            c.problems, v.line, what, v.expression, scope, expect=expect, bounds=c.bounds
        )
        scope[v.key] = computed_type(v)


def rules_type_check(c: FormCheck) -> None:
    for rule in c.form.rules:
        what = f"rule '{rule.key}'"
        check_expression(c.problems, rule.line, what, rule.expression, c.scope, bounds=c.bounds)


def rules_name_defined_fields(c: FormCheck) -> None:
    fields = c.form.fields
    paths = {f.key for f in fields} | {f"{g.key}.{s.key}" for g in fields for s in g.fields}
    for rule in c.form.rules:
        for path in rule.fields:
            if path not in paths:
                c.problems.add(
                    rule.line, f"rule '{rule.key}' names field '{path}' but no field defines it"
                )


FORM_RULES: tuple[FormRule, ...] = (
    key_matches_file,
    keys_are_unique,
    page_conditions_type_check,
    pages_name_defined_fields,
    every_field_is_on_one_page,
    fields_are_consistent,
    computed_values_type_check,
    rules_type_check,
    rules_name_defined_fields,
)


def _check_field(
    f: FieldDefinition,
    problems: Problems,
    scope: dict[str, CelType],
    bounds: Mapping[str, int],
) -> None:
    """Check one field (and the fields of a group, with the group's item in scope)."""
    what = f"field '{f.key}'"
    reserved(problems, f.line, what, f.key)
    check_expression(problems, f.line, f"{what}: visible_if", f.visible_if, scope, bounds=bounds)
    check_expression(problems, f.line, f"{what}: required_if", f.required_if, scope, bounds=bounds)
    if f.min_items is not None and f.max_items is not None and f.min_items > f.max_items:
        problems.add(f.line, f"{what}: min_items is larger than max_items")
    if f.type == "file" and not f.accept:
        problems.add(f.line, f"{what}: a file field needs 'accept' (the allowed MIME types)")
    if f.type == "group":
        inner = item_scope(scope, f)
        inner_bounds = {**bounds, **list_bounds(f.fields)}
        for dup in duplicates(s.key for s in f.fields):
            problems.add(f.line, f"{what}: duplicate field key '{dup}'")
        for sub in f.fields:
            _check_field(sub, problems, inner, inner_bounds)
