"""Grants checked against the definitions: a service key and its workflow's roles.

`flask api-clients create --roles` and the people file refuse a grant that names no
service or no role of that service (`roles list` marks them in what is stored already).
"""

from __future__ import annotations

from collections.abc import Mapping

from service.engine import APPLICANT
from service.engine.roles import split

#: Staff-wide roles no workflow defines.
STAFF_WIDE = frozenset({"admin", "credential_verifier"})


def known_roles() -> dict[str, dict[str, str]]:
    """Return, per service key, its roles with their German titles (a transition's role
    that `roles:` does not title is its own title)."""
    from service.definitions.services import current_registry

    known: dict[str, dict[str, str]] = {}
    for service in current_registry().current():
        titles = {r.name: r.title.get("de") for r in service.roles}
        for transition in service.workflow.transitions:
            for role in transition.roles:
                if role != APPLICANT:
                    titles.setdefault(role, role)
        known[service.key] = titles
    return known


def grant_problem(value: str, known: Mapping[str, Mapping[str, str]]) -> str | None:
    """Say what is wrong with the grant `value` (`service:role` or a bare role), or None."""
    service, role = split(value)
    if service is None:
        if role in STAFF_WIDE or any(role in roles for roles in known.values()):
            return None
        return (
            f"'{role}' is neither a staff-wide role ({', '.join(sorted(STAFF_WIDE))}) "
            "nor a role of any service"
        )
    if service not in known:
        return f"there is no service '{service}' (services: {', '.join(sorted(known))})"
    if role not in known[service]:
        return f"'{role}' is not a role of {service} (roles: {', '.join(sorted(known[service]))})"
    return None
