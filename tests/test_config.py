"""Fail closed: anything not explicitly development or test runs with production's checks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from service import create_app
from service.config import ConfigError, environment_name
from tests.conftest import production_settings


@pytest.fixture
def production(tmp_path: Path) -> dict[str, Any]:
    """Settings of a production app that starts."""
    return production_settings(tmp_path)


def test_a_production_app_starts_with_safe_settings(
    make_app: Callable[..., Flask], production: dict[str, Any]
) -> None:
    app = make_app(**production)
    assert app.config["AMTSWEG_ENV"] == "production"
    assert app.test_client().get("/healthz").status_code == 200


@pytest.mark.parametrize("name", ["prod", "staging", "Produktion", "live"])
def test_any_environment_but_development_or_test_is_production(
    make_app: Callable[..., Flask], name: str
) -> None:
    # The development secret key from the source would let anyone forge a staff session.
    with pytest.raises(ConfigError, match="AMTSWEG_SECRET_KEY"):
        make_app(AMTSWEG_ENV=name)


@pytest.mark.parametrize("name", ["prod", "staging"])
def test_dev_mail_is_not_served_when_the_environment_is_misspelt(
    make_app: Callable[..., Flask], production: dict[str, Any], name: str
) -> None:
    app = make_app(**{**production, "AMTSWEG_ENV": name})
    assert app.config["AMTSWEG_ENV"] == "production"
    assert app.test_client().get("/dev/mail/").status_code == 404


def test_no_environment_outside_flask_run_and_tests_is_production(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("AMTSWEG_ENV", raising=False)
    monkeypatch.delenv("AMTSWEG_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="AMTSWEG_ENV is not set, so this runs as production"):
        create_app({"INSTANCE_DIR": str(tmp_path)})


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["flask", "run", "--port", "5000"], "development"),
        (["flask", "--app", "service", "db", "upgrade"], "development"),
        (["flask", "-A", "service", "definitions", "check"], "development"),
        (["flask", "--app", "service", "worker"], "production"),
        (["flask", "--app", "service", "api-clients", "create"], "production"),
        (["gunicorn", "service:create_app()"], "production"),
    ],
)
def test_only_flask_run_and_tools_without_an_environment_are_development(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], expected: str
) -> None:
    if argv[0] == "flask":
        monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    else:
        monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)
    monkeypatch.setattr("sys.argv", argv)
    assert environment_name({}) == expected
    assert environment_name({"TESTING": True}) == "test"


@pytest.mark.parametrize("secret", ["a", "a" * 40, "ab" * 20, "a-real-secret-but-short"])
def test_production_refuses_a_short_or_regular_secret_key(
    make_app: Callable[..., Flask], production: dict[str, Any], secret: str
) -> None:
    with pytest.raises(ConfigError, match="AMTSWEG_SECRET_KEY is too short or too regular"):
        make_app(**{**production, "SECRET_KEY": secret})


def test_production_refuses_the_development_secret_key(
    make_app: Callable[..., Flask], production: dict[str, Any]
) -> None:
    from service.config import DEV_SECRET_KEY

    with pytest.raises(ConfigError, match="AMTSWEG_SECRET_KEY must be set"):
        make_app(**{**production, "SECRET_KEY": DEV_SECRET_KEY})


def test_production_refuses_the_default_portal_client_secret(
    make_app: Callable[..., Flask], production: dict[str, Any]
) -> None:
    with pytest.raises(ConfigError, match="AMTSWEG_OIDC_CLIENT_SECRET"):
        make_app(**{**production, "OIDC_CLIENT_SECRET": "dev-portal-secret"})


def test_production_refuses_the_development_identity_provider(
    make_app: Callable[..., Flask], production: dict[str, Any]
) -> None:
    with pytest.raises(ConfigError, match="AMTSWEG_DEV_IDP"):
        make_app(**{**production, "DEV_IDP": True})


def test_production_refuses_to_run_without_a_virus_scanner(
    make_app: Callable[..., Flask], production: dict[str, Any]
) -> None:
    with pytest.raises(ConfigError, match="AMTSWEG_CLAMD_URL"):
        make_app(**{**production, "UPLOAD_SCAN": "on"})
    # Switching scanning off is a decision someone has to write down.
    assert make_app(**{**production, "UPLOAD_SCAN": "off"})
    assert make_app(**{**production, "UPLOAD_SCAN": "on", "CLAMD_URL": "tcp://127.0.0.1:3310"})


def test_production_refuses_development_pages(
    make_app: Callable[..., Flask], production: dict[str, Any]
) -> None:
    from service.config import check_routes

    app = make_app(**production)
    assert not [r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/dev")]
    app.add_url_rule("/dev/debug", "debug", lambda: "secrets")
    with pytest.raises(ConfigError, match="/dev/debug"):
        check_routes(app)


def test_production_session_cookie_is_host_bound_secure_and_http_only(
    make_app: Callable[..., Flask], production: dict[str, Any]
) -> None:
    app = make_app(**production)
    # A page with a form puts its CSRF token into the session, which sets the cookie.
    answer = app.test_client().get("/", base_url="https://localhost")
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("__Host-amtsweg_session=")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "path"} <= attributes
    assert "domain" not in attributes
    assert "SameSite=Lax" in cookie
    assert "Path=/;" in cookie + ";"


def test_development_cookie_works_over_plain_http(make_app: Callable[..., Flask]) -> None:
    answer = make_app().test_client().get("/")
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("session=") and "Secure" not in cookie


@pytest.mark.parametrize("storage", ["memory://", "", None])
def test_production_refuses_rate_limits_counted_in_each_process_s_memory(
    make_app: Callable[..., Flask], production: dict[str, Any], storage: str | None
) -> None:
    # Each worker process would count alone: N workers allow N times every limit.
    settings = {**production, "RATELIMIT_STORAGE_URL": storage}
    with pytest.raises(ConfigError, match="AMTSWEG_RATELIMIT_STORAGE_URL"):
        make_app(**settings)
    with pytest.raises(ConfigError, match="AMTSWEG_RATELIMIT_STORAGE_URL"):
        make_app(**{**settings, "RATELIMIT_STORAGE_URI": storage})


def test_development_counts_rate_limits_in_memory(make_app: Callable[..., Flask]) -> None:
    app = make_app(RATELIMIT_STORAGE_URL="memory://")
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
