"""The names every expression of a service may read, with their CEL types.

One scope for every expression (conditions, rules, computed values, guards,
applicant_name, credentials): the form's answers and computed values by their bare keys;
inside a repeatable group the item's own fields as well; in a guard the transition's
`inputs`; in a credential the `case`. `data.x` is refused by the checker ("write `x`");
at run time `data` is still given, for versions stored before bare names worked.
"""

from __future__ import annotations

from collections.abc import Iterable

from service.definitions.types import ComputedDefinition, FieldDefinition, FormDefinition
from service.rules.typecheck import (
    BOOL,
    DOUBLE,
    DYN,
    INT,
    STRING,
    TIMESTAMP,
    CelType,
    list_of,
    map_of,
)

_FILE = map_of({"id": STRING, "name": STRING, "content_type": STRING, "size": INT})
_BY_TYPE = {
    "number": DOUBLE, "money": DOUBLE, "yesno": BOOL, "date": TIMESTAMP,
    "checkboxes": list_of(STRING), "file": _FILE,
}  # fmt: skip


def field_type(f: FieldDefinition) -> CelType:
    """Return the CEL type of an answer to `f` (text for every kind of text)."""
    if f.type == "group":
        return list_of(map_of({s.key: field_type(s) for s in f.fields}))
    return _BY_TYPE.get(f.type, STRING)


def form_scope(form: FormDefinition) -> dict[str, CelType]:
    """Return the names of a form's top-level answers."""
    return {f.key: field_type(f) for f in form.fields}


def computed_type(c: ComputedDefinition) -> CelType:
    """Return the CEL type of a computed value (a fee is a whole number of cents)."""
    return {"fee": INT, "number": DOUBLE, "text": STRING, "yesno": BOOL, "date": TIMESTAMP}.get(
        c.type, DYN
    )


def case_scope(form: FormDefinition) -> dict[str, CelType]:
    """Return the answers and the computed values: what guards and templates may read."""
    scope = form_scope(form)
    return {**scope, **{c.key: computed_type(c) for c in form.computed}}


def item_scope(scope: dict[str, CelType], group: FieldDefinition) -> dict[str, CelType]:
    """Return `scope` with the fields of one item of `group` (they shadow top-level names)."""
    return {**scope, **{f.key: field_type(f) for f in group.fields}}


def guard_scope(scope: dict[str, CelType], inputs: Iterable[str]) -> dict[str, CelType]:
    """Return `scope` plus `inputs` (the transition's inputs)."""
    return {**scope, "inputs": map_of({name: DYN for name in inputs})}


#: What a credential's expressions read of the case besides its answers.
CASE = map_of({"reference": STRING, "submitted_on": STRING})
#: Names no field or computed value may take: expressions use them for other things.
RESERVED = ("case", "data", "inputs")


def credential_scope(scope: dict[str, CelType]) -> dict[str, CelType]:
    """Return `scope` plus `case` (its reference and the day it was submitted)."""
    return {**scope, "case": CASE}
