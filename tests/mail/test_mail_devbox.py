"""Without SMTP, mails are written under instance/mail/ and shown at /dev/mail."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from factories import residence_registration_data
from flask import Flask

from service.cases.services import submit_case
from service.extensions import db
from service.jobs.services import drain
from tests.conftest import actor_for, production_settings


def test_development_mails_are_written_and_listed_at_dev_mail(
    app: Flask, make_user: Callable[..., object]
) -> None:
    resident = make_user("Erika Mustermann")
    case = submit_case(
        "residence_registration",
        residence_registration_data(),
        resident.id,  # type: ignore[attr-defined]
        actor_for(resident),
    ).case
    db.session.commit()
    assert drain(kinds=["email.send"]) == 1

    files = list((Path(app.config["INSTANCE_DIR"]) / "mail").glob("*.eml"))
    assert len(files) == 1
    client = app.test_client()
    listing = client.get("/dev/mail/")
    assert listing.status_code == 200
    assert f"Eingegangen: Wohnsitzanmeldung ({case.reference})" in listing.text
    page = client.get(f"/dev/mail/{files[0].name}")
    assert page.status_code == 200
    assert "Guten Tag Erika Maria Mustermann" in page.text
    assert client.get("/dev/mail/..%2Fsecret.eml").status_code == 404


def test_dev_mail_is_not_there_in_production(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    app = make_app(**production_settings(tmp_path))
    assert app.test_client().get("/dev/mail/").status_code == 404
