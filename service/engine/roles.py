"""Roles per service: what a person or client holds, written as grants.

A grant is a role held in one service, `service:role` (a registration officer of the
residence registration, `residence_registration:registration_officer`), or a name
without a service, held in every service: staff-wide roles such as `admin`, and a
workflow role given to someone for all services (an API client's `case_worker`).
Grants travel as plain strings (tokens' `roles` claim, the users table, Actor.roles).
"""

from __future__ import annotations

from collections.abc import Iterable

#: Separates the service key from the role in a grant.
SEPARATOR = ":"


def grant(service: str | None, role: str) -> str:
    """Return the grant of `role` in `service` (None: in every service)."""
    return f"{service}{SEPARATOR}{role}" if service else role


def split(value: str) -> tuple[str | None, str]:
    """Return (service or None, role) of a grant."""
    service, sep, role = value.partition(SEPARATOR)
    return (service, role) if sep else (None, value)


def holds(grants: Iterable[str], service: str, role: str) -> bool:
    """Say whether `grants` give `role` in `service`."""
    held = set(grants)
    return role in held or grant(service, role) in held


def holds_any(grants: Iterable[str], service: str, roles: Iterable[str]) -> bool:
    """Say whether `grants` give any of `roles` in `service`."""
    held = set(grants)
    return any(role in held or grant(service, role) in held for role in roles)


def first_held(grants: Iterable[str], service: str, roles: Iterable[str]) -> str | None:
    """Return the first of `roles` that `grants` give in `service` (the one an actor
    decides in), None when they give none."""
    held = set(grants)
    return next((role for role in roles if role in held or grant(service, role) in held), None)


def roles_in(grants: Iterable[str], service: str) -> set[str]:
    """Return the roles `grants` give in `service` (staff-wide ones included)."""
    result = set()
    for value in grants:
        scope, role = split(value)
        if scope is None or scope == service:
            result.add(role)
    return result
