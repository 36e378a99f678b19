"""Roles as people read them in the back office: titles ("Meldebehörde"), never keys.

Template filters for the service page (who may fire a transition), the people pages (what
a person holds, per service) and the timeline (in which role someone acted). Kept apart
from `views.py` (at its size budget).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Blueprint

from service.definitions.services import current_registry
from service.engine import APPLICANT, Text, Workflow
from service.engine.roles import holds, split

#: Titles of the roles no workflow defines.
STAFF_WIDE = {
    "admin": Text(de="Administration", en="Administrator"),
    "credential_verifier": Text(de="Nachweisprüfung", en="Credential verifier"),
    APPLICANT: Text(de="antragstellende Person", en="applicant"),
}
EVERY_SERVICE = Text(de="Alle Verfahren", en="Every service")


def role_title(role: str, workflow: Workflow | None, lang: str) -> str:
    """Return the title of `role` in `workflow` (staff-wide roles have their own)."""
    if role in STAFF_WIDE:
        return STAFF_WIDE[role].get(lang)
    if workflow is None:
        return role
    return workflow.role_title(role).get(lang)


def roles_text(roles: Iterable[str], workflow: Workflow, lang: str) -> str:
    """Return the titles of `roles`, comma-separated ("Sachbearbeitung, Meldebehörde")."""
    return ", ".join(role_title(r, workflow, lang) for r in roles)


def grants_by_service(grants: Iterable[str], lang: str) -> list[tuple[str, str]]:
    """Return what `grants` give as (service title, role titles), services first."""
    workflows = {s.key: s.workflow for s in current_registry().current()}
    found: dict[str, list[str]] = {}
    for value in sorted(set(grants)):
        service, role = split(value)
        found.setdefault(service or "", []).append(role)
    rows = []
    for key in sorted(found, key=lambda k: (k == "", k)):
        workflow = workflows.get(key)
        if key == "":
            title = EVERY_SERVICE.get(lang)
            names = [_any_title(role, workflows.values(), lang) for role in found[key]]
        else:
            title = workflow.title.get(lang) if workflow is not None else key
            names = [role_title(role, workflow, lang) for role in found[key]]
        rows.append((title, ", ".join(names)))
    return rows


def _any_title(role: str, workflows: Iterable[Workflow], lang: str) -> str:
    """Title of a role given for every service: from the first workflow that names it."""
    if role in STAFF_WIDE:
        return STAFF_WIDE[role].get(lang)
    for workflow in workflows:
        if any(key == role for key, _ in workflow.role_titles):
            return workflow.role_title(role).get(lang)
    return role


def acting_role(workflow: Workflow, transition: str | None, grants: Iterable[str]) -> Text | None:
    """Return the title of the role in which someone holding `grants` fired `transition`."""
    try:
        roles = workflow.transition(transition or "").roles
    except KeyError:
        return None
    held = list(grants)
    for role in roles:
        if role != APPLICANT and holds(held, workflow.key, role):
            return workflow.role_title(role)
    return None


def register(bp: Blueprint) -> None:
    """Make the filters available to the back office's templates."""
    filters: dict[str, Any] = {
        "role_title": role_title,
        "roles_text": roles_text,
        "grants_by_service": grants_by_service,
    }
    for name, function in filters.items():
        bp.add_app_template_filter(function, name)
