"""Fixed moments of the privacy tests."""

from __future__ import annotations

from datetime import UTC, datetime

#: When the test cases were closed.
CLOSED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
