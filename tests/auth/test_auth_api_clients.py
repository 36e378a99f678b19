"""API clients: `flask api-clients create` and their RFC 9068 access tokens."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from auth_helpers import LiveApp
from authlib.oauth2.rfc9068 import JWTBearerTokenValidator
from joserfc import jws
from joserfc.jwk import KeySet

from service.auth import devidp
from tests.conftest import running


def _create(live: LiveApp, *args: str) -> dict[str, str]:
    result = live.app.test_cli_runner().invoke(args=["api-clients", "create", *args])
    assert result.exit_code == 0, result.output
    data: dict[str, str] = json.loads(result.output)
    return data


def _token(live: LiveApp, client_id: str, secret: str, scope: str | None = None) -> Any:
    """Ask the provider for a client-credentials token."""
    data = {"grant_type": "client_credentials"} | ({"scope": scope} if scope else {})
    return requests.post(
        live.url("/dev-idp/token"), data=data, auth=(client_id, secret), timeout=10
    )


def test_created_client_gets_an_rfc9068_access_token(live: LiveApp) -> None:
    created = _create(
        live,
        "--name",
        "Melderegister",
        "--scopes",
        "cases:read,cases:transition",
        "--roles",
        "registration_officer",
        "--json",
    )
    assert set(created) == {"client_id", "client_secret"}

    answer = _token(
        live, created["client_id"], created["client_secret"], "cases:read cases:transition"
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"].lower() == "bearer"
    assert body["expires_in"] == 3600
    token = body["access_token"]
    assert jws.extract_compact(token.encode()).protected["typ"] == "at+jwt"

    with live.app.test_request_context():

        class Validator(JWTBearerTokenValidator):
            def get_jwks(self) -> KeySet:
                return KeySet.import_key_set(devidp.jwks())

        claims = Validator(devidp.issuer(), "amtsweg-api").authenticate_token(token)
        claims.validate()
    assert claims["iss"] == live.base + "/dev-idp"
    assert claims["sub"] == claims["client_id"] == created["client_id"]
    assert claims["aud"] == "amtsweg-api"
    assert claims["scope"] == "cases:read cases:transition"
    assert claims["roles"] == ["registration_officer"]
    assert claims["client_name"] == "Melderegister"
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["jti"]


def test_client_gets_only_the_scopes_it_was_granted(live: LiveApp) -> None:
    created = _create(live, "--name", "Archiv", "--scopes", "cases:read", "--json")
    answer = _token(live, created["client_id"], created["client_secret"], "cases:read cases:write")
    assert answer.status_code == 200, answer.text
    with live.app.app_context():
        claims = devidp.decode_jwt(answer.json()["access_token"])
    assert claims["scope"] == "cases:read"


def test_wrong_secret_gets_no_token(live: LiveApp) -> None:
    created = _create(live, "--name", "Archiv", "--scopes", "cases:read", "--json")
    answer = _token(live, created["client_id"], "not-the-secret")
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"


def test_create_prints_id_and_secret_once_without_json(live: LiveApp) -> None:
    result = live.app.test_cli_runner().invoke(
        args=["api-clients", "create", "--name", "Kasse", "--scopes", "cases:read"]
    )
    assert result.exit_code == 0
    assert "client_id:" in result.output and "client_secret:" in result.output


def test_unknown_scope_is_refused(live: LiveApp) -> None:
    result = live.app.test_cli_runner().invoke(
        args=["api-clients", "create", "--name", "X", "--scopes", "cases:read,admin:all"]
    )
    assert result.exit_code == 2
    assert "admin:all" in result.output


@pytest.mark.parametrize(
    ("roles", "message"),
    [
        ("dog_tax:permit_officer", "--roles: 'permit_officer' is not a role of dog_tax"),
        ("dogtax:tax_officer", "--roles: there is no service 'dogtax'"),
        ("case_wrker", "--roles: 'case_wrker' is neither a staff-wide role"),
    ],
)
def test_an_unknown_service_or_role_is_refused_and_no_client_created(
    make_app: Any, roles: str, message: str
) -> None:
    from service.auth.models import OAuthClient
    from service.extensions import db

    with running(make_app(DEV_IDP=True)) as app:
        result = app.test_cli_runner().invoke(
            args=[
                "api-clients",
                "create",
                "--name",
                "X",
                "--scopes",
                "cases:read",
                "--roles",
                roles,
            ]
        )
        assert result.exit_code == 2
        assert message in result.output
        assert db.session.scalars(db.select(OAuthClient).where(OAuthClient.name == "X")).all() == []


def test_known_service_roles_are_accepted(make_app: Any) -> None:
    with running(make_app(DEV_IDP=True)) as app:
        result = app.test_cli_runner().invoke(
            args=[
                "api-clients",
                "create",
                "--name",
                "Y",
                "--scopes",
                "cases:read",
                "--roles",
                "dog_tax:tax_officer,case_worker",
            ]
        )
        assert result.exit_code == 0, result.output
