"""Only valid access tokens from the configured issuer, for our audience, get in."""

from __future__ import annotations

import time

from flask.testing import FlaskClient

from tests.api.api_support import auth, foreign_token, mint


def _unsigned(token: str) -> str:
    import base64
    import json

    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "at+jwt"}).encode())
    _, payload, _ = token.split(".")
    return f"{header.decode().rstrip('=')}.{payload}."


INVALID = {
    "expired": lambda: mint(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600),
    "other_issuer": lambda: mint(iss="https://evil.example/"),
    "other_audience": lambda: mint(aud="some-other-api"),
    "alg_none": lambda: _unsigned(mint()),
    "foreign_key": foreign_token,
    "typ_not_at_jwt": lambda: mint(header={"typ": "JWT"}),
    "no_typ": lambda: mint(header={"typ": None}),
    "garbage": lambda: "not-a-jwt",
}


def test_no_token_is_401_with_challenge(api: FlaskClient) -> None:
    response = api.get("/api/v1/services")

    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json["status"] == 401


def test_every_invalid_token_is_401(api: FlaskClient) -> None:
    """Expired, other issuer or audience, alg none, foreign key, wrong typ: all refused."""
    answers = {
        case: api.get("/api/v1/services", headers=auth(make())) for case, make in INVALID.items()
    }

    assert {case: r.status_code for case, r in answers.items()} == dict.fromkeys(INVALID, 401)
    for response in answers.values():
        assert response.mimetype == "application/problem+json"
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_valid_token_gets_in(api: FlaskClient) -> None:
    response = api.get("/api/v1/services", headers=auth(mint(["cases:read"])))

    assert response.status_code == 200
    assert {s["key"] for s in response.json["items"]} >= {
        "parking_permit",
        "residence_registration",
    }


def test_wrong_scope_is_403(api: FlaskClient) -> None:
    response = api.get("/api/v1/services", headers=auth(mint(["webhooks:manage"])))

    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


def test_session_cookie_alone_does_not_authenticate(api: FlaskClient, make_user, login) -> None:
    staff = make_user("Sachbearbeiterin", roles=["permit_officer"])
    login(staff, on=api)

    assert api.get("/api/v1/cases").status_code == 401


def test_keys_are_fetched_from_the_issuers_discovery_document(make_app, receiver) -> None:
    """A real issuer publishes its JWKS at the jwks_uri of its discovery document."""
    from service.api.auth import key_source
    from tests.api.api_support import ISSUER, public_jwks

    issuer = f"http://127.0.0.1:{receiver.port}"
    receiver.documents = {
        "/.well-known/openid-configuration": {"issuer": issuer, "jwks_uri": issuer + "/jwks"},
        "/jwks": public_jwks(),
    }
    key_source.clear()
    app = make_app(API_ISSUER=issuer, API_AUDIENCE="amtsweg-api")
    client = app.test_client()

    ok = client.get("/api/v1/services", headers=auth(mint(["cases:read"], iss=issuer)))
    wrong_issuer = client.get("/api/v1/services", headers=auth(mint(["cases:read"], iss=ISSUER)))
    key_source.clear()

    assert ok.status_code == 200
    assert wrong_issuer.status_code == 401


def test_role_mapping_turns_provider_roles_into_workflow_roles(make_app) -> None:
    from tests.api.api_support import api_config, submission

    app = make_app(**api_config(API_ROLE_MAPPING="parking-admins=permit_officer"))
    client = app.test_client()
    with app.app_context():
        body = submission()
    created = client.post(
        "/api/v1/cases", json=body, headers={**auth(mint()), "Idempotency-Key": "m"}
    ).json
    url = f"/api/v1/cases/{created['id']}/transitions"

    mapped = auth(mint(["cases:transition"], roles=["parking-admins"]))
    unmapped = auth(mint(["cases:transition"], roles=["permit_officer"]))

    assert (
        client.post(url, json={"transition": "start_review"}, headers=unmapped).status_code == 403
    )
    assert client.post(url, json={"transition": "start_review"}, headers=mapped).status_code == 200


def _client_of_an_issuer_serving_keys(make_app, receiver) -> tuple[FlaskClient, str]:
    """An app trusting an issuer (the receiver) that serves discovery and its key set."""
    from service.api import auth as api_auth
    from tests.api.api_support import public_jwks

    issuer = f"http://127.0.0.1:{receiver.port}"
    receiver.documents = {
        "/.well-known/openid-configuration": {"issuer": issuer, "jwks_uri": issuer + "/jwks"},
        "/jwks": public_jwks(),
    }
    api_auth.key_source.clear()
    app = make_app(API_ISSUER=issuer, API_AUDIENCE="amtsweg-api")
    return app.test_client(), issuer


def test_a_rotated_issuer_key_is_fetched_again(make_app, receiver) -> None:
    """Tokens signed with a key the cached JWKS does not name yet lead to one refetch."""
    from joserfc.jwk import RSAKey

    from service.api import auth as api_auth

    client, issuer = _client_of_an_issuer_serving_keys(make_app, receiver)
    assert client.get("/api/v1/services", headers=auth(mint(iss=issuer))).status_code == 200

    new_key = RSAKey.generate_key(2048, parameters={"kid": "test-key-2", "alg": "RS256"})
    receiver.documents["/jwks"] = {"keys": [new_key.as_dict(private=False)]}
    token = mint(iss=issuer, key=new_key, header={"kid": "test-key-2"})
    original = api_auth.REFETCH_SECONDS
    api_auth.REFETCH_SECONDS = 0
    try:
        response = client.get("/api/v1/services", headers=auth(token))
    finally:
        api_auth.REFETCH_SECONDS = original
        api_auth.key_source.clear()

    assert response.status_code == 200


def test_authentication_comes_before_reading_the_request(api: FlaskClient) -> None:
    """A caller without a token learns nothing about what a valid request looks like."""
    response = api.post("/api/v1/cases", json={"nonsense": True})
    listed = api.get("/api/v1/cases?limit=-5")

    assert (response.status_code, listed.status_code) == (401, 401)


def test_a_token_accepted_before_is_refused_once_it_expires(api: FlaskClient) -> None:
    """The signature check is remembered per token; expiry is checked on every call."""
    from datetime import UTC, datetime, timedelta

    from freezegun import freeze_time

    token = mint(["cases:read"], exp=int(time.time()) + 60)
    assert api.get("/api/v1/services", headers=auth(token)).status_code == 200
    assert api.get("/api/v1/services", headers=auth(token)).status_code == 200

    with freeze_time(datetime.now(UTC) + timedelta(minutes=5)):
        late = api.get("/api/v1/services", headers=auth(token))

    assert late.status_code == 401
    assert 'error="invalid_token"' in late.headers["WWW-Authenticate"]


def test_tokens_of_a_key_the_issuer_withdrew_are_refused(make_app, receiver) -> None:
    """A token checked before must not outlive its key: a new key set checks it afresh."""
    from joserfc.jwk import RSAKey

    from service.api import auth as api_auth

    client, issuer = _client_of_an_issuer_serving_keys(make_app, receiver)
    token = mint(iss=issuer)
    assert client.get("/api/v1/services", headers=auth(token)).status_code == 200

    new_key = RSAKey.generate_key(2048, parameters={"kid": "test-key-2", "alg": "RS256"})
    receiver.documents["/jwks"] = {"keys": [new_key.as_dict(private=False)]}
    api_auth.key_source.clear()  # the cached key set has expired
    try:
        withdrawn = client.get("/api/v1/services", headers=auth(token))
        fresh = client.get(
            "/api/v1/services",
            headers=auth(mint(iss=issuer, key=new_key, header={"kid": "test-key-2"})),
        )
    finally:
        api_auth.key_source.clear()

    assert (withdrawn.status_code, fresh.status_code) == (401, 200)


def test_a_replaced_key_set_setting_checks_tokens_afresh(api_app, api: FlaskClient) -> None:
    """The API_JWKS setting, as a set or as JSON text: a new one is not the old one."""
    import json

    from tests.api.api_support import foreign_jwks, public_jwks

    token = mint(["cases:read"])
    assert api.get("/api/v1/services", headers=auth(token)).status_code == 200
    assert api.get("/api/v1/services", headers=auth(token)).status_code == 200

    api_app.config["API_JWKS"] = json.dumps(foreign_jwks())
    assert api.get("/api/v1/services", headers=auth(token)).status_code == 401
    api_app.config["API_JWKS"] = json.dumps(public_jwks())
    assert api.get("/api/v1/services", headers=auth(token)).status_code == 200
    api_app.config["API_JWKS"] = foreign_jwks()
    assert api.get("/api/v1/services", headers=auth(token)).status_code == 401
    api_app.config["API_JWKS"] = public_jwks()
    assert api.get("/api/v1/services", headers=auth(token)).status_code == 200


def test_a_token_with_the_wrong_type_is_refused_every_time(api: FlaskClient) -> None:
    token = mint(["cases:read"], header={"typ": "JWT"})
    answers = [api.get("/api/v1/services", headers=auth(token)) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [401, 401, 401]


def test_a_token_checked_by_one_app_is_checked_against_another_apps_settings(make_app) -> None:
    """The remembered signature check never carries one app's audience or issuer to another.

    Two apps in one process trusting the same keys (tests, or a worker hosting two): a
    token one of them accepted must still name the other's audience and issuer.
    """
    from tests.api.api_support import api_config

    token = mint(["cases:read"])
    ours = make_app(**api_config()).test_client()
    other_audience = make_app(**api_config(API_AUDIENCE="another-api")).test_client()
    other_issuer = make_app(**api_config(API_ISSUER="https://id.example.test/realms/other"))

    assert ours.get("/api/v1/services", headers=auth(token)).status_code == 200
    assert other_audience.get("/api/v1/services", headers=auth(token)).status_code == 401
    other = other_issuer.test_client()
    assert other.get("/api/v1/services", headers=auth(token)).status_code == 401
