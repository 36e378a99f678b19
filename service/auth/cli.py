"""Command-line groups: `flask api-clients create`, `flask demo load`, `flask roles list`."""

from __future__ import annotations

import json
import sys

import click
from flask import Flask
from flask.cli import AppGroup

from service.auth.roles_cli import roles_cli
from service.extensions import db

api_clients_cli = AppGroup("api-clients", help="Register API clients at the development provider.")
demo_cli = AppGroup("demo", help="Demo data for the development setup.")


@api_clients_cli.command("create")
@click.option("--name", required=True, help="Who the client is, e.g. 'Melderegister'.")
@click.option("--scopes", required=True, help="Comma-separated, e.g. cases:read,cases:write.")
@click.option("--roles", default="", help="Comma-separated workflow roles the client acts with.")
@click.option(
    "--issuers",
    default="",
    help=(
        "Comma-separated identity providers whose residents the client may open cases for "
        "(default: only its own namespace api:<client_id>)."
    ),
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def api_clients_create(name: str, scopes: str, roles: str, issuers: str, as_json: bool) -> None:
    """Register a client-credentials client and print its id and secret (shown once)."""
    from flask import current_app

    from service.auth.grants import grant_problem, known_roles
    from service.auth.services import InvalidScope, register_api_client

    if not current_app.config.get("DEV_IDP"):
        click.echo(
            "error: the development identity provider is off; register API clients at your "
            "identity provider and map their roles in AMTSWEG_ROLE_MAPPING",
            err=True,
        )
        sys.exit(1)
    known = known_roles()
    for value in _split(roles):
        problem = grant_problem(value, known)
        if problem is not None:
            click.echo(f"error: --roles: {problem}", err=True)
            sys.exit(2)
    try:
        client_id, secret = register_api_client(
            name, _split(scopes), _split(roles), _split(issuers)
        )
    except InvalidScope as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    db.session.commit()
    if as_json:
        click.echo(json.dumps({"client_id": client_id, "client_secret": secret}))
        return
    click.echo(f"client_id:     {client_id}")
    click.echo(f"client_secret: {secret}")
    click.echo("The secret is shown only now; store it safely.")


@demo_cli.command("load")
def demo_load() -> None:
    """Create the demo people and the portal's client (safe to run again)."""
    from flask import current_app

    from service.auth.people import PeopleFileError
    from service.auth.services import load_demo

    if not current_app.config.get("DEV_IDP"):
        click.echo("error: the development identity provider is off (AMTSWEG_DEV_IDP)", err=True)
        sys.exit(1)
    try:
        lines = load_demo()
    except PeopleFileError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    for line in lines:
        click.echo(line)
    db.session.commit()


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def init_app(app: Flask) -> None:
    """Register the command groups."""
    app.cli.add_command(api_clients_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(roles_cli)
