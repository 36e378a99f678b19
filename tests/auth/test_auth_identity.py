"""Who a login is: users keyed by issuer and subject, roles mapped from the provider."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from service.auth.models import User
from service.auth.services import login_from_claims
from service.extensions import db


def _login(app: Flask, issuer: str, **claims: object) -> User:
    with app.test_request_context("/auth/callback"):
        user = login_from_claims(issuer, claims)
        db.session.commit()
        return user


def test_same_email_at_two_providers_is_two_people(app: Flask) -> None:
    first = _login(app, "https://a.example", sub="1", email="erika@example.org", name="Erika")
    second = _login(app, "https://b.example", sub="1", email="erika@example.org", name="Erika")
    assert first.id != second.id
    assert db.session.scalar(db.select(db.func.count(User.id))) == 2


def test_changed_email_at_the_same_provider_is_the_same_person(app: Flask) -> None:
    first = _login(app, "https://a.example", sub="42", email="old@example.org", name="Max")
    again = _login(app, "https://a.example", sub="42", email="new@example.org", name="Max M.")
    assert again.id == first.id
    assert (again.email, again.name) == ("new@example.org", "Max M.")


def test_roles_are_refreshed_at_every_login(app: Flask) -> None:
    user = _login(app, "https://a.example", sub="7", roles=["case_worker", "admin"])
    assert user.roles == ["admin", "case_worker"]
    user = _login(app, "https://a.example", sub="7", roles=["case_worker"])
    assert user.roles == ["case_worker"]
    user = _login(app, "https://a.example", sub="7")
    assert user.roles == []
    assert not user.is_staff


def test_groups_claim_is_mapped_to_amtsweg_roles(make_app: Callable[..., Flask]) -> None:
    app = make_app(
        OIDC_ROLES_CLAIM="groups",
        ROLE_MAPPING={"/amt/meldewesen": "registration_officer", "/amt/sb": "case_worker"},
    )
    with app.app_context():
        user = _login(
            app,
            "https://keycloak.example/realms/city",
            sub="u1",
            groups=["/amt/meldewesen", "/amt/sb", "/staff/everyone"],
            roles=["admin"],  # not the configured claim: ignored
        )
        assert user.roles == ["case_worker", "registration_officer"]


def test_role_mapping_can_come_from_the_environment(
    make_app: Callable[..., Flask], monkeypatch: object
) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.setenv("AMTSWEG_ROLE_MAPPING", "city-admins=admin, meldeamt=registration_officer")
    app = make_app(OIDC_ROLES_CLAIM="groups")
    with app.app_context():
        user = _login(app, "https://idp.example", sub="u2", groups="meldeamt city-admins other")
        assert user.roles == ["admin", "registration_officer"]


def test_a_group_gives_any_number_of_service_roles(make_app: Callable[..., Flask]) -> None:
    app = make_app(
        OIDC_ROLES_CLAIM="groups",
        ROLE_MAPPING={
            "/amt/buergerbuero": [
                "residence_registration:registration_officer",
                "residence_registration:case_worker",
            ],
            "/amt/verkehr": ["parking_permit:permit_officer", "parking_permit:case_worker"],
            "/it": "admin",
        },
    )
    with app.app_context():
        user = _login(app, "https://idp.example", sub="u3", groups=["/amt/buergerbuero", "/it"])
        assert user.roles == [
            "admin",
            "residence_registration:case_worker",
            "residence_registration:registration_officer",
        ]


def test_a_group_named_twice_in_the_text_mapping_gives_both(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "AMTSWEG_ROLE_MAPPING",
        "verkehr=parking_permit:permit_officer,verkehr=parking_permit:case_worker",
    )
    app = make_app(OIDC_ROLES_CLAIM="groups")
    with app.app_context():
        user = _login(app, "https://idp.example", sub="u4", groups="verkehr")
        assert user.roles == ["parking_permit:case_worker", "parking_permit:permit_officer"]


def test_a_provider_cannot_grant_the_applicant_role(app: Flask) -> None:
    user = _login(app, "https://a.example", sub="9", roles=["applicant"])
    assert user.roles == []
