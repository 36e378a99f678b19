"""`flask definitions check` compares the files with the versions stored in the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from flask import Flask
from test_definitions_check import FORM, write_set

from service.cli import definitions_check
from service.definitions.services import load_definitions, sync_versions


def sync(root: Path) -> list[str]:
    """Load the definitions under `root`, store their versions; return the problems."""
    return [str(p) for p in sync_versions(load_definitions(root)[0])]


@contextmanager
def stored(make_app: Callable[..., Flask], root: Path) -> Iterator[Flask]:
    """Enter an app on the definitions under `root`, their versions stored in its database."""
    app = make_app(DEFINITIONS_ROOT=str(root))
    with app.app_context():
        assert sync(root) == []
        yield app


def test_check_refuses_a_stored_version_changed_without_raising_it(
    make_app: Any, tmp_path: Path
) -> None:
    root = write_set(tmp_path / "defs")
    with stored(make_app, root) as app:
        pass
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
