"""Public API of ops: set up logging with request ids, and the /metrics endpoint."""

from __future__ import annotations

import os

from flask import Flask

from service.ops.logs import configure_logging, init_request_logging, request_id
from service.ops.metrics import init_metrics

__all__ = ["configure_logging", "init_app", "request_id"]


def init_app(app: Flask) -> None:
    """Log JSON with request ids, and expose /metrics to the allowed networks."""
    level = app.config.get("LOG_LEVEL") or os.environ.get("AMTSWEG_LOG_LEVEL", "INFO")
    configure_logging(str(level).upper())
    init_request_logging(app)
    init_metrics(app)
