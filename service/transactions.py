"""One transaction per request: helpers flush, the request boundary commits or rolls back."""

from __future__ import annotations

from flask import Flask, Response, current_app, request

from service import errors
from service.contexts import unproxied
from service.definitions.services import EXTENSION_KEY, DefinitionError, sync_versions
from service.extensions import db


def ensure_definitions_synced() -> None:
    """Store the loaded definition versions once per process and load older ones."""
    app: Flask = unproxied(current_app)
    if app.extensions.get("amtsweg.definitions_synced"):
        return
    from service.cases.services import definition_in_use

    problems = sync_versions(app.extensions[EXTENSION_KEY], definition_in_use)
    if problems:
        raise DefinitionError(problems)
    app.extensions["amtsweg.definitions_synced"] = True


def init_app(app: Flask) -> None:
    """Sync the definitions before a request and roll back after any failure.

    The commit itself is `init_commit`'s, registered after every other feature.
    """

    from service import reloading

    reloading.init_app(app)

    @app.before_request
    def _sync() -> None:
        # Not through the proxy (see service.contexts): this runs on every request.
        endpoint = unproxied(request).endpoint
        if endpoint not in ("health.healthz", "health.readyz", "static"):
            reloading.reload_if_changed()
            ensure_definitions_synced()

    @app.teardown_request
    def _rollback(exc: BaseException | None) -> None:
        if exc is not None:
            db.session.rollback()


def init_commit(app: Flask) -> None:
    """Commit after a successful request (roll back after an error answer).

    Register it after every other after-request hook: Flask runs them in reverse order, so
    the commit comes first and the others (request id, log line, security headers) see
    the answer the client gets, a 409 or 503 of a failed commit too.
    """

    @app.after_request
    def _commit(response: Response) -> Response:
        if response.status_code >= 400:
            db.session.rollback()
            return response
        try:
            db.session.commit()
        except Exception as exc:
            # A race lost at commit (stale row) or a locked database is the client's 409
            # or 503, answered by the one error map like any error raised in a view.
            db.session.rollback()
            answer = errors.response_for(exc)
            if answer is None:
                raise
            return answer
        return response
