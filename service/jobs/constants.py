"""Statuses of outbox items."""

from __future__ import annotations

from enum import StrEnum


class JobStatus(StrEnum):
    """Life of an outbox item: pending → running → done, or dead after the last attempt."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    DEAD = "dead"
