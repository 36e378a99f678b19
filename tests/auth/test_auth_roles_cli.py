"""`flask roles list`: who may do what, per person and service, and what groups give."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

from service import create_app
from service.auth.services import register_api_client
from service.extensions import db
from tests.conftest import base_config


def test_roles_list_shows_people_clients_and_groups_per_service(
    make_app: Callable[..., Flask], make_user: Callable[..., Any]
) -> None:
    app = make_app(
        ROLE_MAPPING={
            "/amt/verkehr": ["parking_permit:permit_officer", "parking_permit:case_worker"],
            "/it": "admin",
        },
        DEV_IDP=False,
    )
    with app.app_context():
        make_user(
            "Olaf Meldebehörde",
            roles=["residence_registration:registration_officer", "parking_permit:permit_office"],
            email="olaf@example.org",
            subject="olaf",
        )
        make_user("Anna Admin", roles=["admin"], email="anna@example.org", subject="anna")
        make_user("Erika Mustermann")  # a resident: not listed
        register_api_client("Melderegister", ["cases:read"], ["residence_registration:case_worker"])
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["roles", "list"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "People (logged in at least once)\n"
        "  Anna Admin <anna@example.org> [anna]\n"
        "    (every service): admin\n"
        "  Olaf Meldebehörde <olaf@example.org> [olaf]\n"
        # A typo in a grant is shown, not silently ignored.
        "    parking_permit: permit_office (not a role of parking_permit)\n"
        "    residence_registration: registration_officer (Meldebehörde)\n"
        "API clients\n"
        "  Melderegister [api-"
    )
    out = result.output
    assert "Erika" not in out
    assert "]\n    residence_registration: case_worker (Sachbearbeitung)\n" in out
    assert out.endswith(
        "Provider groups (AMTSWEG_ROLE_MAPPING)\n"
        "  /amt/verkehr\n"
        "    parking_permit: case_worker (Sachbearbeitung), permit_officer (Bewohnerparken)\n"
        "  /it\n"
        "    (every service): admin\n"
    )
    assert "Development people" not in out


def test_roles_list_shows_the_development_people_from_their_file(app: Flask) -> None:
    path = Path(app.config["INSTANCE_DIR"]) / "people.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "people:\n"
        "  - slug: hanna\n"
        "    name: Hanna Hundesteuer\n"
        "    email: hanna@example.org\n"
        "    services:\n"
        "      dog_tax: [tax_officer]\n"
    )
    result = app.test_cli_runner().invoke(args=["roles", "list"])
    assert result.exit_code == 0, result.output
    assert f"Development people ({path})\n  Hanna Hundesteuer [hanna]\n" in result.output
    assert "    dog_tax: tax_officer (Steueramt \N{EN DASH} Hundesteuer)\n" in result.output


def test_roles_list_names_an_unknown_service_in_the_people_file_with_its_line(
    app: Flask,
) -> None:
    path = Path(app.config["INSTANCE_DIR"]) / "people.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "people:\n"
        "  - slug: hanna\n"
        "    name: Hanna Hundesteuer\n"
        "    email: hanna@example.org\n"
        "    services:\n"
        "      dog_taxes: [tax_officer]\n"
    )
    result = app.test_cli_runner().invoke(args=["roles", "list"])
    assert result.exit_code == 1
    assert f"error: {path}:6: person 'hanna': there is no service 'dog_taxes'" in result.output


def test_roles_list_on_a_database_without_tables_says_to_upgrade_it(tmp_path: Path) -> None:
    fresh = create_app(
        {**base_config(tmp_path), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'new.db'}"}
    )
    result = fresh.test_cli_runner().invoke(args=["roles", "list"])
    assert result.exit_code == 1
    assert "run `flask db upgrade` first" in result.output
    assert "Traceback" not in result.output
