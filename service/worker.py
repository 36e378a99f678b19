"""The Celery app for the command line: `celery -A service.worker:app worker`.

Builds the Flask app from the environment only when Celery asks for `app`, so importing
this module stays cheap. It lives beside the app factory, not in `service.jobs`: the
outbox package never imports the features it runs.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from service import create_app
from service.jobs.celery import create_celery

_cli_celery: Celery | None = None


def celery_app() -> Celery:
    """Create the Flask app from the environment and return its Celery app (once)."""
    global _cli_celery
    if _cli_celery is None:
        app = create_app()
        _cli_celery = app.extensions.get("celery") or create_celery(app)
    return _cli_celery


def __getattr__(name: str) -> Any:
    if name == "app":
        return celery_app()
    raise AttributeError(name)
