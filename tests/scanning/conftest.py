"""A real clamd for the scanning tests, started once per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clamd_process import Clamd, start_clamd


@pytest.fixture(scope="session")
def clamd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clamd]:
    """A clamd with the test signatures, shared by the session's tests."""
    running = start_clamd(tmp_path_factory.mktemp("clamd"))
    print(f"clamd answered PING {running.started_in:.2f} s after start")
    yield running
    running.stop()


@pytest.fixture
def clamd_of_its_own(tmp_path: Path) -> Iterator[Clamd]:
    """A clamd only this test uses (it may stop it)."""
    running = start_clamd(tmp_path / "clamd")
    yield running
    running.stop()
