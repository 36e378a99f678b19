"""`flask --app service audit ...`: verify the trail and the log, seal a checkpoint."""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup

from service.extensions import db

audit_cli = AppGroup("audit", help="Verify the audit trail and its public log.")


def _load_checkpoint(source: str) -> dict[str, Any]:
    """Read a witness's checkpoint from a file or an http(s) URL."""
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=10) as response:
            return dict(json.loads(response.read()))
    return dict(json.loads(Path(source).read_text(encoding="utf-8")))


@audit_cli.command("verify")
@click.option(
    "--checkpoint",
    "sources",
    multiple=True,
    metavar="FILE|URL",
    help="A checkpoint a witness kept; the log must still contain its tree. Repeatable.",
)
def audit_verify(sources: tuple[str, ...]) -> None:
    """Recompute the hash chains and the log; exit 1 naming every problem found."""
    from service.audit.verify import verify_all

    given = []
    for source in sources:
        try:
            given.append(_load_checkpoint(source))
        except (OSError, ValueError) as exc:
            raise click.ClickException(f"cannot read the checkpoint {source}: {exc}") from None
    problems = verify_all(given)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) found.", err=True)
        sys.exit(1)
    checked = f" and {len(given)} witness checkpoint(s)" if given else ""
    click.echo(f"OK: the audit trail and its log{checked} are intact.")


@audit_cli.command("checkpoint")
def audit_checkpoint() -> None:
    """Seal a checkpoint of the log now (if it grew since the last one)."""
    from service.audit.services import seal_checkpoint

    sealed = seal_checkpoint(force=True)
    db.session.commit()
    if sealed is None:
        click.echo("no new leaves since the last checkpoint")
    else:
        click.echo(f"sealed checkpoint of size {sealed.tree_size}, root {sealed.root_hash}")


@audit_cli.command("rechain")
def audit_rechain() -> None:
    """Give events written before the keyed chain keyed hashes under the current key."""
    from service.audit.services import rechain_unkeyed

    results = rechain_unkeyed()
    db.session.commit()
    if not results:
        click.echo("Nothing to re-chain: every audit event has a keyed hash.")
        return
    for result in results:
        if result.refused:
            click.echo(f"{result.reference}: not re-chained: {result.refused}", err=True)
        else:
            click.echo(f"{result.reference}: {result.events} event(s) re-chained")
    if any(result.refused for result in results):
        sys.exit(1)


def init_app(app: Flask) -> None:
    """Add the `audit` command group."""
    app.cli.add_command(audit_cli)
