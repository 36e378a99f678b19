"""The app factory, configuration and the health endpoints."""

from __future__ import annotations

from typing import Any

import pytest

from service import create_app
from service.config import ConfigError
from tests.conftest import PRODUCTION_SECRET_KEY


def test_healthz_says_the_process_is_up(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_reports_database_and_definitions(client: Any) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"] == {"database": "ok", "definitions": "ok"}
    # Every shipped service at the version its workflow file has now.
    from service.definitions.services import current_registry

    current = current_registry().current_services
    assert response.json["services"] == current
    assert {
        "parking_permit",
        "residence_registration",
        "deregistration",
        "dog_tax",
        "special_use_permit",
    } <= set(current)


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path: Any) -> None:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
            "INSTANCE_DIR": str(tmp_path),
            "JOBS_MODE": "manual",
            "TESTING": True,
        }
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "unreachable"


def test_production_refuses_the_development_secret_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("AMTSWEG_ENV", "production")
    monkeypatch.delenv("AMTSWEG_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="AMTSWEG_SECRET_KEY"):
        create_app({"INSTANCE_DIR": str(tmp_path)})


def test_production_refuses_the_development_identity_provider(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("AMTSWEG_ENV", "production")
    monkeypatch.setenv("AMTSWEG_SECRET_KEY", PRODUCTION_SECRET_KEY)
    monkeypatch.setenv("AMTSWEG_DEV_IDP", "1")
    with pytest.raises(ConfigError, match="development identity provider"):
        create_app({"INSTANCE_DIR": str(tmp_path)})


def test_settings_come_from_amtsweg_environment_variables(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    url = f"sqlite:///{tmp_path / 'other.db'}"
    monkeypatch.setenv("AMTSWEG_DATABASE_URL", url)
    monkeypatch.setenv("AMTSWEG_SECRET_KEY", "from-env")
    app = create_app({"INSTANCE_DIR": str(tmp_path), "JOBS_MODE": "manual", "TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == url
    assert app.config["SECRET_KEY"] == "from-env"


def test_production_needs_an_openid_provider(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("AMTSWEG_ENV", "production")
    monkeypatch.setenv("AMTSWEG_SECRET_KEY", PRODUCTION_SECRET_KEY)
    monkeypatch.delenv("AMTSWEG_OIDC_ISSUER", raising=False)
    with pytest.raises(ConfigError, match="AMTSWEG_OIDC_ISSUER"):
        create_app({"INSTANCE_DIR": str(tmp_path)})
