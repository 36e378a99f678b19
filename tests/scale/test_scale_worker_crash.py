"""A worker killed mid-task: after its lease runs out another worker completes the effect once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from flask import Flask

from service.extensions import db
from service.jobs import services as jobs
from service.jobs.constants import JobStatus
from service.jobs.models import OutboxItem

ROOT = Path(__file__).resolve().parents[2]
LEASE = 2


def test_killed_worker_claim_is_taken_over_after_its_lease(make_app: Any, tmp_path: Path) -> None:
    app: Flask = make_app(JOBS_LEASE_SECONDS=LEASE)
    ran = tmp_path / "ran.txt"

    @jobs.register("test.hang")
    def complete(payload: dict[str, Any]) -> None:
        with ran.open("a") as out:
            out.write(f"{payload['n']}\n")

    with app.app_context():
        jobs.enqueue("test.hang", {"n": 1}, key="test:hang:1")
        db.session.commit()

    marker = tmp_path / "started"
    config = {k: app.config[k] for k in (
        "SQLALCHEMY_DATABASE_URI", "INSTANCE_DIR", "STORAGE_URL", "DEFINITIONS_ROOT",
        "SECRET_KEY", "BASE_URL",
    )}  # fmt: skip
    config.update(JOBS_MODE="manual", JOBS_LEASE_SECONDS=LEASE, TESTING=True)
    worker = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("hang_worker.py")), json.dumps(config), str(marker)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert worker.poll() is None, "the hanging worker exited early"
            assert time.monotonic() < deadline, "the worker never started the task"
            time.sleep(0.05)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    with app.app_context():
        item = db.session.scalar(select_item())
        assert item.status == JobStatus.RUNNING and item.locked_by == marker.read_text()
        # While the dead worker's lease holds, nobody else runs the effect.
        assert jobs.drain(kinds=["test.hang"]) == 0
        assert not ran.exists()
        db.session.remove()
        time.sleep(LEASE + 0.2)
        assert jobs.drain(kinds=["test.hang"]) == 1
        assert jobs.drain(kinds=["test.hang"]) == 0
        db.session.remove()
        item = db.session.scalar(select_item())
        assert item.status == JobStatus.DONE
        assert item.attempts == 1
    assert ran.read_text() == "1\n"


def select_item() -> Any:
    from sqlalchemy import select

    return select(OutboxItem).where(OutboxItem.key == "test:hang:1")
