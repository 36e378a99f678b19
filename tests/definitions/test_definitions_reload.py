"""`flask run` in development reloads the definitions when a file changes: no restart
needed to see an edited workflow, form or document template."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from service import config as config_module

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = "workflows/parking_permit.yaml"


def copy_definitions(root: Path) -> Path:
    for folder in ("forms", "workflows", "templates"):
        shutil.copytree(ROOT / folder, root / folder)
    shutil.copy(ROOT / "city.yaml", root / "city.yaml")
    edit(root, WORKFLOW, "form: parking_permit\n", "form: parking_permit\ndraft: true\n")
    return root


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    # Some file systems keep a coarse mtime: make the change visible whatever they keep.
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def start_page(app: Flask) -> str:
    return app.test_client().get("/services/residence_registration").get_data(as_text=True)


@pytest.fixture
def reloading(make_app: Callable[..., Flask], tmp_path: Path) -> Flask:
    return make_app(
        DEFINITIONS_ROOT=str(copy_definitions(tmp_path / "defs")), DEFINITIONS_RELOAD=True
    )


def test_an_edited_workflow_shows_at_the_next_request(reloading: Flask) -> None:
    root = Path(reloading.config["DEFINITIONS_ROOT"])
    assert "etwa 15 Minuten" in start_page(reloading)
    edit(root, "workflows/residence_registration.yaml", "etwa 15 Minuten", "etwa 20 Minuten")
    text = (root / "workflows/residence_registration.yaml").read_text()
    old = int(re.search(r"^version: (\d+)$", text, flags=re.M).group(1))  # type: ignore[union-attr]
    edit(root, "workflows/residence_registration.yaml", f"version: {old}", f"version: {old + 1}")
    page = start_page(reloading)
    assert "etwa 20 Minuten" in page and "etwa 15 Minuten" not in page


def test_an_edited_document_template_of_a_draft_is_rendered_at_once(reloading: Flask) -> None:
    root = Path(reloading.config["DEFINITIONS_ROOT"])
    start_page(reloading)
    edit(
        root,
        "templates/pdf/parking_permit/document.html",
        "Amtliches Kennzeichen",
        "Kennzeichen neu",
    )
    start_page(reloading)
    registry = reloading.extensions["amtsweg.definitions"]
    version = registry.current_services["parking_permit"]
    template = registry.document_template("parking_permit", version, "parking_permit")
    assert template is not None and "Kennzeichen neu" in template


def test_a_broken_edit_keeps_the_last_good_definitions(
    reloading: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    root = Path(reloading.config["DEFINITIONS_ROOT"])
    start_page(reloading)
    edit(root, "workflows/residence_registration.yaml", "states:\n", "states: [\n")
    assert "etwa 15 Minuten" in start_page(reloading)
    assert "workflows/residence_registration.yaml" in caplog.text
    assert "definitions not reloaded" in caplog.text


def test_an_edited_shared_file_is_seen_and_refused_for_services_in_use(
    reloading: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    """Every service that uses the shared file changed with it: each needs a new version."""
    root = Path(reloading.config["DEFINITIONS_ROOT"])
    start_page(reloading)
    edit(root, "workflows/_common/review.yaml", "de: Ablehnen,", "de: Zurückweisen,")
    start_page(reloading)
    registry = reloading.extensions["amtsweg.definitions"]
    reject = next(
        t
        for t in registry.service("residence_registration").workflow.transitions
        if t.name == "reject"
    )
    assert reject.title.de == "Ablehnen"
    assert "definitions not reloaded" in caplog.text
    assert "workflows/residence_registration.yaml changed but its version" in caplog.text
    assert "(a change in workflows/_common/, which it uses, counts too)" in caplog.text


def test_without_reloading_an_edit_waits_for_a_restart(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    root = copy_definitions(tmp_path / "defs")
    app = make_app(DEFINITIONS_ROOT=str(root), DEFINITIONS_RELOAD=False)
    start_page(app)
    edit(root, "workflows/residence_registration.yaml", "etwa 15 Minuten", "etwa 20 Minuten")
    assert "etwa 15 Minuten" in start_page(app)


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        (["flask", "--app", "service", "run"], "development", True),
        (["flask", "--app", "service", "run"], "production", False),
        (["gunicorn", "service:create_app()"], "development", False),
    ],
)
def test_reloading_is_on_for_flask_run_in_development_only(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], env: str, expected: bool
) -> None:
    monkeypatch.setattr("sys.argv", argv)
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true" if argv[0] == "flask" else "false")
    config = {"AMTSWEG_ENV": env, "DEFINITIONS_RELOAD": None}
    config_module.settle(config)
    assert config["DEFINITIONS_RELOAD"] is expected
