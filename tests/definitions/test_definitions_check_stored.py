"""`flask definitions check` compares the files with the versions stored in the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner
from test_definitions_check import FORM, write_set

from service.cli import definitions_check
from service.definitions.services import load_definitions, sync_versions
from service.extensions import db


def test_check_refuses_a_stored_version_changed_without_raising_it(
    make_app: Any, tmp_path: Path
) -> None:
    root = write_set(tmp_path / "defs")
    app = make_app(DEFINITIONS_ROOT=str(root))
    with app.app_context():
        assert sync_versions(load_definitions(root)[0]) == []
        db.session.commit()
    env = {"AMTSWEG_ENV": "test", "AMTSWEG_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}

    unchanged = CliRunner().invoke(definitions_check, ["--root", str(root)], env=env)
    (root / "forms" / "dog_tax.yaml").write_text(FORM.replace("Zu lang", "Viel zu lang"))
    changed = CliRunner().invoke(definitions_check, ["--root", str(root)], env=env)

    assert unchanged.exit_code == 0, unchanged.output
    assert "OK: 1 service(s)" in unchanged.output
    assert changed.exit_code == 1
    assert "forms/dog_tax.yaml:1: forms/dog_tax.yaml changed but its version 1 was not raised" in (
        changed.output
    )
