"""The development identity provider: discovery, keys, refusal in production, demo data."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from auth_helpers import LiveApp
from flask import Flask

from service import create_app
from service.auth import devidp, devidp_views
from service.auth.models import OAuthClient, User
from service.config import ConfigError
from service.extensions import db
from tests.conftest import PRODUCTION_SECRET_KEY


def test_discovery_document_names_every_endpoint(live: LiveApp) -> None:
    meta = requests.get(live.url("/dev-idp/.well-known/openid-configuration"), timeout=10).json()
    issuer = live.base + "/dev-idp"
    assert meta["issuer"] == issuer
    for key, path in (
        ("authorization_endpoint", "/authorize"),
        ("token_endpoint", "/token"),
        ("userinfo_endpoint", "/userinfo"),
        ("jwks_uri", "/jwks.json"),
        ("end_session_endpoint", "/logout"),
    ):
        assert meta[key] == issuer + path
    assert meta["code_challenge_methods_supported"] == ["S256"]
    keys = requests.get(meta["jwks_uri"], timeout=10).json()["keys"]
    assert len(keys) == 1
    assert keys[0]["kty"] == "RSA" and keys[0]["kid"]
    assert "d" not in keys[0]  # never the private part


def test_signing_key_is_created_once_and_private(app: Flask) -> None:
    first = devidp.jwks()
    path = Path(app.config["INSTANCE_DIR"]) / "devidp" / "key.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    devidp._keys.clear()  # as after a restart
    assert devidp.jwks() == first


def test_sign_jwt_is_verifiable_with_the_public_keys(app: Flask) -> None:
    from joserfc import jwt
    from joserfc.jwk import KeySet

    token = devidp.sign_jwt({"iss": devidp.issuer(), "x": 1}, typ="at+jwt")
    decoded = jwt.decode(token, KeySet.import_key_set(devidp.jwks()))
    assert decoded.header["typ"] == "at+jwt"
    assert decoded.claims["x"] == 1


def test_userinfo_refuses_a_missing_or_foreign_token(live: LiveApp) -> None:
    assert requests.get(live.url("/dev-idp/userinfo"), timeout=10).status_code == 401
    forged = requests.get(
        live.url("/dev-idp/userinfo"),
        headers={"Authorization": "Bearer eyJhbGciOiJub25lIn0.e30."},
        timeout=10,
    )
    assert forged.status_code == 401


def test_app_refuses_to_start_with_the_provider_in_production(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="development identity provider"):
        create_app(
            {
                "AMTSWEG_ENV": "production",
                "SECRET_KEY": PRODUCTION_SECRET_KEY,
                "OIDC_CLIENT_SECRET": "issued-by-the-provider",
                "DEV_IDP": True,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
                "INSTANCE_DIR": str(tmp_path),
                "JOBS_MODE": "manual",
            }
        )


def test_provider_refuses_to_register_on_a_production_app() -> None:
    app = Flask("production")
    app.config.update(AMTSWEG_ENV="production", DEV_IDP=True)
    with pytest.raises(ConfigError):
        devidp_views.init_app(app)
    assert "devidp" not in app.blueprints


def test_provider_is_absent_when_switched_off(make_app: Callable[..., Flask]) -> None:
    app = make_app(DEV_IDP=False)
    assert "devidp" not in app.blueprints
    assert app.test_client().get("/dev-idp/jwks.json").status_code == 404


def test_demo_load_creates_the_demo_people_once(app: Flask) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "user erika: Erika Mustermann (resident) created" in first.output
    assert "residence_registration:registration_officer" in first.output
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0
    assert "user erika: Erika Mustermann (resident) exists" in again.output
    db.session.remove()
    users = db.session.scalars(db.select(User).order_by(User.subject)).all()
    assert [u.subject for u in users] == [
        "anna",
        "clara",
        "erika",
        "hanna",
        "max",
        "olaf",
        "petra",
        "tom",
        "ute",
        "vera",
    ]
    assert {u.issuer for u in users} == {devidp.issuer()}
    petra = next(u for u in users if u.subject == "petra")
    assert petra.name == "Petra Zweitprüferin"
    assert set(petra.roles) == {
        "residence_registration:registration_officer",
        "residence_registration:case_worker",
        "parking_permit:permit_officer",
        "parking_permit:case_worker",
        "deregistration:registration_officer",
        "deregistration:case_worker",
    }
    portal = db.session.scalar(db.select(OAuthClient).filter_by(client_id="amtsweg-portal"))
    assert portal is not None
    assert portal.check_client_secret(app.config["OIDC_CLIENT_SECRET"])
