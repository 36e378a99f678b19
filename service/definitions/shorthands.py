"""Shorter spellings, expanded on the parsed YAML tree before the loader reads it.

Forms:
- a page's `fields:` may write a field out (a mapping with `key`) instead of naming a
  field of the top-level `fields:` list: the field is named once;
- a page's `fields:` (and a group's) may hold a block `{when: <CEL>, fields: [...]}`: the
  condition is the `visible_if` of every field in it (and'ed with a field's own).

Workflows: a document without `template` uses the template named like its key.

The expansion gives the classic tree (page `fields:` = names, definitions under `fields:`),
so a form written either way has the same content hash and needs no new version.
"""

from __future__ import annotations

from typing import Any

from service.definitions.errors import Problems
from service.definitions.yamlio import LineDict, LineList, Source

_BLOCK_KEYS = {"when", "fields"}


def expand_form(doc: Any, problems: Problems) -> Any:
    """Move fields written inside pages to `fields:` and spread blocks' conditions."""
    pages = doc.get("pages") if isinstance(doc, LineDict) else None
    if not isinstance(pages, list):
        return doc
    conditions: list[tuple[str, Any]] = []
    written: list[tuple[LineDict, int]] = []
    for page in pages:
        if isinstance(page, LineDict) and isinstance(page.get("fields"), LineList):
            what = f"page '{page.get('key')}'"
            page["fields"] = _names(page["fields"], what, None, conditions, written, problems)
    if written:
        fields = doc.get("fields")
        if fields is None:
            fields = doc["fields"] = LineList()
            fields.line, fields.lines = doc.line, []
            doc.lines["fields"] = doc.line
        if isinstance(fields, LineList):
            for item, line in written:
                fields.append(item)
                fields.lines.append(line)
    by_key = {str(f.get("key")): f for f in doc.get("fields") or [] if isinstance(f, LineDict)}
    for key, group in by_key.items():
        if isinstance(group.get("fields"), LineList):  # a group's own fields
            group["fields"] = _flatten(group["fields"], f"field '{key}'", None, problems)
    for name, condition in conditions:
        if (field := by_key.get(name)) is not None:
            _add_condition(field, condition)
    return doc


def _names(
    items: LineList,
    what: str,
    condition: Any,
    conditions: list[tuple[str, Any]],
    written: list[tuple[LineDict, int]],
    problems: Problems,
) -> LineList:
    """Return the field names of a page's (or block's) items, collecting the rest."""
    names = LineList()
    names.line, names.lines = items.line, []
    for item, line in zip(items, items.lines, strict=False):
        if isinstance(item, LineDict) and "when" in item:
            inner = _block(item, what, condition, problems)
            if inner is not None:
                found = _names(item["fields"], what, inner, conditions, written, problems)
                names += found
                names.lines += found.lines
            continue
        if isinstance(item, LineDict) and "key" in item:
            written.append((item, line))
            item = item["key"]
        elif not isinstance(item, str):
            problems.add(
                line,
                f"{what}: a field is named, written out (with 'key') or a block (with 'when' "
                f"and 'fields')",
            )
            continue
        names.append(item)
        names.lines.append(line)
        if condition is not None:
            conditions.append((str(item), condition))
    return names


def _flatten(items: LineList, what: str, condition: Any, problems: Problems) -> LineList:
    """Return a group's field definitions with its blocks' fields in their place."""
    result = LineList()
    result.line, result.lines = items.line, []
    for item, line in zip(items, items.lines, strict=False):
        if isinstance(item, LineDict) and "when" in item:
            inner = _block(item, what, condition, problems)
            if inner is not None:
                found = _flatten(item["fields"], what, inner, problems)
                result += found
                result.lines += found.lines
            continue
        if condition is not None and isinstance(item, LineDict):
            _add_condition(item, condition)
        result.append(item)
        result.lines.append(line)
    return result


def _block(item: LineDict, what: str, outer: Any, problems: Problems) -> Any:
    """Check a block; return its condition (with the outer block's), or None if broken."""
    if unknown := sorted(set(item) - _BLOCK_KEYS):
        problems.add(
            item.line_of(unknown[0]),
            f"{what}: unknown key '{unknown[0]}' in a block (a block has 'when' and 'fields')",
        )
        return None
    when = item.source("when") or item.get("when")
    if not isinstance(when, str) or not when.strip():
        problems.add(item.line_of("when"), f"{what}: a block's 'when' must be a condition")
        return None
    fields = item.get("fields")
    if not isinstance(fields, LineList) or not fields:
        problems.add(item.line, f"{what}: the block 'when: {when}' has no fields")
        return None
    return when if outer is None else f"({outer}) && ({when})"


def _add_condition(field: LineDict, condition: Any) -> None:
    own = field.get("visible_if")
    if own is None:
        field["visible_if"] = condition
        field.lines["visible_if"] = getattr(condition, "line", field.line)
        if isinstance(condition, Source):
            field.sources["visible_if"] = condition
        return
    field["visible_if"] = f"({condition}) && ({own})"
    field.sources.pop("visible_if", None)


def default_templates(doc: Any) -> Any:
    """Give each document without `template` the template named like its key."""
    documents = doc.get("documents") if isinstance(doc, LineDict) else None
    for item in documents if isinstance(documents, list) else []:
        if isinstance(item, LineDict) and "template" not in item and "key" in item:
            item["template"] = item["key"]
            item.lines["template"] = item.line_of("key")
            if (source := item.source("key")) is not None:
                item.sources["template"] = source
    return doc
