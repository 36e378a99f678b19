"""Scale-out on real engines: two gunicorn processes and two Celery workers on PostgreSQL
and Redis take 1,000 submissions and their approvals through the API.

Afterwards every case has exactly one confirmation, the local receiver got every webhook
event at least once (exactly once by webhook-id), and nothing was dead-lettered.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from factories import person, residence_registration_data
from scale_helpers import ROOT, flask_command, process_env, redis_db15, wait_until  # type: ignore[import-not-found]
from sqlalchemy import func, select

from service.extensions import db
from service.webhooks.constants import EVENT_TYPES
from tests.conftest import PG_URL, REDIS_URL

CASES = int(os.environ.get("AMTSWEG_SCALE_CASES", "1000"))
CONNECTIONS = 16
#: How long the effects may take at most before the test fails (a hang, not a timing).
SETTLE_LIMIT_SECONDS = 600


class Receiver(BaseHTTPRequestHandler):
    """Record every webhook: its id and event type."""

    received: list[tuple[str, str]] = []
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.lock:
            self.received.append(
                (self.headers.get("webhook-id", ""), json.loads(body).get("type", ""))
            )
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks", Receiver.received
    finally:
        server.shutdown()
        server.server_close()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _up(url: str) -> bool:
    try:
        return requests.get(url + "/healthz", timeout=1).status_code == 200
    except requests.RequestException:
        return False


@pytest.mark.postgres
@pytest.mark.redis
def test_thousand_submissions_and_approvals_on_two_web_processes_and_two_workers(
    make_app: Callable[..., Any],
    spawn: Callable[..., subprocess.Popen[bytes]],
    receiver: tuple[str, list[tuple[str, str]]],
) -> None:
    started = time.monotonic()
    assert PG_URL and REDIS_URL
    broker = redis_db15(REDIS_URL)
    ports = [_free_port(), _free_port()]
    base = f"http://127.0.0.1:{ports[0]}"
    app = make_app(BASE_URL=base, JOBS_MODE="manual")
    with app.app_context():
        from service.transactions import ensure_definitions_synced

        ensure_definitions_synced()
        db.session.commit()
    env = process_env(
        app,
        AMTSWEG_BROKER_URL=broker,
        AMTSWEG_BASE_URL=base,
        AMTSWEG_WEBHOOK_ALLOWED_HOSTS="127.0.0.1",
        AMTSWEG_WEB_WORKERS="2",
    )
    # Nothing left over in the broker from an earlier run.
    import redis

    redis.Redis.from_url(broker).flushdb()

    created = subprocess.run(
        flask_command(
            "api-clients", "create", "--name", "scale test", "--json",
            "--scopes", "cases:read,cases:write,cases:transition,webhooks:manage",
            "--roles", "case_worker,registration_officer",
        ),
        env=env, capture_output=True, text=True, check=True, cwd=str(ROOT),
    )  # fmt: skip
    client = json.loads(created.stdout.strip().splitlines()[-1])

    gunicorn = str(os.path.join(os.path.dirname(flask_command()[0]), "gunicorn"))
    for i, port in enumerate(ports):
        spawn(
            [gunicorn, "-c", "service/gunicorn_conf.py", "--bind", f"127.0.0.1:{port}", "service:create_app()"],
            env, f"web-{i}",
        )  # fmt: skip
    for i in range(2):
        spawn(flask_command("worker", "--concurrency", "1"), env, f"worker-{i}")
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    for url in urls:
        wait_until(lambda url=url: _up(url), 90, f"{url} to start")

    token = requests.post(
        f"{base}/dev-idp/token",
        data={"grant_type": "client_credentials", "scope": "cases:read cases:write cases:transition webhooks:manage"},
        auth=(client["client_id"], client["client_secret"]),
        timeout=10,
    )  # fmt: skip
    assert token.status_code == 200, token.text
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    hook_url, received = receiver
    subscribed = requests.post(
        f"{base}/api/v1/webhooks",
        json={"url": hook_url, "event_types": list(EVENT_TYPES)},
        headers=headers,
        timeout=10,
    )
    assert subscribed.status_code == 201, subscribed.text

    sessions = threading.local()

    def one_case(n: int) -> str:
        if not hasattr(sessions, "s"):
            sessions.s = requests.Session()
        s: requests.Session = sessions.s
        url = urls[n % 2] + "/api/v1/cases"
        body = {
            "service": "residence_registration",
            "lang": "de" if n % 2 else "en",
            "applicant": {"subject": f"scale-{n}", "name": f"Person {n}"},
            "data": residence_registration_data(persons=[person(family_name=f"Mustermann{n}")]),
        }
        r = s.post(
            url, json=body, headers={**headers, "Idempotency-Key": str(uuid.uuid4())}, timeout=60
        )
        assert r.status_code == 201, r.text
        reference = r.json()["reference"]
        for transition in ("start_review", "approve"):
            t = s.post(
                f"{urls[(n + 1) % 2]}/api/v1/cases/{reference}/transitions",
                json={"transition": transition, "inputs": {}},
                headers=headers,
                timeout=60,
            )
            assert t.status_code == 200, t.text
        return str(reference)

    print(f"started in {time.monotonic() - started:.0f} s")
    with ThreadPoolExecutor(CONNECTIONS) as pool:
        references = list(pool.map(one_case, range(CASES)))
    assert len(set(references)) == CASES
    print(f"submitted and approved after {time.monotonic() - started:.0f} s")

    from service.cases.models import Case
    from service.documents.models import Document
    from service.jobs.models import OutboxItem
    from service.webhooks.models import Delivery

    with app.app_context():

        def settled() -> bool:
            db.session.remove()
            open_items = db.session.scalar(
                select(func.count())
                .select_from(OutboxItem)
                .where(OutboxItem.status.in_(["pending", "running"]))
            )
            return open_items == 0

        wait_until(settled, SETTLE_LIMIT_SECONDS, "the workers to finish every effect")
        print(f"every effect done after {time.monotonic() - started:.0f} s")
        assert (
            db.session.scalar(
                select(func.count()).select_from(Case).where(Case.state == "approved")
            )
            == CASES
        )
        per_case = dict(db.session.execute(
            select(Document.case_id, func.count()).where(Document.status == "rendered").group_by(Document.case_id)
        ).all())  # fmt: skip
        assert len(per_case) == CASES and set(per_case.values()) == {1}
        dead = db.session.scalar(
            select(func.count()).select_from(OutboxItem).where(OutboxItem.status == "dead")
        )
        assert dead == 0
        expected = set(db.session.scalars(select(Delivery.message_id)))
        statuses = set(db.session.scalars(select(Delivery.status).distinct()))
        assert statuses == {"succeeded"}
    ids = [webhook_id for webhook_id, _type in received]
    assert set(ids) == expected
    # submitted, transitioned twice, approved and document ready, per case.
    assert len(expected) == 5 * CASES
    # Speed is measured, not asserted: the figure goes to the log and docs/performance.md.
    print(
        f"{CASES} submissions and approvals, every effect delivered: {time.monotonic() - started:.0f} s"
    )
