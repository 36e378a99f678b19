"""`flask portal ...`: housekeeping of the resident portal."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from service.extensions import db

portal_cli = AppGroup("portal", help="Resident portal housekeeping.")


@portal_cli.command("purge-drafts")
def purge_drafts() -> None:
    """Delete drafts whose time (the workflow's draft_ttl) is up, with their files."""
    from service.drafts.services import purge_expired_drafts

    count = purge_expired_drafts()
    db.session.commit()
    click.echo(f"{count} expired draft(s) deleted")


def init_app(app: Flask) -> None:
    """Register the `portal` command group."""
    app.cli.add_command(portal_cli)
