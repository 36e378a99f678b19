"""Questions that appear as you answer: a form's conditions for the browser.

The server decides which questions a page shows (`answers.load_answers`); this module
hands the same conditions to `static/reveal.js`, a small dependency-free script that
shows and hides questions while the person answers, without a round trip. The server
stays the only authority: the script only toggles what is visible, and every post is
checked again. A CEL expression becomes a JSON syntax tree of the few operations forms
use (comparisons, `in`, `&&`, `||`, `!`, `? :`, `+`/`-`, member access, `today()`,
`days()`, `age()`, `size()`), evaluated with CEL's rules (errors absorbed by `&&` and
`||`; a condition that fails is false). A condition using anything else is left out:
its questions keep what the server decided until the page is sent (`tests/forms/
test_forms_reveal.py` checks that every condition of the shipped forms is understood and
that the script and the server agree on random answers).

No library compiles CEL to JavaScript (cel-js evaluates CEL itself but is not on a
registry we may use and would be a second interpreter with its own dialect), so the
translation is written here, small and checked against the interpreter by that test.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from lark import Token, Tree

from service.forms.answers import Answers
from service.forms.constants import FieldType
from service.forms.schema import CompiledField, CompiledForm, Conditional
from service.rules.dates import local_today
from service.rules.services import Expression, date_bound, syntax_tree

#: The answer types the script reads from inputs exactly as the server loads them.
READABLE = frozenset(
    {FieldType.TEXT, FieldType.SELECT, FieldType.RADIO, FieldType.YESNO, FieldType.DATE}
    | {FieldType.CHECKBOXES, FieldType.COUNTRY, FieldType.GROUP}
)
_FUNCTIONS = frozenset({"today", "days", "age", "size"})
_RELATIONS = {
    "relation_eq": "eq",
    "relation_ne": "ne",
    "relation_lt": "lt",
    "relation_le": "le",
    "relation_gt": "gt",
    "relation_ge": "ge",
    "relation_in": "in",
}
_PASSING = frozenset(
    {"expr", "conditionalor", "conditionaland", "relation", "addition", "multiplication"}
    | {"unary", "member", "primary", "paren_expr", "exprlist"}
)


class Unsupported(Exception):
    """The expression uses something the script does not evaluate."""


def to_script(expression: Expression) -> list[Any]:
    """Return the JSON syntax tree of `expression`; raise Unsupported if it cannot be."""
    return _node(syntax_tree(expression.source))


def page_spec(
    compiled: CompiledForm, page_key: str, answers: Answers, lang: str
) -> dict[str, Any] | None:
    """Return what `reveal.js` needs for page `page_key`, or None when nothing is conditional.

    Answers to questions on other pages come along as values (already null when hidden
    there), so a condition reading them is decided in the browser as on the server.
    """
    page = compiled.page(page_key).page
    on_page = set(page.fields)
    conditional = [c for c in compiled.field_conditions if set(c.keys) & on_page]
    groups = {k: compiled.field(k) for k in page.fields if compiled.field(k).is_group}
    if not conditional and not any(g.item_conditions for g in groups.values()):
        return None
    today = local_today()
    read = {f.key: f for f in compiled.read}
    hidden_items = [
        f"{key}[{index}].{name}"
        for key in groups
        for index, item in enumerate(answers.items.get(key, ()))
        for name in item.hidden
    ]
    return {
        "today": today.isoformat(),
        "rounds": len(compiled.fields) + 1,
        "onPage": list(page.fields),
        "fields": {k: field_spec(f, today) for k, f in read.items() if k in on_page},
        "values": {k: _json_value(answers.context.get(k)) for k in read if k not in on_page},
        "pages": [[key, _compiled(c)] for key, c in compiled.page_conditions],
        "conditions": [_conditional(c) for c in compiled.field_conditions],
        "groups": {
            key: _group_spec(g, compiled.item_fields.get(key, ()), today)
            for key, g in groups.items()
        },
        "serverHidden": sorted(answers.hidden) + hidden_items,
        "serverHiddenPages": sorted(answers.hidden_pages),
    }


def field_spec(f: CompiledField, today: date) -> dict[str, Any]:
    """Return how the script reads and checks the answer of `f` (as the server loads it)."""
    d = f.definition
    spec: dict[str, Any] = {"type": f.type if f.type in READABLE else "opaque"}
    if f.type == FieldType.TEXT and d.pattern:
        spec["type"] = "opaque"
    if d.options:
        spec["options"] = [o.value for o in d.options]
    for name, value in (
        ("minLength", d.min_length),
        ("maxLength", d.max_length),
        ("minItems", d.min_items),
        ("maxItems", d.max_items),
    ):
        if value is not None:
            spec[name] = value
    if f.type == FieldType.DATE:
        for name, bound in (("min", d.minimum), ("max", d.maximum)):
            if bound is not None:
                spec[name] = date_bound(str(bound), today).isoformat()
    return spec


def _group_spec(
    group: CompiledField, item_fields: tuple[CompiledField, ...], today: date
) -> dict[str, Any]:
    return {
        "fields": {f.key: field_spec(f, today) for f in group.items},
        "read": sorted(group.item_reads),
        "itemFields": [f.key for f in item_fields],
        "rounds": len(group.items) + 1,
        "conditions": [_conditional(c) for c in group.item_conditions],
    }


def _conditional(c: Conditional) -> dict[str, Any]:
    reads = sorted(c.condition.identifiers) if c.condition is not None else []
    return {"keys": list(c.keys), "page": c.page, "if": _compiled(c.condition), "reads": reads}


def _compiled(expression: Expression | None) -> Any:
    """Return the tree of a condition; None for none; "server" when the script can't."""
    if expression is None:
        return None
    try:
        return to_script(expression)
    except Unsupported:
        return "server"


def _json_value(value: Any) -> Any:
    """Return a CEL value of an answer as JSON for the script (dates tagged)."""
    if hasattr(value, "date") and callable(value.date):
        return {"$date": value.date().isoformat()}
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _json_value(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise Unsupported(type(value).__name__)


def _node(node: Tree | Token) -> list[Any]:
    while isinstance(node, Tree) and node.data in _PASSING and len(node.children) == 1:
        node = node.children[0]
    if isinstance(node, Token):
        raise Unsupported(node.type)
    handler = _HANDLERS.get(node.data)
    if handler is None:
        raise Unsupported(node.data)
    return handler(node)


def _binary(node: Tree) -> list[Any]:
    first, second = node.children
    if node.data in ("conditionalor", "conditionaland"):
        return ["or" if node.data == "conditionalor" else "and", _node(first), _node(second)]
    if node.data == "expr":  # a ? b : c
        raise Unsupported("ternary with two parts")
    # `a == b` is relation(relation_eq(a), b); `a + b` is addition(addition_add(a), b).
    if not isinstance(first, Tree) or len(first.children) != 1:
        raise Unsupported(node.data)
    operator = _RELATIONS.get(first.data) or {"addition_add": "add", "addition_sub": "sub"}.get(
        first.data
    )
    if operator is None:
        raise Unsupported(first.data)
    return [operator, _node(first.children[0]), _node(second)]


def _ternary(node: Tree) -> list[Any]:
    if len(node.children) != 3:
        return _binary(node)
    return ["if", *(_node(child) for child in node.children)]


def _unary(node: Tree) -> list[Any]:
    operator, operand = node.children
    kinds = {"unary_not": "not", "unary_neg": "neg"}
    if not isinstance(operator, Tree) or operator.data not in kinds:
        raise Unsupported("unary")
    return [kinds[operator.data], _node(operand)]


def _literal(node: Tree) -> list[Any]:
    token = node.children[0]
    if not isinstance(token, Token):
        raise Unsupported("literal")
    text = str(token)
    if token.type == "STRING_LIT" and len(text) >= 2 and text[0] == text[-1] and "\\" not in text:
        if text[:3] in ('"""', "'''") or text[0] not in "\"'":
            raise Unsupported("string literal")
        return ["lit", text[1:-1]]
    if token.type == "BOOL_LIT":
        return ["lit", text == "true"]
    if token.type == "NULL_LIT":
        return ["lit", None]
    if token.type == "INT_LIT" and text.removeprefix("-").isdigit():
        return ["lit", int(text)]
    if token.type == "FLOAT_LIT":
        return ["lit", float(text), "double"]  # JSON alone would make 2.0 an int
    raise Unsupported(token.type)


def _ident(node: Tree) -> list[Any]:
    return ["name", str(node.children[0])]


def _call(node: Tree) -> list[Any]:
    name, *rest = node.children
    if str(name) not in _FUNCTIONS:
        raise Unsupported(f"function {name}")
    arguments = rest[0].children if rest and isinstance(rest[0], Tree) else []
    return ["call", str(name), *(_node(a) for a in arguments)]


def _list(node: Tree) -> list[Any]:
    if not node.children:
        return ["list"]
    return ["list", *(_node(child) for child in node.children[0].children)]


def _dot(node: Tree) -> list[Any]:
    target, name = node.children
    return ["dot", _node(target), str(name)]


def _index(node: Tree) -> list[Any]:
    target, index = node.children
    return ["index", _node(target), _node(index)]


_HANDLERS: dict[str, Callable[[Tree], list[Any]]] = {
    "expr": _ternary,
    "conditionalor": _binary,
    "conditionaland": _binary,
    "relation": _binary,
    "addition": _binary,
    "unary": _unary,
    "literal": _literal,
    "ident": _ident,
    "ident_arg": _call,
    "list_lit": _list,
    "member_dot": _dot,
    "member_index": _index,
}


def newly_shown(posted: list[str] | None, shown_now: set[str]) -> set[str]:
    """Return the conditional questions shown now that the page did not show when sent.

    The page posts back the ones it showed (`_shown`, kept up to date by the page script).
    Without it (a client that is not the page) every question counts as seen.
    """
    if posted is None:
        return set()
    sent = {p for value in posted for p in str(value).split()}
    return shown_now - sent


def without_errors(errors: Mapping[str, list[str]], paths: set[str]) -> dict[str, list[str]]:
    """Return `errors` less those of the questions at `paths` (and inside them)."""
    return {
        p: m
        for p, m in errors.items()
        if not any(p == q or p.startswith((f"{q}.", f"{q}[")) for q in paths)
    }
