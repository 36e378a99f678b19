"""Bound the work an expression can cause, before it runs.

The Rust interpreter has no step limit, and CEL's macros (`all`, `exists`, `exists_one`,
`map`, `filter`) loop over lists: three nested `.all` over 100-element lists take over a
second, over 1000 elements nearly twenty minutes. The cost of an expression is estimated
from its parse tree: one step per operation, and a macro costs the length of its list
times the cost of its body. List lengths come from bounds: at definition time the form's
(a repeating group's `max_items`, the options of checkboxes; `DEFAULT_LIST_BOUND` when a
list has none), at run time the lengths of the values actually given. `definitions check`
refuses an expression whose estimate exceeds `MAX_COST`; at run time an estimate over
`MAX_COST` raises `BudgetExceeded` before the interpreter starts, so it never hangs.

The estimate is linear in the size of the expression for anything without macros, which
is why only expressions with a macro are measured at run time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from lark import Token, Tree

from service.rules.errors import BudgetExceeded, CostTooHigh
from service.rules.names import MACROS

#: Steps an expression may take. Measured: one step is about 0.1 µs in the interpreter
#: (three nested `.all` over 100 items: 11 million steps, 1.1 s), so about 10 ms of work.
MAX_COST = 100_000
#: The assumed length of a list the definition does not bound.
DEFAULT_LIST_BOUND = 100

#: Parse-tree levels that only pass their single child through (no work of their own).
_PASSING = frozenset(
    {"expr", "conditionalor", "conditionaland", "relation", "addition", "multiplication"}
    | {"unary", "member", "primary", "paren_expr", "exprlist"}
)

#: The list a macro loops over: a path of names (`persons`, `data.persons`), the length of
#: a list literal, or None when unknown.
Target = str | int | None
#: Returns the length bound of a path (None: unknown, the default applies).
Bounds = Callable[[str], int | None]


@dataclass(frozen=True)
class Loop:
    """A macro: its body runs once per item of `target`."""

    target: Target
    body: Plan


@dataclass(frozen=True)
class Plan:
    """The shape of an expression's cost: fixed steps plus loops over lists."""

    fixed: int
    loops: tuple[Loop, ...] = ()

    def cost(self, bound: Callable[[Target], int]) -> int:
        """Return the estimated steps, with `bound` giving the length of each loop's list."""
        return self.fixed + sum(bound(lp.target) * (1 + lp.body.cost(bound)) for lp in self.loops)


def plan(tree: Tree) -> Plan:
    """Return the cost plan of a parse tree (see the module docs)."""
    if tree.data == "member_dot_arg":
        macro = _macro(tree)
        if macro is not None:
            target, bodies = macro
            head = plan(target) if isinstance(target, Tree) else Plan(1)
            body = _merge([plan(b) for b in bodies], 0)
            return Plan(head.fixed + 1, (*head.loops, Loop(_target(target), body)))
    parts = [plan(c) for c in tree.children if isinstance(c, Tree)]
    passing = tree.data in _PASSING and len(tree.children) == 1
    return _merge(parts, 0 if passing else 1)


def estimate(
    tree_plan: Plan, bounds: Bounds, default: Callable[[], int] | int = DEFAULT_LIST_BOUND
) -> int:
    """Return the estimated steps of a plan with list lengths from `bounds`.

    `default` is the length of a list `bounds` does not know (or a function computing it,
    called at most once).
    """
    unknown: list[int] = []

    def bound(target: Target) -> int:
        if isinstance(target, int):
            return target
        found = bounds(target) if target is not None else None
        if found is not None:
            return found
        if isinstance(default, int):
            return default
        if not unknown:
            unknown.append(default())
        return unknown[0]

    return tree_plan.cost(bound)


def check_cost(source: str, tree_plan: Plan, bounds: Mapping[str, int]) -> None:
    """Raise CostTooHigh when the expression's estimate with `bounds` exceeds MAX_COST."""
    steps = estimate(tree_plan, bounds.get)
    if steps > MAX_COST:
        raise CostTooHigh(
            f"{source!r} may take {steps:,} steps to evaluate (at most {MAX_COST:,}): "
            f"avoid nesting list macros, or bound the lists (max_items; "
            f"a list without a bound counts as {DEFAULT_LIST_BOUND} items)"
        )


def check_budget(source: str, tree_plan: Plan, values: Mapping[str, Any]) -> None:
    """Raise BudgetExceeded when evaluating with `values` would exceed MAX_COST.

    A list named by a path has its own length; any other list (an item's list, a list
    made by `map`) counts as long as the longest list inside `values`.
    """

    steps = _list_steps(tree_plan, values)
    if steps is not None:
        if steps > MAX_COST:
            _too_large(source, steps)
        return

    def actual(path: str) -> int | None:
        value: Any = values
        for part in path.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        return len(value) if isinstance(value, list | tuple | set | frozenset) else None

    steps = estimate(tree_plan, actual, lambda: _longest_list(values.values()))
    if steps > MAX_COST:
        _too_large(source, steps)


def _list_steps(tree_plan: Plan, values: Mapping[str, Any]) -> int | None:
    """Return the estimate when each macro loops over a list named in `values`.

    The common case (`persons.all(p, ...)`), computed as `estimate` would: a macro over a
    named list costs its length times one more than its body; None for any other plan
    (a nested macro, a path, a list that is not given).
    """
    steps = tree_plan.fixed
    for loop in tree_plan.loops:
        target = loop.target
        if type(target) is not str or "." in target or loop.body.loops:
            return None
        items = values.get(target)
        if not isinstance(items, list | tuple | set | frozenset):
            return None
        steps += len(items) * (1 + loop.body.fixed)
    return steps


def _too_large(source: str, steps: int) -> NoReturn:
    raise BudgetExceeded(
        f"{source!r}: the values are too large to evaluate it "
        f"({steps:,} steps, at most {MAX_COST:,})"
    )


def _merge(parts: list[Plan], own: int) -> Plan:
    loops = tuple(lp for p in parts for lp in p.loops)
    return Plan(own + sum(p.fixed for p in parts), loops)


def _macro(tree: Tree) -> tuple[Tree | Token, list[Tree]] | None:
    """Return the target and bodies of `target.all(var, body)`, None if not a macro."""
    member, method, *rest = tree.children
    if not isinstance(method, Token) or method not in MACROS or not rest:
        return None
    args = rest[0]
    if not isinstance(args, Tree) or len(args.children) < 2:
        return None
    return member, [b for b in args.children[1:] if isinstance(b, Tree)]


def _target(node: Tree | Token) -> Target:
    """Return what a macro loops over: a path, a literal's length, or None."""
    while isinstance(node, Tree) and node.data in _PASSING and len(node.children) == 1:
        node = node.children[0]
    if not isinstance(node, Tree):
        return None
    if node.data == "ident" and isinstance(node.children[0], Token):
        return str(node.children[0])
    if node.data == "member_dot" and len(node.children) == 2:
        head = _target(node.children[0])
        if isinstance(head, str):
            return f"{head}.{node.children[1]}"
        return None
    if node.data == "list_lit":
        items = node.children[0] if node.children else None
        return len(items.children) if isinstance(items, Tree) else 0
    if node.data == "member_dot_arg" and node.children[1] in ("map", "filter"):
        return _target(node.children[0])  # as long as the list it was made from
    return None


def _longest_list(values: Any) -> int:
    """Return the length of the longest list anywhere inside `values` (0 if none)."""
    longest = 0
    stack = list(values)
    while stack:
        value = stack.pop()
        kind = type(value)
        if kind is str or value is None or kind is bool or kind is float or kind is int:
            continue
        if kind is dict or isinstance(value, Mapping):
            stack.extend(value.values())
        elif kind is list or isinstance(value, tuple | set | frozenset):
            longest = max(longest, len(value))
            stack.extend(value)
    return longest
