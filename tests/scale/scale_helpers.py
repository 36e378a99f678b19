"""Helpers for tests that run real worker and web processes."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from processes import ROOT, process_env

__all__ = ["ROOT", "flask_command", "process_env", "redis_db15", "wait_until"]


def redis_db15(url: str) -> str:
    """Return the Redis URL with database 15 (kept for these tests)."""
    base = url.split("?")[0].rstrip("/")
    head, _, tail = base.rpartition("/")
    if tail.isdigit() and head.count("/") >= 2:
        base = head
    return f"{base}/15"


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
