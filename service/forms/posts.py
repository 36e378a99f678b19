"""Turn an HTML form post (flat names, repeated checkbox keys) into nested answers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from service.definitions.types import FieldDefinition, FormDefinition
from service.forms.constants import FieldType
from service.forms.fields import is_empty

#: More items than any group allows are ignored rather than built (a post is untrusted).
MAX_POSTED_ITEMS = 100
#: The boxes of a date field, named `<field>-day`, `<field>-month`, `<field>-year`.
DATE_PARTS = ("day", "month", "year")


class FormPost(Protocol):
    """A multi-valued mapping such as werkzeug's `MultiDict` (`request.form`)."""

    def getlist(self, key: str) -> list[Any]: ...

    def __iter__(self) -> Any: ...


def parse_post(
    form: FormDefinition, page_key: str, post: FormPost | Mapping[str, Any]
) -> dict[str, Any]:
    """Return the answers of page `page_key` from `post`, nested as `validate` expects.

    Every field of the page gets a key (None or [] when nothing was sent), so merging the
    result into a draft clears answers the person removed. Group items are read from names
    like `persons-0-family_name`, renumbered from 0; items left wholly empty are dropped.
    Top-level file fields are left out and a group item's file field is only the id of
    the upload it keeps: the portal stores uploads and puts their metadata in.
    """
    page = next((p for p in form.pages if p.key == page_key), None)
    if page is None:
        raise KeyError(page_key)
    data: dict[str, Any] = {}
    for key in page.fields:
        f = form.field(key)
        if f.type == FieldType.GROUP:
            data[key] = _items(f, post)
        elif f.type != FieldType.FILE:
            data[key] = _value(f, post, key)
    return data


def _getlist(post: FormPost | Mapping[str, Any], name: str) -> list[Any]:
    getlist = getattr(post, "getlist", None)
    if callable(getlist):
        return list(getlist(name))
    value = post.get(name) if isinstance(post, Mapping) else None
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _value(f: FieldDefinition, post: FormPost | Mapping[str, Any], name: str) -> Any:
    if f.type == FieldType.DATE and any(_getlist(post, f"{name}-{p}") for p in DATE_PARTS):
        return _date(post, name)
    values = [v for v in _getlist(post, name) if isinstance(v, str)]
    if f.type == FieldType.CHECKBOXES:
        return [v for v in values if v.strip()]
    return values[0] if values else None


def _date(post: FormPost | Mapping[str, Any], name: str) -> str | None:
    """Join the day, month and year boxes into "YYYY-MM-DD" for the date check.

    Numbers are padded ("5" → "05"); anything else is kept as typed, so the check names
    the mistake and the boxes show it again. All three empty is no answer.
    """
    typed = []
    for part in DATE_PARTS:
        values = [v for v in _getlist(post, f"{name}-{part}") if isinstance(v, str)]
        typed.append(values[0].strip() if values else "")
    day, month, year = typed
    if not (day or month or year):
        return None
    if day.isdigit() and month.isdigit() and year.isdigit():
        return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
    return f"{year}-{month}-{day}"


def _items(group: FieldDefinition, post: FormPost | Mapping[str, Any]) -> list[dict[str, Any]]:
    pattern = re.compile(rf"{re.escape(group.key)}-(\d{{1,6}})-(\w+)")
    keys = {f.key for f in group.fields}
    indices = sorted(
        {int(m[1]) for name in _names(post) if (m := pattern.fullmatch(name)) and m[2] in keys}
    )
    items = []
    for index in indices[:MAX_POSTED_ITEMS]:
        item = {
            f.key: _kept_file(post, name) if f.type == FieldType.FILE else _value(f, post, name)
            for f in group.fields
            if (name := f"{group.key}-{index}-{f.key}")
        }
        if not all(is_empty(v) for v in item.values()):
            items.append(item)
    return items


def _kept_file(post: FormPost | Mapping[str, Any], name: str) -> dict[str, str] | None:
    """Return the upload an item's file field keeps, `{"id": ...}`, as the page posted it.

    The page posts the id of an item's upload in a hidden input of the field's name; the
    portal puts in the upload's metadata (only for the person's own uploads) or drops it.
    """
    values = [v for v in _getlist(post, name) if isinstance(v, str) and v.strip()]
    return {"id": values[0].strip()} if values else None


def _names(post: FormPost | Mapping[str, Any]) -> Iterable[str]:
    return [name for name in post if isinstance(name, str)]
