"""The environment of app processes that tests start: gunicorn, workers, `flask` commands."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def process_env(app: Flask, **extra: str) -> dict[str, str]:
    """Return the environment of a subprocess that uses the same database and folders."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMTSWEG_")}
    env.update({
        "PYTHONPATH": str(ROOT),
        "AMTSWEG_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "AMTSWEG_INSTANCE_PATH": app.config["INSTANCE_DIR"],
        "AMTSWEG_STORAGE_URL": app.config["STORAGE_URL"],
        "AMTSWEG_DEFINITIONS_ROOT": app.config["DEFINITIONS_ROOT"],
        "AMTSWEG_SECRET_KEY": app.config["SECRET_KEY"],
        "AMTSWEG_BASE_URL": app.config["BASE_URL"],
        "AMTSWEG_LOG_LEVEL": "WARNING",
        # Not production: the processes share the test app's development settings.
        "AMTSWEG_ENV": "test",
        # Load and scale tests send far more than a person would (tests/test_ratelimit.py).
        "AMTSWEG_RATELIMIT_ENABLED": "false",
    })  # fmt: skip
    env.update(extra)
    return env
