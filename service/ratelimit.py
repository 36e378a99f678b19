"""Rate limits (Flask-Limiter): who may try how often, with 429 and Retry-After when over.

Each limit is a setting (`AMTSWEG_RATELIMIT_<NAME>`, a Flask-Limiter rate string such as
`10/minute;100/hour`) and applies to the endpoints named in `LIMITS`, counted per client
address, per logged-in person or per API client. Counters live in memory by default and in
Redis (or any `limits` storage URL) when `AMTSWEG_RATELIMIT_STORAGE_URL` or
`AMTSWEG_REDIS_URL` is set. Production must use a shared storage (`service.config.check`
refuses `memory://` there): with memory storage each worker process counts on its own, so N
workers allow N times each limit. While that storage is unreachable, each process counts in
its own memory (Flask-Limiter's fallback) and pages are still served. Over the limit:
`RateLimited` (429, Retry-After), answered by the error map.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, request, session
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address

from service import config
from service.errors import AppError, Text, adapt


class RateLimited(AppError):
    """Too many requests from this address, person or client: wait and try again."""

    status = 429
    kind = "rate-limited"
    message = Text(
        de="Zu viele Anfragen in kurzer Zeit. Bitte warten Sie einen Moment und versuchen Sie "
        "es dann noch einmal.",
        en="Too many requests in a short time. Please wait a moment and try again.",
    )
    page_back = False


def by_address() -> str:
    """Count per client address (behind a proxy: configure ProxyFix so this is the client)."""
    return f"ip:{get_remote_address()}"


def by_person() -> str:
    """Count per logged-in person, else per address."""
    user_id = session.get("user_id")
    return f"user:{user_id}" if user_id is not None else by_address()


def by_api_client() -> str:
    """Count per API client: a hash of the bearer token (one per client), else per address.

    The token's signature is checked later by the view; a forged token therefore only
    spends its own (new) counter, never a real client's.
    """
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer ") and len(header) > 7:
        return "token:" + hashlib.sha256(header[7:].strip().encode()).hexdigest()[:32]
    return by_address()


@dataclass(frozen=True)
class LimitRule:
    """One limit: its setting name, the endpoints it covers, how callers are told apart."""

    setting: str
    endpoints: tuple[str, ...]
    key: Callable[[], str]
    methods: tuple[str, ...] | None = None


#: Every limit of the app. Defaults are in `service.config` (AMTSWEG_RATELIMIT_*).
LIMITS = (
    LimitRule("RATELIMIT_LOGIN", ("auth.login", "auth.callback"), by_address),
    LimitRule("RATELIMIT_TOKEN", ("devidp.token",), by_address),
    LimitRule("RATELIMIT_VERIFY", ("documents.verify", "documents.verify_upload"), by_address),
    LimitRule("RATELIMIT_SUBMIT", ("portal.submit",), by_person),
    LimitRule("RATELIMIT_UPLOAD", ("portal.page", "portal.case_action"), by_person, ("POST",)),
)
#: The limit of every API endpoint, per client.
API_LIMIT = LimitRule("RATELIMIT_API", (), by_api_client)

EXTENSION_KEY = "amtsweg.limiter"


def _value(setting: str) -> Callable[[], str]:
    return lambda: str(current_app.config[setting])


@adapt(RateLimitExceeded)
def _too_many(exc: RateLimitExceeded) -> AppError:
    current = current_app.extensions[EXTENSION_KEY].current_limit
    wait = math.ceil(current.reset_at - time.time()) if current is not None else 60
    return RateLimited(str(exc.description), headers={"Retry-After": str(max(wait, 1))})


def init_app(app: Flask) -> None:
    """Apply the limits to the endpoints registered so far (call after every feature)."""
    from service import errors

    app.config["RATELIMIT_STORAGE_URI"] = config.limiter_storage(app.config)
    # One limiter per app: its counters and limits must not leak into another app.
    # Redis unreachable: count in this process until it is back, rather than answer 500.
    limiter = Limiter(by_address, app=app, headers_enabled=True, in_memory_fallback_enabled=True)
    app.extensions[EXTENSION_KEY] = limiter
    for rule in LIMITS:
        for endpoint in rule.endpoints:
            view = app.view_functions.get(endpoint)
            if view is not None:
                methods = list(rule.methods) if rule.methods else None
                limit = limiter.limit(_value(rule.setting), key_func=rule.key, methods=methods)
                app.view_functions[endpoint] = limit(view)  # type: ignore[assignment]
    api_prefix = errors.API_PREFIX + "/"
    for blueprint in app.blueprints.values():
        if (blueprint.url_prefix or "").startswith(api_prefix):
            limit = limiter.limit(_value(API_LIMIT.setting), key_func=API_LIMIT.key)
            limit(blueprint)  # type: ignore[call-overload]
    # A limit is an HTTPException: Flask looks for a handler of its class, not Exception.
    app.register_error_handler(RateLimitExceeded, errors.handle)
