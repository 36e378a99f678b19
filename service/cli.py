"""Command-line interface: `flask --app service <group> <command>`."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup

from service.extensions import db

definitions_cli = AppGroup("definitions", help="Check and list workflow and form definitions.")
jobs_cli = AppGroup("jobs", help="Run queued effects (documents, webhooks, e-mail).")


@definitions_cli.command("check", with_appcontext=False)
@click.option("--root", default=None, help="Folder holding workflows/, forms/ and templates/.")
def definitions_check(root: str | None) -> None:
    """Check every definition file; print `<file>:<line>: <message>` per mistake.

    Runs without the app (which refuses to start on broken definitions), then compares
    the files with the versions stored in the database when there is one.
    """
    from service import config as config_module
    from service.definitions.services import load_definitions
    from service.template_samples import check_rendering

    root = root or str(config_module.from_environment()["DEFINITIONS_ROOT"])
    registry, problems = load_definitions(root)
    if not problems:
        problems = check_rendering(registry, Path(root) / "templates")
    if not problems:
        problems = _compare_stored(root, registry)
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(problems)} mistake(s) found.", err=True)
        sys.exit(1)
    for service in registry.current():
        form = registry.form(service.form_key)
        wf = service.workflow
        fields = sum(1 + len(f.fields) for f in form.fields)
        click.echo(
            f"{service.key} v{service.version}: {len(wf.states)} states, {len(wf.transitions)} "
            f"transitions, form {form.key} v{form.version} with {len(form.pages)} pages and "
            f"{fields} fields"
        )
    click.echo(f"OK: {len(registry.current())} service(s), {len(registry.current_forms)} form(s).")


def _database_app() -> Flask:
    """Return a bare app holding only the database of the settings (no feature, no secret).

    Not `create_app`: the check runs before the app can start, and the app factory
    registers these commands (the command must not import it back).
    """
    from service import config as config_module
    from service import sqlite

    app = Flask(__name__)
    app.config.update(config_module.from_environment())
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS")
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = sqlite.engine_options(uri, options)
    db.init_app(app)
    with app.app_context():
        sqlite.init_engine(db.engine, app.config["SQLITE_SYNCHRONOUS"])
    return app


def _compare_stored(root: str, registry: Any) -> list[Any]:
    """Compare the files with the versions stored in the database, when there is one."""
    from service.definitions.services import sync_versions

    with _database_app().app_context():
        try:
            return sync_versions(registry)
        except Exception as exc:
            db.session.rollback()
            click.echo(
                f"note: stored versions not compared ({type(exc).__name__}); run 'flask db upgrade'"
            )
            return []
        finally:
            # Nothing is stored: the comparison's additions go with the session.
            db.session.remove()
            db.engine.dispose()


@definitions_cli.command("list")
def definitions_list() -> None:
    """List each workflow and form version with the open cases on each."""
    from service.cases.services import open_case_counts
    from service.transactions import ensure_definitions_synced

    ensure_definitions_synced()
    from service.definitions.services import current_registry

    registry = current_registry()
    workflows: Counter[tuple[str, int]] = Counter()
    forms: Counter[tuple[str, int]] = Counter()
    for key, wf_version, form_version, count in open_case_counts():
        workflows[(key, wf_version)] += count
        forms[(registry.service(key, wf_version).form_key, form_version)] += count
    for key in sorted(registry.services):
        current = registry.current_services.get(key)
        for version in sorted(registry.services[key]):
            notes = ["current"] if version == current else []
            notes += ["draft"] if registry.services[key][version].draft else []
            marker = f" ({', '.join(notes)})" if notes else ""
            open_ = workflows[(key, version)]
            click.echo(f"workflow {key}\tv{version}{marker}\t{open_} open case(s)")
    for key in sorted(registry.forms):
        for version in sorted(registry.forms[key]):
            marker = " (current)" if version == registry.current_forms.get(key) else ""
            click.echo(f"form     {key}\tv{version}{marker}\t{forms[(key, version)]} open case(s)")


@jobs_cli.command("drain")
def jobs_drain() -> None:
    """Run every due effect once, then stop."""
    from service.jobs.services import drain

    click.echo(f"ran {drain()} item(s)")


def init_app(app: Flask) -> None:
    """Register the command groups (`definitions` is also a Flask plugin command, see pyproject)."""
    app.cli.add_command(definitions_cli)
    app.cli.add_command(jobs_cli)
