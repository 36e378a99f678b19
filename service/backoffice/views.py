"""Wires the back office into the app: its pages, the error map's way back, `flask backoffice`.

The pages live in modules of their own, each adding its routes to `blueprint.bp`:
`inbox_views` (the inbox and bulk assignment), `case_views` (the case page and what a
case worker does on it), `webhook_views` (administrators' webhook pages),
`dashboard_views` (a service's figures), and `audit_views`, `copy_views`, `role_words`
(registered with `register(bp)`). This module imports them all, so none imports it and
the package has no import cycle.
"""

from __future__ import annotations

import click
from flask import Flask, session
from flask.cli import AppGroup

from service import errors
from service.backoffice import (
    audit_views,
    case_views,
    copy_views,
    dashboard_views,
    inbox_views,
    role_words,
    services,
    webhook_views,
)
from service.backoffice.blueprint import bp
from service.extensions import db

#: The modules that add pages to the back office blueprint with `@bp` decorators.
PAGES = (inbox_views, case_views, webhook_views, dashboard_views)

cli = AppGroup("backoffice", help="Back-office jobs (deadlines).")
for part in (audit_views, copy_views, role_words):
    part.register(bp)


@cli.command("escalate")
def escalate_command() -> None:
    """Mark overdue open cases as escalated (run daily)."""
    count = services.escalate_overdue()
    db.session.commit()
    click.echo(f"{count} case(s) escalated.")


def init_app(app: Flask) -> None:
    """Register the back office pages and its CLI commands."""
    from service.extensions import babel, csrf

    # The shared web layer binds these; set them up here only when it is not there yet.
    if "babel" not in app.extensions:
        babel.init_app(app, locale_selector=lambda: session.get("lang") or "de")
    if "csrf" not in app.extensions:
        csrf.init_app(app)
    app.register_blueprint(bp)
    errors.way_back(bp.name, case_views.way_back)
    app.cli.add_command(cli)
