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
