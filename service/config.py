"""Configuration from environment variables with the prefix `AMTSWEG_`.

Every setting has a development default so that `make run` works on a fresh clone;
`AMTSWEG_ENV=production` turns on the checks that keep those defaults out of production.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-secret-key-not-for-production"


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the app refuses to start."""


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"AMTSWEG_{name}", default)


def _bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = _env(name)
    return int(raw) if raw else default


def from_environment() -> dict[str, Any]:
    """Read every setting from the environment, with development defaults."""
    instance = Path(_env("INSTANCE_PATH", str(ROOT / "instance")) or "")
    env = _env("ENV", "development") or "development"
    return {
        "AMTSWEG_ENV": env,
        "SECRET_KEY": _env("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL", f"sqlite:///{instance / 'amtsweg.db'}"),
        "INSTANCE_DIR": str(instance),
        "DEFINITIONS_ROOT": _env("DEFINITIONS_ROOT", str(ROOT)),
        "STORAGE_URL": _env("STORAGE_URL", f"file://{instance / 'files'}"),
        # Endpoint of an S3-compatible store other than AWS (MinIO, Ceph) for s3:// URLs.
        "S3_ENDPOINT_URL": _env("S3_ENDPOINT_URL"),
        "BROKER_URL": _env("BROKER_URL"),
        "BASE_URL": _env("BASE_URL", "http://127.0.0.1:5000"),
        # Outbox: "thread" drains in a background thread after commit (embedded default),
        # "celery" hands work to Celery, "manual" leaves it to an explicit drain (tests).
        "JOBS_MODE": _env("JOBS_MODE", "celery" if _env("BROKER_URL") else "thread"),
        "JOBS_LEASE_SECONDS": _int("JOBS_LEASE_SECONDS", 300),
        "OIDC_ISSUER": _env("OIDC_ISSUER"),
        "OIDC_CLIENT_ID": _env("OIDC_CLIENT_ID", "amtsweg-portal"),
        "OIDC_CLIENT_SECRET": _env("OIDC_CLIENT_SECRET", "dev-portal-secret"),
        "OIDC_ROLES_CLAIM": _env("OIDC_ROLES_CLAIM", "roles"),
        # Provider group -> amtsweg role: JSON ({"grp": "role"}) or "grp=role,grp=role".
        "ROLE_MAPPING": _env("ROLE_MAPPING", ""),
        "DEV_IDP": _bool("DEV_IDP", env == "development"),
        "API_AUDIENCE": _env("API_AUDIENCE", "amtsweg-api"),
        # Integrator API: the token issuer (default: the dev IdP), its token URL for the
        # OpenAPI document, and "provider_role=workflow_role,..." for the clients' roles.
        "API_ISSUER": _env("API_ISSUER"),
        "API_TOKEN_URL": _env("API_TOKEN_URL"),
        "API_ROLE_MAPPING": _env("API_ROLE_MAPPING", ""),
        # How long an Idempotency-Key and the answer it replays are kept.
        "API_IDEMPOTENCY_HOURS": _int("API_IDEMPOTENCY_HOURS", 24),
        "SMTP_URL": _env("SMTP_URL"),
        "MAIL_FROM": _env("MAIL_FROM", "amtsweg <noreply@localhost>"),
        "SEAL_KEY_PATH": _env("SEAL_KEY_PATH", str(instance / "seal" / "key.pem")),
        "SEAL_CERT_PATH": _env("SEAL_CERT_PATH", str(instance / "seal" / "cert.pem")),
        "WEBHOOK_ALLOWED_HOSTS": _env("WEBHOOK_ALLOWED_HOSTS", ""),
        # PEM file of further CAs trusted for webhook receivers (besides the system's).
        "WEBHOOK_CA_BUNDLE": _env("WEBHOOK_CA_BUNDLE"),
        # Days a delivered or given-up webhook delivery stays in the log.
        "WEBHOOK_LOG_DAYS": _int("WEBHOOK_LOG_DAYS", 30),
        "METRICS_ALLOWED_NETWORKS": _env("METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128"),
        "SESSION_IDLE_MINUTES": _int("SESSION_IDLE_MINUTES", 30),
        "SESSION_ABSOLUTE_HOURS": _int("SESSION_ABSOLUTE_HOURS", 8),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env != "development",
        "MAX_CONTENT_LENGTH": _int("MAX_UPLOAD_BYTES", 25 * 1024 * 1024),
        # SQLite only: the journal is always WAL; NORMAL or FULL (see extensions.py).
        "SQLITE_SYNCHRONOUS": _env("SQLITE_SYNCHRONOUS", "NORMAL"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
    }


def check(config: Mapping[str, Any]) -> None:
    """Refuse unsafe settings in production."""
    if config.get("AMTSWEG_ENV") != "production":
        return
    if not config.get("SECRET_KEY") or config["SECRET_KEY"] == DEV_SECRET_KEY:
        raise ConfigError("AMTSWEG_SECRET_KEY must be set to a secret value in production.")
    if config.get("DEV_IDP"):
        raise ConfigError(
            "The development identity provider must not run in production "
            "(unset AMTSWEG_DEV_IDP and set AMTSWEG_OIDC_ISSUER)."
        )
    if not config.get("OIDC_ISSUER"):
        raise ConfigError("AMTSWEG_OIDC_ISSUER must name the city's OpenID Connect provider.")
