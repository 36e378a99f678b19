"""One transaction per request: helpers flush, the request boundary commits or rolls back."""

from __future__ import annotations

from flask import Flask, Response, current_app, request

from service.definitions.services import EXTENSION_KEY, DefinitionError, sync_versions
from service.extensions import db


def ensure_definitions_synced() -> None:
    """Store the loaded definition versions once per process and load older ones."""
    app = current_app
    if app.extensions.get("amtsweg.definitions_synced"):
        return
    problems = sync_versions(app.extensions[EXTENSION_KEY])
    if problems:
        raise DefinitionError(problems)
    app.extensions["amtsweg.definitions_synced"] = True


def init_app(app: Flask) -> None:
    """Commit after a successful request and roll back after any failure."""

    @app.before_request
    def _sync() -> None:
        if request.endpoint not in ("health.healthz", "health.readyz", "static"):
            ensure_definitions_synced()

    @app.after_request
    def _commit(response: Response) -> Response:
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def _rollback(exc: BaseException | None) -> None:
        if exc is not None:
            db.session.rollback()
