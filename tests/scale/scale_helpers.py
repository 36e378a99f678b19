"""Helpers for tests that run real worker and web processes."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parents[2]


def redis_db15(url: str) -> str:
    """Return the Redis URL with database 15 (kept for these tests)."""
    base = url.split("?")[0].rstrip("/")
    head, _, tail = base.rpartition("/")
    if tail.isdigit() and head.count("/") >= 2:
        base = head
    return f"{base}/15"


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
    })  # fmt: skip
    env.update(extra)
    return env


def flask_command(*args: str) -> list[str]:
    """Return the command line of `flask --app service ...` in this virtualenv."""
    return [str(Path(sys.executable).with_name("flask")), "--app", "service", *args]


def wait_until(check: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll `check` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
