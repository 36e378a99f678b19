"""A worker process whose handler hangs: the test kills it mid-task (SIGKILL)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from service import create_app
from service.jobs import services as jobs

config: dict[str, Any] = json.loads(sys.argv[1])
marker = Path(sys.argv[2])


@jobs.register("test.hang")
def hang(payload: dict[str, Any]) -> None:
    marker.write_text(jobs.worker_id())
    time.sleep(3600)


app = create_app(config)
with app.app_context():
    jobs.drain(kinds=["test.hang"])
