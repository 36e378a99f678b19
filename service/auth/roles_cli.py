"""`flask roles list`: who may do what, per person and service, and what provider groups give.

Reads the grants of staff users and API clients in the database, the provider-group
mapping and, with the development provider on, `instance/people.yaml`. A grant that
names no service or no role of that service's workflow is marked, so a typo shows here
instead of as a silently missing permission.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from service.auth.grants import STAFF_WIDE
from service.auth.grants import known_roles as _known_roles
from service.auth.mapping import MappingError
from service.auth.models import OAuthClient, User
from service.engine.roles import split
from service.extensions import db

roles_cli = AppGroup("roles", help="Roles per service: who may do what.")

#: Where a bare grant (no service) is listed.
EVERY_SERVICE = "(every service)"


def describe(grants: Iterable[str], known: dict[str, dict[str, str]]) -> list[str]:
    """Return one line per service: `service: role (title), ...`, marking unknown names."""
    by_service: dict[str, list[str]] = {}
    for value in sorted(set(grants)):
        service, role = split(value)
        key = service or EVERY_SERVICE
        by_service.setdefault(key, []).append(_role_text(service, role, known))
    lines = []
    for key in sorted(by_service, key=lambda k: (k == EVERY_SERVICE, k)):
        note = "" if key == EVERY_SERVICE or key in known else " (no such service)"
        lines.append(f"{key}{note}: {', '.join(by_service[key])}")
    return lines


def _role_text(service: str | None, role: str, known: dict[str, dict[str, str]]) -> str:
    if service is None:
        if role in STAFF_WIDE:
            return role
        found = [titles[role] for titles in known.values() if role in titles]
        return f"{role} ({found[0]})" if found else f"{role} (no service has this role)"
    titles = known.get(service)
    if titles is None:
        return role
    return f"{role} ({titles[role]})" if role in titles else f"{role} (not a role of {service})"


def _section(title: str, entries: list[tuple[str, list[str]]]) -> None:
    click.echo(title)
    if not entries:
        click.echo("  (none)")
    for heading, lines in entries:
        click.echo(f"  {heading}")
        for line in lines or ["(resident: no roles)"]:
            click.echo(f"    {line}")


@roles_cli.command("list")
def roles_list() -> None:
    """Print who may do what: people, API clients and provider groups, per service."""
    from service.auth.services import role_mapping

    known = _known_roles()
    try:
        staff = db.session.scalars(
            db.select(User)
            .where(sa.cast(User.roles, sa.String) != "[]")
            .order_by(User.name, User.id)
        ).all()
    except (sa.exc.OperationalError, sa.exc.ProgrammingError):
        click.echo("error: the database has no tables yet: run `flask db upgrade` first", err=True)
        sys.exit(1)
    _section(
        "People (logged in at least once)",
        [(f"{u.name} <{u.email or '-'}> [{u.subject}]", describe(u.roles, known)) for u in staff],
    )
    clients = db.session.scalars(
        db.select(OAuthClient).where(OAuthClient.grant_types.isnot(None)).order_by(OAuthClient.name)
    )
    _section(
        "API clients",
        [(f"{c.name} [{c.client_id}]", describe(c.roles, known)) for c in clients if c.roles],
    )
    try:
        mapping = role_mapping()
    except MappingError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    _section(
        "Provider groups (AMTSWEG_ROLE_MAPPING"
        + (")" if mapping else "; none: the provider's names are taken as grants)"),
        [(group, describe(grants, known)) for group, grants in sorted(mapping.items())],
    )
    if current_app.config.get("DEV_IDP"):
        from service.auth import people

        try:
            found = people.people()
        except people.PeopleFileError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(1)
        _section(
            f"Development people ({people.people_path()})",
            [(f"{p.name} [{p.slug}]", describe(p.roles, known)) for p in found],
        )
