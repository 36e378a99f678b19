"""`flask --app service retention run [--dry-run]`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from service.extensions import db, utcnow

retention_cli = AppGroup("retention", help="Anonymise closed cases past their retention period.")


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="List what would go; change nothing.")
def retention_run(dry_run: bool) -> None:
    """Anonymise every closed case past retention and expire old drafts."""
    from service.privacy.services import expire_drafts, held_cases, run_retention
    from service.transactions import ensure_definitions_synced

    ensure_definitions_synced()
    entries = run_retention(dry_run=dry_run)
    verb = "would anonymise" if dry_run else "anonymised"
    for e in entries:
        click.echo(
            f"{verb} {e.reference} ({e.service_key}, closed {e.closed_at:%Y-%m-%d}): "
            f"{len(e.fields)} answer(s), {e.files} file(s), {e.documents} document(s), "
            f"{e.notes} note(s)"
        )
    for case in held_cases(utcnow()):
        click.echo(f"kept {case.reference}: legal hold")
    if dry_run:
        db.session.rollback()
        click.echo(f"{len(entries)} case(s) would be anonymised (dry run, nothing changed).")
        return
    drafts = expire_drafts()
    db.session.commit()
    click.echo(f"{len(entries)} case(s) anonymised, {drafts} expired draft(s) deleted.")
