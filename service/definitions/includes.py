"""Shared transition sets: a workflow `uses:` files under `workflows/_common/`.

The expansion works on the parsed YAML tree (`yamlio.LineDict`/`LineList`) before the
workflow is read, so the loader and the checker see one workflow. Every node taken from
a shared file keeps its file: its lines are `yamlio.Line` values, and a mistake found in
it later names the shared file and its line.

Merging, for `roles`, `states` and `transitions` (by `name`): what the shared files
define comes first, in the order of `uses:` and of each file; the workflow's own entries
follow. A workflow entry with the name of a shared one must say `override: true`; its
keys then replace those of the shared entry, which keeps its place. A stored workflow
version keeps the resolved text (`resolved_text`), so editing a shared file never
changes a version already stored. The shared transitions are marked (`Transition.shared`)
so that a case's actions list the workflow's own first (`engine.available`); the stored
text does not say which were shared, so changing that order needs no new version.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from service.definitions.errors import Problem, Problems
from service.definitions.yamlio import Line, LineDict, LineList, Source, YamlProblem, load

SHARED_DIR = "workflows/_common"
_SHARED_KEYS = {"uses", "roles", "states", "transitions"}
_MERGED = ("roles", "states", "transitions")
_NAME = re.compile(r"[a-z0-9_]+")
_SINGULAR = {"roles": "role", "states": "state", "transitions": "transition"}


def shared_texts(root: Path | None) -> tuple[tuple[str, str], ...]:
    """Return (name, text) of every shared file under `root` (part of a parse cache key)."""
    if root is None:
        return ()
    folder = Path(root) / SHARED_DIR
    return tuple((p.stem, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.yaml")))


def expand_workflow(doc: Any, problems: Problems, root: Path | None) -> tuple[Any, bool]:
    """Merge the shared files `doc` uses into it; say whether it used any."""
    if not isinstance(doc, LineDict) or "uses" not in doc:
        return doc, False
    shared = _Shared(root, problems)
    merged = shared.expand(doc, problems.path, chain=())
    merged.pop("uses", None)
    merged.lines.pop("uses", None)
    return merged, True


def check_files(root: Path) -> list[Problem]:
    """Read every shared file, used or not: YAML syntax and unknown keys (file and line)."""
    problems = Problems(SHARED_DIR)
    shared = _Shared(root, problems)
    for name in shared_names(root):
        shared.load(name, 1)
    return problems.items


def resolved_text(doc: Any) -> str:
    """Write a resolved workflow as YAML: what a stored version keeps."""
    return yaml.safe_dump(_plain(doc), allow_unicode=True, sort_keys=False, width=100)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


class _Shared:
    """Reads shared files once per expansion and merges them, reporting mistakes."""

    def __init__(self, root: Path | None, problems: Problems) -> None:
        self.root = Path(root) if root is not None else None
        self.problems = problems
        self.docs: dict[str, LineDict | None] = {}

    def expand(self, doc: LineDict, path: str, chain: tuple[str, ...]) -> LineDict:
        """Return `doc` with the shared files of its `uses:` merged in."""
        included: dict[str, list[tuple[LineDict, str]]] = {k: [] for k in _MERGED}
        for name, renames, line in self._entries(doc):
            if name in chain:
                cycle = " → ".join((*chain, name))
                self.problems.add(line, f"uses: a cycle of shared files: {cycle}")
                continue
            shared = self.load(name, line)
            if shared is None:
                continue
            shared = self.expand(shared, _path(name), (*chain, name))
            _rename_roles(shared, renames, name, self.problems, line)
            for kind in _MERGED:
                included[kind] += [(item, name) for item in shared.get(kind) or []]
        result = LineDict(doc)
        result.line, result.lines = doc.line, dict(doc.lines)
        result.sources = dict(getattr(doc, "sources", {}))
        for kind in _MERGED:
            if included[kind] or kind in doc:
                result[kind] = self._merge(kind, included[kind], doc.get(kind), doc)
                result.lines.setdefault(kind, doc.line)
        return result

    def _entries(self, doc: LineDict) -> list[tuple[str, dict[str, Any], int]]:
        uses = doc.get("uses")
        if uses is None:
            return []
        items = uses if isinstance(uses, list) else [uses]
        lines = uses.lines if isinstance(uses, LineList) else [doc.line_of("uses")]
        entries = []
        for item, line in zip(items, lines, strict=False):
            name, renames = item, dict[str, Any]()
            if isinstance(item, LineDict):
                unknown = sorted(set(item) - {"file", "roles"})
                if unknown or "file" not in item:
                    self.problems.add(
                        line, "uses: an entry is a shared file's name or {file: ..., roles: ...}"
                    )
                    continue
                name, renames = item["file"], item.get("roles") or {}
            if not isinstance(name, str) or not _NAME.fullmatch(name):
                self.problems.add(line, f"uses: '{name}' is not the name of a shared file")
                continue
            if not isinstance(renames, dict):
                self.problems.add(line, f"uses '{name}': 'roles' must map a role to roles")
                continue
            entries.append((name, renames, line))
        return entries

    def load(self, name: str, line: int) -> LineDict | None:
        """Return the marked tree of shared file `name`; `line` is where it is used."""
        if name in self.docs:
            return self.docs[name]
        file = self.root / SHARED_DIR / f"{name}.yaml" if self.root else None
        if file is None or not file.is_file():
            known = ", ".join(shared_names(self.root)) or "none"
            self.problems.add(
                line,
                f"uses: there is no shared file '{name}' ({_path(name)}); shared files: {known}",
            )
            self.docs[name] = None
            return None
        text = file.read_text(encoding="utf-8")
        lines = text.splitlines()
        try:
            doc = load(text)
        except YamlProblem as exc:
            self.problems.add(Line(exc.line, _path(name), lines), exc.message)
            doc = None
        if doc is not None:
            doc = _mark(doc, _path(name), lines)
            if not isinstance(doc, LineDict):
                self.problems.add(Line(1, _path(name), lines), "a shared file is a mapping")
                doc = None
            elif unknown := sorted(set(doc) - _SHARED_KEYS):
                self.problems.add(
                    doc.line_of(unknown[0]),
                    f"shared file: unknown key '{unknown[0]}' "
                    f"(a shared file has {', '.join(sorted(_SHARED_KEYS))})",
                )
        self.docs[name] = doc
        return doc

    def _merge(
        self, kind: str, included: list[tuple[LineDict, str]], local: Any, doc: LineDict
    ) -> Any:
        if local is not None and not isinstance(local, list):
            return local  # the loader reports the wrong type
        what = _SINGULAR[kind]
        result = LineList()
        result.line = getattr(local, "line", doc.line)
        result.lines = []
        where: dict[str, int] = {}
        for item, _name in included:
            key = str(item.get("name")) if isinstance(item, dict) else None
            if key is not None and key in where:
                first = result.lines[where[key]]
                if _file(first) == _file(item.line) and int(first) == int(item.line):
                    continue  # the same shared file reached twice
                self.problems.add(
                    item.line,
                    f"{what} '{key}' comes from both {_file(first)} and {_file(item.line)}: "
                    f"drop it from one of them",
                )
                continue
            if key is not None:
                where[key] = len(result)
            result.append(item)
            result.lines.append(item.line)
        result.shared = len(result)
        local_lines = getattr(local, "lines", [])
        for index, item in enumerate(local or []):
            line = local_lines[index] if index < len(local_lines) else result.line
            name = str(item.get("name")) if isinstance(item, dict) else None
            if isinstance(item, LineDict) and "override" in item:
                self._override(what, item, name, where, result)
            elif name is not None and name in where:
                first = result.lines[where[name]]
                self.problems.add(
                    line,
                    f"{what} '{name}' is also in {_file(first)} (line {int(first)}):"
                    f" write 'override: true' to change it, or give it another name",
                )
            else:
                result.append(item)
                result.lines.append(line)
        return result

    def _override(
        self,
        what: str,
        item: LineDict,
        key: str | None,
        where: dict[str, int],
        result: LineList,
    ) -> None:
        if item.get("override") is not True:
            self.problems.add(item.line_of("override"), f"{what}: 'override' must be true")
            return
        if key is None or key not in where:
            self.problems.add(
                item.line_of("override"),
                f"{what} '{key}' has 'override: true' but no shared file used here has a "
                f"{what} '{key}'",
            )
            return
        position = where[key]
        base = result[position]
        merged = LineDict(base)
        merged.line, merged.lines = item.line, dict(base.lines)
        merged.sources = dict(getattr(base, "sources", {}))
        for k, v in item.items():
            if k != "override":
                merged[k] = v
                merged.lines[k] = item.line_of(k)
                merged.sources.pop(k, None)
                if (source := item.source(k)) is not None:
                    merged.sources[k] = source
        result[position] = merged
        result.lines[position] = item.line


def shared_names(root: Path | None) -> list[str]:
    """Return the names of the shared files under `root`."""
    if root is None:
        return []
    return [p.stem for p in sorted((Path(root) / SHARED_DIR).glob("*.yaml"))]


def _path(name: str) -> str:
    return f"{SHARED_DIR}/{name}.yaml"


def _file(line: int) -> str:
    """Return the file a line belongs to: a shared file's, or "this workflow"."""
    return str(getattr(line, "path", "this workflow"))


def _rename_roles(
    shared: LineDict, renames: dict[str, Any], name: str, problems: Problems, line: int
) -> None:
    """Replace the roles `renames` maps in the shared transitions (`shared` is a copy)."""
    named: set[str] = set()
    transitions = shared.get("transitions")
    if not isinstance(transitions, LineList):
        return
    for index, original in enumerate(transitions):
        roles = original.get("roles") if isinstance(original, LineDict) else None
        if not isinstance(roles, LineList):
            continue
        item = transitions[index] = _copy(original)
        named |= {str(r) for r in roles}
        replaced = LineList()
        replaced.line, replaced.lines = roles.line, []
        for role, role_line in zip(roles, roles.lines, strict=False):
            new = renames.get(role, role)
            for each in new if isinstance(new, list) else [new]:
                replaced.append(each)
                replaced.lines.append(role_line)
        item["roles"] = replaced
    for role in renames:
        if role not in named:
            problems.add(
                line,
                f"uses '{name}': no transition of {_path(name)} names the role '{role}'",
            )


def _copy(item: LineDict) -> LineDict:
    copy = LineDict(item)
    copy.line, copy.lines = item.line, dict(item.lines)
    copy.sources = dict(getattr(item, "sources", {}))
    return copy


def _mark(value: Any, path: str, lines: list[str]) -> Any:
    """Copy a shared file's tree with every line a `Line` of `path`."""
    if isinstance(value, LineDict):
        result = LineDict({k: _mark(v, path, lines) for k, v in value.items()})
        result.line = Line(value.line, path, lines)
        result.lines = {k: Line(n, path, lines) for k, n in value.lines.items()}
        result.sources = {
            k: _mark(s, path, lines) for k, s in getattr(value, "sources", {}).items()
        }
        return result
    if isinstance(value, LineList):
        result_list = LineList(_mark(v, path, lines) for v in value)
        result_list.line = Line(value.line, path, lines)
        result_list.lines = [Line(n, path, lines) for n in value.lines]
        return result_list
    if isinstance(value, Source):
        source = Source(value)
        source.line = Line(value.line, path, lines)
        source.column, source.block = value.column, value.block
        return source
    return value
