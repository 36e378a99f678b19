"""Who may see which services and cases: decided by the roles each workflow names."""

from __future__ import annotations

from service.auth.models import User
from service.backoffice.constants import ADMIN_ROLE
from service.cases.models import Case
from service.definitions.services import current_registry
from service.definitions.types import ServiceDefinition
from service.engine import Actor
from service.engine.roles import holds_any
from service.errors import AppError, Text
from service.extensions import db

# --- access --------------------------------------------------------------------------


class NotAllowed(AppError):
    """The staff member may not do this (wrong role, case of another service)."""

    status = 403
    kind = "not-allowed"
    message = Text(
        de="Sie dürfen diese Aktion nicht ausführen.", en="You are not allowed to do this."
    )
    page_back = False


def _service_roles(service: ServiceDefinition) -> set[str]:
    roles = {r.name for r in service.roles}
    for transition in service.workflow.transitions:
        roles.update(r for r in transition.roles if r != "applicant")
    return roles


def roles_by_service() -> dict[str, set[str]]:
    """Return, per service key, every staff role any of its versions names."""
    registry = current_registry()
    result: dict[str, set[str]] = {}
    for key, versions in registry.services.items():
        for service in versions.values():
            result.setdefault(key, set()).update(_service_roles(service))
    return result


def is_staff(user: User | None) -> bool:
    """Say whether `user` holds a role that opens the back office."""
    if user is None:
        return False
    return ADMIN_ROLE in (user.roles or ()) or bool(visible_service_keys(user))


def visible_service_keys(user: User) -> list[str]:
    """Return the keys of the services whose cases `user` may see, sorted.

    A staff member sees the services in which they hold one of the workflow's roles;
    an administrator sees every service.
    """
    grants = set(user.roles or ())
    by_service = roles_by_service()
    if ADMIN_ROLE in grants:
        return sorted(by_service)
    return sorted(key for key, names in by_service.items() if holds_any(grants, key, names))


def visible_services(user: User) -> list[ServiceDefinition]:
    """Return the current definition of every service `user` may see."""
    keys = set(visible_service_keys(user))
    return [s for s in current_registry().current() if s.key in keys]


def can_see_case(user: User, case: Case) -> bool:
    """Say whether `user` may open `case` in the back office."""
    return case.service_key in visible_service_keys(user)


def get_case_for_staff(user: User, case_id: int) -> Case | None:
    """Return the case if `user` may see it (callers answer 404 otherwise)."""
    case = db.session.get(Case, case_id)
    return case if case is not None and can_see_case(user, case) else None


def actor_for(user: User) -> Actor:
    """Return the engine actor of a staff member."""
    return Actor(**user.as_actor_fields())
