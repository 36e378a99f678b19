"""Liveness (`/healthz`) and readiness (`/readyz`) for load balancers and orchestrators."""

from __future__ import annotations

import sqlite3

from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from service.errors import RETRY_AFTER_SECONDS
from service.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Say that the process is up."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """Say whether the database answers and the definitions are loaded."""
    from service.definitions.services import current_registry

    checks = {"database": database_state()}
    services = current_registry().current()
    checks["definitions"] = "ok" if services else "none loaded"
    ready = all(v == "ok" for v in checks.values())
    body = {
        "status": "ready" if ready else "not ready",
        "checks": checks,
        "services": {s.key: s.version for s in services},
    }
    headers = {} if ready else {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return jsonify(body), 200 if ready else 503, headers


#: Seconds readiness waits for SQLite's write lock before it calls the database locked.
SQLITE_WRITE_PROBE_SECONDS = 1.0


def database_state() -> str:
    """Return "ok", "unreachable" or "locked" (SQLite: no write possible right now).

    Reading works on a locked SQLite database (write-ahead log), so a `SELECT 1` said
    "ok" while every write waited and failed; the probe takes and drops the write lock.
    """
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:
        db.session.rollback()
        current_app.logger.warning("readiness: database unreachable: %s", exc)
        return "unreachable"
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return "ok"
    probe = sqlite3.connect(url.database, timeout=SQLITE_WRITE_PROBE_SECONDS, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        current_app.logger.warning("readiness: database locked: %s", exc)
        return "locked"
    finally:
        probe.close()
    return "ok"


def init_app(app: Flask) -> None:
    """Register the health endpoints."""
    app.register_blueprint(bp)
