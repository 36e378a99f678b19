"""Find the names an expression reads, by walking its parse tree."""

from __future__ import annotations

from lark import Token, Tree

#: Macros that bind a variable for their body: `persons.all(p, p.age >= 18)`.
MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})
#: Type names CEL resolves itself (`type(x) == string`); they are not answers.
BUILTIN_NAMES = frozenset(
    {"bool", "bytes", "double", "duration", "int", "list", "map", "null_type", "string"}
    | {"timestamp", "type", "uint", "google"}
)


def referenced_names(tree: Tree) -> list[Token]:
    """Return the identifier tokens `tree` reads, in source order, without bound variables."""
    found: list[Token] = []
    _walk(tree, frozenset(), found)
    return found


def _walk(tree: Tree, bound: frozenset[str], found: list[Token]) -> None:
    if tree.data in ("ident", "dot_ident"):
        token = tree.children[0]
        if isinstance(token, Token) and token not in bound and token not in BUILTIN_NAMES:
            found.append(token)
        return
    if tree.data == "member_dot_arg" and _walk_macro(tree, bound, found):
        return
    # Function names (`ident_arg`) and member names are tokens, not subtrees: skipped.
    for child in tree.children:
        if isinstance(child, Tree):
            _walk(child, bound, found)


def _walk_macro(tree: Tree, bound: frozenset[str], found: list[Token]) -> bool:
    """Walk `target.all(var, body)` with `var` bound in the body; False if not a macro."""
    member, method, *rest = tree.children
    if not isinstance(method, Token) or method not in MACROS or not rest:
        return False
    args = rest[0]
    if not isinstance(args, Tree) or len(args.children) < 2:
        return False
    variable = _bare_ident(args.children[0])
    if variable is None:
        return False
    if isinstance(member, Tree):
        _walk(member, bound, found)
    for body in args.children[1:]:
        if isinstance(body, Tree):
            _walk(body, bound | {variable}, found)
    return True


def _bare_ident(node: Tree | Token) -> str | None:
    """Return the name when `node` is nothing but an identifier."""
    while isinstance(node, Tree) and len(node.children) == 1:
        if node.data == "ident":
            return str(node.children[0])
        node = node.children[0]
    return None


def item_fields_read(tree: Tree, name: str) -> frozenset[str] | None:
    """Return the fields `tree` reads of the items of the list of maps `name`.

    None when it may use an item other than by reading a named field (`p["x"]`, `p.size()`,
    `persons.filter(...)`, `persons[0]`): then it may see all of an item's keys. Only
    `name.size()` and `name.all/exists/exists_one/map(p, ...)` whose bodies use `p` as
    `p.field` are understood; anything else is None.
    """
    found: set[str] = set()
    return frozenset(found) if _reads_only_fields(tree, name, frozenset(), found) else None


def _reads_only_fields(node: Tree, name: str, items: frozenset[str], found: set[str]) -> bool:
    """Walk `node`, collecting the fields read of the item variables `items`."""
    if node.data in ("ident", "dot_ident"):
        token = node.children[0]
        return not (isinstance(token, Token) and (token == name or token in items))
    if node.data == "member_dot" and _bare_ident(node.children[0]) in items:
        found.add(str(node.children[1]))
        return True
    if node.data == "member_dot_arg":
        verdict = _method_reads_only_fields(node, name, items, found)
        if verdict is not None:
            return verdict
    return all(
        _reads_only_fields(child, name, items, found)
        for child in node.children
        if isinstance(child, Tree)
    )


def _method_reads_only_fields(
    node: Tree, name: str, items: frozenset[str], found: set[str]
) -> bool | None:
    """Judge a method call `target.method(...)`; None: walk its children as any node."""
    member, method, *rest = node.children
    if _bare_ident(member) == name:
        return _list_macro_reads_only_fields(method, rest, name, items, found)
    if _binds_a_followed_name(method, rest, name, items):
        return False
    return None


def _list_macro_reads_only_fields(
    method: Tree | Token,
    rest: list[Tree | Token],
    name: str,
    items: frozenset[str],
    found: set[str],
) -> bool:
    """`name.size()`, or `name.all/exists/exists_one/map(p, body)` whose body reads `p.field`."""
    if method == "size" and not rest:
        return True
    if method not in ("all", "exists", "exists_one", "map") or not rest:
        return False
    args = rest[0]
    if not isinstance(args, Tree) or len(args.children) < 2:
        return False
    variable = _bare_ident(args.children[0])
    if variable is None or variable == name or variable in items:
        return False
    return all(
        isinstance(body, Tree) and _reads_only_fields(body, name, items | {variable}, found)
        for body in args.children[1:]
    )


def _binds_a_followed_name(
    method: Tree | Token, rest: list[Tree | Token], name: str, items: frozenset[str]
) -> bool:
    """True when a macro elsewhere binds `name` or an item variable (it must not)."""
    if not (isinstance(method, Token) and method in MACROS and rest and isinstance(rest[0], Tree)):
        return False
    args = rest[0]
    return bool(args.children) and _bare_ident(args.children[0]) in (items | {name})
