"""Provider groups to amtsweg grants: one group may give any number of (service, role) pairs.

A mapping is configured as JSON, `{"/amt/melde": ["residence_registration:case_worker",
"parking_permit:case_worker"], "/it/admins": "admin"}`, or as text, `group=grant,...`
where a group named twice gives every grant it is named with.
Grants are `service:role` or a bare name held in every service (`service.engine.roles`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

#: What a provider group gives: its grants, in the order the mapping names them.
RoleMapping = dict[str, tuple[str, ...]]


class MappingError(ValueError):
    """A role mapping that cannot be read: the message says what is wrong."""


def parse_mapping(raw: Any) -> RoleMapping:
    """Return the mapping configured in `raw` (a mapping, JSON text or `group=grant,...`)."""
    if raw is None:
        return {}
    if isinstance(raw, Mapping):
        return {str(k): _grants(k, v) for k, v in raw.items()}
    text = str(raw).strip()
    if not text:
        return {}
    if text.startswith("{"):
        try:
            loaded = json.loads(text)
        except ValueError as exc:
            raise MappingError(f"role mapping is not valid JSON: {exc}") from None
        if not isinstance(loaded, dict):
            raise MappingError("role mapping must be a JSON object of group -> grants")
        return parse_mapping(loaded)
    result: dict[str, list[str]] = {}
    for item in (part.strip() for part in text.split(",")):
        group, sep, value = item.partition("=")
        if not sep or not group.strip() or not value.strip():
            raise MappingError(f"role mapping entry '{item}' is not group=grant")
        held = result.setdefault(group.strip(), [])
        if value.strip() not in held:
            held.append(value.strip())
    return {group: tuple(grants) for group, grants in result.items()}


def _grants(group: Any, value: Any) -> tuple[str, ...]:
    values: Iterable[Any] = [value] if isinstance(value, str) else value
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise MappingError(f"role mapping of group '{group}' must be a grant or a list of grants")
    return tuple(dict.fromkeys(str(v).strip() for v in values if str(v).strip()))


def map_names(names: Iterable[str], mapping: RoleMapping | None) -> list[str]:
    """Return the grants `names` (provider roles or groups) give, sorted, without repeats.

    Without a mapping the names are grants as they are; with one, only the groups it
    names give anything.
    """
    grants: set[str] = set()
    for name in names:
        if mapping is None:
            grants.add(name)
        else:
            grants.update(mapping.get(name, ()))
    return sorted(grants)
