"""Configuration from environment variables with the prefix `AMTSWEG_`.

Every setting has a development default so that `make run` works on a fresh clone.
The checks fail closed: only `AMTSWEG_ENV=development` and `AMTSWEG_ENV=test` are not
production. Any other value (`prod`, `staging`, a typo), and no value at all outside
`flask run` and the test suite, is production, and production refuses to start with any
of the development defaults (see `check` and docs/security.md).
"""

from __future__ import annotations

import math
import os
import sys
from collections import Counter
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-secret-key-not-for-production"
DEV_PORTAL_CLIENT_SECRET = "dev-portal-secret"
#: Client secrets shipped in the source: known to everyone, so never valid in production.
DEFAULT_CLIENT_SECRETS = frozenset({DEV_PORTAL_CLIENT_SECRET})
#: The only values of AMTSWEG_ENV that are not production.
NON_PRODUCTION = frozenset({"development", "test"})
PRODUCTION = "production"
#: The session cookie's name in production: `__Host-` binds it to this host, path `/`, HTTPS.
PRODUCTION_SESSION_COOKIE = "__Host-amtsweg_session"
#: A secret key must have at least this many bytes ...
MIN_SECRET_BYTES = 32
#: ... and at least this many bits of (empirical, per character) Shannon entropy.
MIN_SECRET_BITS_PER_CHAR = 3.0


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
    return {
        # None: decided by `settle` (flask run and tests: development/test; else production).
        "AMTSWEG_ENV": _env("ENV"),
        "SECRET_KEY": _env("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL", f"sqlite:///{instance / 'amtsweg.db'}"),
        "INSTANCE_DIR": str(instance),
        "DEFINITIONS_ROOT": _env("DEFINITIONS_ROOT", str(ROOT)),
        "STORAGE_URL": _env("STORAGE_URL", f"file://{instance / 'files'}"),
        # Endpoint of an S3-compatible store other than AWS (MinIO, Ceph) for s3:// URLs.
        "S3_ENDPOINT_URL": _env("S3_ENDPOINT_URL"),
        "BROKER_URL": _env("BROKER_URL"),
        # Rate limits (service/ratelimit.py): Flask-Limiter rate strings, counted in Redis
        # when a storage URL (or AMTSWEG_REDIS_URL) is set, else in each process's memory.
        "RATELIMIT_ENABLED": _env("RATELIMIT_ENABLED", "true") != "false",
        "RATELIMIT_STORAGE_URL": _env("RATELIMIT_STORAGE_URL") or _env("REDIS_URL") or "memory://",
        "RATELIMIT_LOGIN": _env("RATELIMIT_LOGIN", "20/minute;200/hour"),
        "RATELIMIT_TOKEN": _env("RATELIMIT_TOKEN", "60/minute"),
        "RATELIMIT_VERIFY": _env("RATELIMIT_VERIFY", "30/minute;300/hour"),
        "RATELIMIT_SUBMIT": _env("RATELIMIT_SUBMIT", "10/minute;50/day"),
        "RATELIMIT_UPLOAD": _env("RATELIMIT_UPLOAD", "60/minute;500/day"),
        "RATELIMIT_API": _env("RATELIMIT_API", "600/minute"),
        "BASE_URL": _env("BASE_URL", "http://127.0.0.1:5000"),
        # Outbox: "thread" drains in a background thread after commit (embedded default),
        # "celery" hands work to Celery, "manual" leaves it to an explicit drain (tests).
        "JOBS_MODE": _env("JOBS_MODE", "celery" if _env("BROKER_URL") else "thread"),
        "JOBS_LEASE_SECONDS": _int("JOBS_LEASE_SECONDS", 300),
        "OIDC_ISSUER": _env("OIDC_ISSUER"),
        "OIDC_CLIENT_ID": _env("OIDC_CLIENT_ID", "amtsweg-portal"),
        "OIDC_CLIENT_SECRET": _env("OIDC_CLIENT_SECRET", DEV_PORTAL_CLIENT_SECRET),
        "OIDC_ROLES_CLAIM": _env("OIDC_ROLES_CLAIM", "roles"),
        # Provider group -> grants: JSON ({"grp": ["svc:role", "admin"]}) or "grp=grant,...".
        "ROLE_MAPPING": _env("ROLE_MAPPING", ""),
        # None: on for `flask run` in development (decided by `settle`).
        "DEFINITIONS_RELOAD": _bool("DEFINITIONS_RELOAD", False)
        if _env("DEFINITIONS_RELOAD") is not None
        else None,
        # None: on outside production (decided by `settle`).
        "DEV_IDP": _bool("DEV_IDP", False) if _env("DEV_IDP") is not None else None,
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
        # The wallet credentials' signing key (P-256 private key, PEM); generated in development.
        "CREDENTIAL_KEY_PATH": _env(
            "CREDENTIAL_KEY_PATH", str(instance / "credentials" / "issuer-key.pem")
        ),
        # Audit trail: the HMAC key of the hash chain ("<id>:<secret>"; generated under
        # instance/ outside production), retired keys still verified ("<id>:<secret>,..."),
        # minutes between sealed checkpoints of the Merkle log, and whether each
        # checkpoint is also copied to file storage (audit/checkpoints/<size>.json).
        "AUDIT_KEY": _env("AUDIT_KEY"),
        "AUDIT_OLD_KEYS": _env("AUDIT_OLD_KEYS", ""),
        "AUDIT_CHECKPOINT_MINUTES": _int("AUDIT_CHECKPOINT_MINUTES", 5),
        "AUDIT_CHECKPOINT_COPY": _bool("AUDIT_CHECKPOINT_COPY", False),
        "WEBHOOK_ALLOWED_HOSTS": _env("WEBHOOK_ALLOWED_HOSTS", ""),
        # PEM file of further CAs trusted for webhook receivers (besides the system's).
        "WEBHOOK_CA_BUNDLE": _env("WEBHOOK_CA_BUNDLE"),
        # Days a delivered or given-up webhook delivery stays in the log.
        "WEBHOOK_LOG_DAYS": _int("WEBHOOK_LOG_DAYS", 30),
        "METRICS_ALLOWED_NETWORKS": _env("METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128"),
        "SESSION_IDLE_MINUTES": _int("SESSION_IDLE_MINUTES", 30),
        "SESSION_ABSOLUTE_HOURS": _int("SESSION_ABSOLUTE_HOURS", 8),
        # Sessions in Redis (else the database; AMTSWEG_BROKER_URL's Redis when that is set).
        "SESSION_REDIS_URL": _env("SESSION_REDIS_URL"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Virus scanning of uploads: clamd's address (tcp://host:3310 or unix:///path);
        # production refuses to start without it unless AMTSWEG_UPLOAD_SCAN=off.
        "CLAMD_URL": _env("CLAMD_URL"),
        "UPLOAD_SCAN": (_env("UPLOAD_SCAN", "on") or "on").strip().lower(),
        "MAX_CONTENT_LENGTH": _int("MAX_UPLOAD_BYTES", 25 * 1024 * 1024),
        # Seconds to wait for clamd's verdict on one upload.
        "CLAMD_TIMEOUT": _int("CLAMD_TIMEOUT", 30),
        # SQLite only: the journal is always WAL; NORMAL or FULL (see extensions.py).
        "SQLITE_SYNCHRONOUS": _env("SQLITE_SYNCHRONOUS", "NORMAL"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
    }


#: `flask` commands that, with AMTSWEG_ENV unset, run on development settings: the
#: development server and tools that neither serve requests nor sign or send anything.
DEVELOPMENT_COMMANDS = frozenset({"run", "db", "definitions", "routes"})
#: Options of the `flask` command that take a value (skipped to find the command's name).
_FLASK_OPTIONS_WITH_VALUE = frozenset({"--app", "-A", "--env-file", "-e"})


def flask_command() -> str | None:
    """Return the name of the `flask` command loading the app (`run`, `db`, ...), or None."""
    if os.environ.get("FLASK_RUN_FROM_CLI") != "true":
        return None
    args = sys.argv[1:]
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in _FLASK_OPTIONS_WITH_VALUE:
            index += 2
        elif arg.startswith("-"):
            index += 1
        else:
            return arg
    return None


def environment_name(config: Mapping[str, Any]) -> str:
    """Return `development`, `test` or `production` for these settings (fail closed)."""
    raw = config.get("AMTSWEG_ENV")
    if raw is None or not str(raw).strip():
        if config.get("TESTING"):
            return "test"
        return "development" if flask_command() in DEVELOPMENT_COMMANDS else PRODUCTION
    name = str(raw).strip().lower()
    return name if name in NON_PRODUCTION else PRODUCTION


def is_production(config: Mapping[str, Any]) -> bool:
    """Say whether these settings are production's (anything not development or test)."""
    return environment_name(config) == PRODUCTION


def settle(config: MutableMapping[str, Any]) -> None:
    """Decide the environment and the settings that follow from it, once all are known.

    `AMTSWEG_ENV` becomes exactly `development`, `test` or `production`, so every
    `== "production"` check elsewhere sees `staging` as production too; the value as
    given stays in `AMTSWEG_ENV_GIVEN` for the error messages.
    """
    config["AMTSWEG_ENV_GIVEN"] = config.get("AMTSWEG_ENV")
    env = config["AMTSWEG_ENV"] = environment_name(config)
    production = env == PRODUCTION
    if config.get("DEV_IDP") is None:
        config["DEV_IDP"] = not production
    if config.get("DEFINITIONS_RELOAD") is None:
        # `flask run` on a development machine: an edited definition shows at once.
        config["DEFINITIONS_RELOAD"] = env == "development" and flask_command() == "run"
    if production:
        config["SESSION_COOKIE_NAME"] = PRODUCTION_SESSION_COOKIE
        config["SESSION_COOKIE_SECURE"] = True
        config["SESSION_COOKIE_HTTPONLY"] = True
        config["SESSION_COOKIE_SAMESITE"] = "Lax"
        # `__Host-` cookies must have path / and no domain, or browsers drop them.
        config["SESSION_COOKIE_PATH"] = "/"
        config["SESSION_COOKIE_DOMAIN"] = None


def secret_bits_per_char(secret: str | bytes) -> float:
    """Return the Shannon entropy per character of `secret` as written (0 for `aaaa`)."""
    data = secret.encode() if isinstance(secret, str) else bytes(secret)
    if not data:
        return 0.0
    counts = Counter(data)
    return -sum(n / len(data) * math.log2(n / len(data)) for n in counts.values())


def _refuse(message: str, config: Mapping[str, Any]) -> ConfigError:
    if config.get("AMTSWEG_ENV_GIVEN") in (None, ""):
        message += (
            " (AMTSWEG_ENV is not set, so this runs as production; for a development "
            "machine set AMTSWEG_ENV=development)"
        )
    return ConfigError(message)


#: An audit key must carry at least this many bytes of secret.
MIN_AUDIT_SECRET_BYTES = 32


class AuditKeyError(RuntimeError):
    """The audit key setting is missing or malformed."""


@dataclass(frozen=True)
class KeyRing:
    """The current key (used for new events) and the retired ones (still verified)."""

    current_id: str
    keys: dict[str, bytes]

    def key(self, key_id: str) -> bytes | None:
        """Return the secret of `key_id`, or None when the ring does not hold it."""
        return self.keys.get(key_id)


def parse_key(value: str) -> tuple[str, bytes]:
    """Parse "<id>:<secret>" (the secret as text of at least 32 characters)."""
    key_id, sep, secret = value.strip().partition(":")
    if not sep or not key_id or len(key_id) > 32 or not key_id.isascii():
        raise AuditKeyError('an audit key is written "<id>:<secret>" with an id of 1-32 letters')
    raw = secret.encode()
    if len(raw) < MIN_AUDIT_SECRET_BYTES:
        raise AuditKeyError(
            f"the audit key {key_id!r} needs at least {MIN_AUDIT_SECRET_BYTES} characters"
        )
    return key_id, raw


def build_ring(current: str, old: str = "") -> KeyRing:
    """Build the key ring from the settings' text (old keys separated by commas)."""
    current_id, secret = parse_key(current)
    keys = {current_id: secret}
    for item in (part for part in old.split(",") if part.strip()):
        key_id, old_secret = parse_key(item)
        keys.setdefault(key_id, old_secret)
    return KeyRing(current_id, keys)


def check(config: Mapping[str, Any]) -> None:
    """Refuse unsafe settings in production; each refusal names the setting to change."""
    if not is_production(config):
        return
    _check_secrets(config)
    if config.get("DEV_IDP"):
        raise _refuse(
            "The development identity provider must not run in production "
            "(unset AMTSWEG_DEV_IDP and set AMTSWEG_OIDC_ISSUER).",
            config,
        )
    if not config.get("OIDC_ISSUER"):
        raise _refuse("AMTSWEG_OIDC_ISSUER must name the city's OpenID Connect provider.", config)
    if config.get("OIDC_CLIENT_SECRET") in DEFAULT_CLIENT_SECRETS:
        raise _refuse(
            "AMTSWEG_OIDC_CLIENT_SECRET is the development default, which is public; "
            "set the secret the OpenID provider issued for amtsweg.",
            config,
        )
    if not config.get("CLAMD_URL") and config.get("UPLOAD_SCAN") != "off":
        raise _refuse(
            "AMTSWEG_CLAMD_URL must name the virus scanner (clamd) for uploads in production; "
            "to run without scanning, say so with AMTSWEG_UPLOAD_SCAN=off.",
            config,
        )
    _check_audit_key(config)
    _check_limiter_storage(config)


def limiter_storage(config: Mapping[str, Any]) -> str:
    """Return where the rate limits count (a `limits` storage URL; `memory://` by default)."""
    return str(
        config.get("RATELIMIT_STORAGE_URI") or config.get("RATELIMIT_STORAGE_URL") or "memory://"
    )


def _check_limiter_storage(config: Mapping[str, Any]) -> None:
    """Refuse rate limits counted in each process's memory (N workers: N times each limit)."""
    if limiter_storage(config).startswith("memory://"):
        raise _refuse(
            "AMTSWEG_RATELIMIT_STORAGE_URL (or AMTSWEG_REDIS_URL) must name a storage shared "
            "by every web process in production, e.g. redis://redis:6379/1: counted in each "
            "process's memory, N workers would allow N times each rate limit.",
            config,
        )


def _check_audit_key(config: Mapping[str, Any]) -> None:
    """Refuse production without an audit key held outside the database."""
    if not config.get("AUDIT_KEY"):
        raise _refuse(
            'AMTSWEG_AUDIT_KEY must be set in production ("<id>:<secret of 32+ characters>"): '
            "without it the audit trail's hashes could be recomputed by anyone with the database.",
            config,
        )
    try:
        build_ring(str(config["AUDIT_KEY"]), str(config.get("AUDIT_OLD_KEYS") or ""))
    except AuditKeyError as exc:
        raise _refuse(f"AMTSWEG_AUDIT_KEY / AMTSWEG_AUDIT_OLD_KEYS: {exc}", config) from None


def _check_secrets(config: Mapping[str, Any]) -> None:
    secret = config.get("SECRET_KEY") or ""
    if not secret or secret == DEV_SECRET_KEY:
        raise _refuse("AMTSWEG_SECRET_KEY must be set to a secret value in production.", config)
    size = len(secret.encode() if isinstance(secret, str) else secret)
    if size < MIN_SECRET_BYTES or secret_bits_per_char(secret) < MIN_SECRET_BITS_PER_CHAR:
        raise _refuse(
            f"AMTSWEG_SECRET_KEY is too short or too regular: use at least {MIN_SECRET_BYTES} "
            "random bytes, e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'.",
            config,
        )


def check_routes(app: Any) -> None:
    """Refuse a production app that serves development pages under /dev (and /dev-idp)."""
    if not is_production(app.config):
        return
    dev_rules = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule == "/dev" or rule.rule.startswith(("/dev/", "/dev-"))
    )
    if dev_rules:
        raise ConfigError(
            "Development pages must not be served in production: " + ", ".join(dev_rules)
        )
