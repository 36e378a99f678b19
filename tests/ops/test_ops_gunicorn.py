"""Under gunicorn with several workers, /metrics adds up every worker's requests."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests
from flask import Flask
from processes import ROOT, process_env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_metrics_count_the_requests_of_every_gunicorn_worker(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    app = make_app()
    metrics_dir = tmp_path / "metrics"
    port = _free_port()
    env = process_env(
        app,
        AMTSWEG_JOBS_MODE="manual",
        AMTSWEG_WEB_WORKERS="2",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    )
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    command = [gunicorn, "-c", "service/gunicorn_conf.py", "--bind", f"127.0.0.1:{port}",
               "service:create_app()"]  # fmt: skip
    with (tmp_path / "gunicorn.log").open("ab") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        # A new connection each time, so that both workers take some.
        responses = [requests.get(f"{base}/healthz", timeout=10) for _ in range(30)]
        assert all(r.status_code == 200 and r.headers["X-Request-ID"] for r in responses)

        body = requests.get(f"{base}/metrics", timeout=10).text
        match = re.search(
            r'^amtsweg_http_requests_total\{endpoint="health.healthz",method="GET",status="200"\} '
            r"([0-9.]+)$",
            body,
            re.MULTILINE,
        )
        assert match and float(match.group(1)) >= 31
        assert "amtsweg_outbox_backlog 0.0" in body
        # Each worker process keeps its own file; /metrics read them all.
        assert len(list(metrics_dir.glob("counter_*.db"))) >= 1
    finally:
        proc.terminate()
        proc.wait(timeout=30)
