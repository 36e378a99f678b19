"""The development people come from instance/people.yaml, seeded from the shipped example."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from service.auth import people
from service.auth.models import User
from service.engine.roles import holds
from service.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def _write(app: Flask, text: str) -> Path:
    path = Path(app.config["INSTANCE_DIR"]) / "people.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_first_use_copies_the_shipped_example_into_the_instance(app: Flask) -> None:
    path = Path(app.config["INSTANCE_DIR"]) / "people.yaml"
    assert not path.exists()
    found = people.people()
    assert path.read_text() == (ROOT / "people.example.yaml").read_text()
    assert [p.slug for p in found] == [
        "erika",
        "max",
        "clara",
        "olaf",
        "petra",
        "hanna",
        "tom",
        "ute",
        "anna",
        "vera",
    ]
    olaf = people.person("olaf")
    assert olaf is not None
    assert holds(olaf.roles, "residence_registration", "registration_officer")
    assert holds(olaf.roles, "parking_permit", "permit_officer")
    assert people.person("anna").roles == ("admin",)  # type: ignore[union-attr]
    assert people.person("erika").roles == ()  # type: ignore[union-attr]


def test_an_edited_file_is_what_demo_load_creates(app: Flask) -> None:
    _write(
        app,
        "people:\n"
        "  - slug: hanna\n"
        "    name: Hanna Hundesteuer\n"
        "    email: hanna@example.org\n"
        "    services:\n"
        "      dog_tax: [tax_officer]\n",
    )
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "user hanna: Hanna Hundesteuer (dog_tax:tax_officer) created" in result.output
    db.session.remove()
    users = db.session.scalars(db.select(User)).all()
    assert [(u.subject, u.roles) for u in users] == [("hanna", ["dog_tax:tax_officer"])]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("people:\n  - slug: a\n    name: A\n", 2, "'email' is missing"),
        (
            "people:\n  - slug: a\n    name: A\n    email: a@x\n    role: [admin]\n",
            5,
            "unknown key 'role'",
        ),
        (
            "people:\n  - slug: a\n    name: A\n    email: a@x\n    roles: admin\n",
            5,
            "'roles' must be a list",
        ),
        (
            "people:\n  - {slug: a, name: A, email: a@x}\n  - slug: a\n    name: B\n"
            "    email: b@x\n",
            3,
            "slug 'a' is used twice",
        ),
        (
            "people:\n  - slug: a\n    name: A\n    email: a@x\n    services:\n"
            "      parking_permit: [Permit Officer]\n",
            6,
            "'Permit Officer' is not a role name",
        ),
        (
            "people:\n  - slug: a\n    name: A\n    email: a@x\n    services: [case_worker]\n",
            5,
            "'services' must map service keys to lists of roles",
        ),
        (
            "people:\n  - slug: a\n    name: A\n    email: a@x\n    services:\n"
            "      dog_taxx: [tax_officer]\n",
            6,
            "person 'a': there is no service 'dog_taxx' (services: deregistration, dog_tax,",
        ),
        (
            "people:\n  - slug: a\n    name: A\n    email: a@x\n    services:\n"
            "      dog_tax:\n        - case_worker\n        - permit_officer\n",
            8,
            "person 'a', service 'dog_tax': 'permit_officer' is not a role of dog_tax "
            "(roles: case_worker, tax_officer)",
        ),
        (
            "people:\n  - slug: a\n    name: A\n    email: a@x\n    roles: [admn]\n",
            5,
            "person 'a': 'admn' is neither a staff-wide role (admin, credential_verifier) "
            "nor a role of any service",
        ),
        ("people:\n  - slug: a\n   name: A\n", 3, "YAML syntax"),
        ("persons: []\n", 1, "one key, 'people:'"),
    ],
)
def test_a_mistake_names_the_file_and_line(app: Flask, text: str, line: int, message: str) -> None:
    path = _write(app, text)
    with pytest.raises(people.PeopleFileError) as caught:
        people.people()
    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert message in str(caught.value)


def test_demo_load_reports_a_broken_file_without_a_traceback(app: Flask) -> None:
    path = _write(app, "people:\n  - slug: a\n    name: A\n")
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 1
    assert f"{path}:2: 'email' is missing" in result.output
    assert "Traceback" not in result.output


def test_the_login_picker_names_a_mistake_in_the_people_file(live: Any) -> None:
    import hashlib
    from base64 import urlsafe_b64encode

    import requests

    path = Path(live.app.config["INSTANCE_DIR"]) / "people.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("people:\n  - slug: a\n    name: A\n    email: a@x\n    roles: admin\n")
    challenge = urlsafe_b64encode(hashlib.sha256(b"v" * 43).digest()).rstrip(b"=").decode()
    answer = requests.get(
        live.url(
            "/dev-idp/authorize?response_type=code&client_id=amtsweg-portal&scope=openid"
            f"&redirect_uri={live.base}/auth/callback&state=s&nonce=n"
            f"&code_challenge={challenge}&code_challenge_method=S256"
        ),
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 500
    assert f"{path}:5: person &#39;a&#39;: &#39;roles&#39; must be a list" in answer.text
