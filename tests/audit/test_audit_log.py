"""The Merkle log: leaves through the outbox, checkpoints, public proofs."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from audit_support import seal, settle
from factories import parking_permit_data
from flask.testing import FlaskClient
from sqlalchemy import func, select

from service.audit import log, merkle
from service.audit import services as audit
from service.audit.models import Checkpoint, LogLeaf
from service.cases.models import Case
from service.cases.services import submit_case
from service.engine import Actor
from service.extensions import db, utcnow
from service.jobs.models import OutboxItem
from service.webhooks.services import create_subscription


def leaves() -> list[tuple[str, int | None]]:
    rows = db.session.execute(
        select(LogLeaf.case_reference, LogLeaf.event_seq).order_by(LogLeaf.leaf_index)
    )
    return [(r.case_reference, r.event_seq) for r in rows]


def test_every_committed_event_becomes_one_leaf_in_commit_order(
    rejected_case: Callable[..., Case],
) -> None:
    first = rejected_case()
    second = rejected_case("Max Muster")
    settle()
    settle()  # running the outbox again appends nothing twice
    assert leaves() == [(first.reference, s) for s in (1, 2, 3)] + [
        (second.reference, s) for s in (1, 2, 3)
    ]
    assert log.size() == 6


def test_a_burst_is_appended_in_one_run_in_commit_order_and_is_the_rfc_tree(
    rejected_case: Callable[..., Case],
) -> None:
    from service.audit.verify import verify_all
    from service.jobs.services import drain

    cases = [rejected_case(name) for name in ("Erika A", "Max B", "Lena C")]
    # The worker claims 4 items; the first run appends all 9 events (the 3 others it
    # claimed and the 5 still queued), so the other claimed ones are skipped as done.
    drain(batch=4)
    db.session.commit()
    assert leaves() == [(c.reference, s) for c in cases for s in (1, 2, 3)]
    statuses = db.session.scalars(select(OutboxItem.status).where(OutboxItem.kind == "audit.leaf"))
    assert set(statuses) == {"done"}
    frontier, roots = merkle.Frontier(), []
    for h in db.session.scalars(select(LogLeaf.leaf_hash).order_by(LogLeaf.leaf_index)):
        frontier.append(bytes.fromhex(h))
        roots.append(frontier.root())
    assert [log.root(n) for n in range(1, 10)] == roots  # stored subtrees give every root
    assert verify_all() == []
    settle()
    assert log.size() == 9  # nothing twice


def test_a_rolled_back_submission_leaves_no_leaf(app: Any, make_user: Any) -> None:
    erika = make_user("Erika Mustermann")
    submit_case("parking_permit", parking_permit_data(), erika.id, Actor(id=str(erika.id)))
    db.session.rollback()
    settle()
    assert log.size() == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxItem)) == 0


def test_an_issued_documents_hash_becomes_a_leaf(issued: Callable[..., Any]) -> None:
    case, document = issued()
    settle()
    leaf = db.session.scalar(select(LogLeaf).where(LogLeaf.document_id == document.id))
    assert leaf is not None and leaf.case_reference == case.reference
    data = log.document_leaf_data(
        leaf.leaf_index, case.id, case.reference, document.id, document.sha256
    )
    assert leaf.leaf_hash == merkle.leaf_hash(data).hex()


def test_a_checkpoint_is_sealed_only_when_the_log_grew_and_the_interval_passed(
    rejected_case: Callable[..., Case],
) -> None:
    rejected_case()
    settle()
    now = utcnow()
    assert audit.seal_checkpoint(now) is not None
    db.session.commit()
    rejected_case("Max Muster")
    settle()
    assert audit.seal_checkpoint(now + timedelta(minutes=4)) is None  # default: 5 minutes
    sealed = audit.seal_checkpoint(now + timedelta(minutes=5))
    assert sealed is not None and sealed.tree_size == 6
    db.session.commit()
    assert audit.seal_checkpoint(now + timedelta(minutes=20)) is None  # nothing new
    assert db.session.scalar(select(func.count()).select_from(Checkpoint)) == 2


def test_checkpoints_are_public_signed_and_free_of_personal_data(
    client: FlaskClient, rejected_case: Callable[..., Case]
) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    case = rejected_case()
    sealed = seal()
    latest = client.get("/audit/checkpoints/latest")
    assert latest.status_code == 200 and latest.json == sealed
    assert client.get(f"/audit/checkpoints/{sealed['tree_size']}").json == sealed
    text = latest.get_data(as_text=True)
    for personal in ("Erika", "Mustermann", "Zone C", case.reference):
        assert personal not in text
    lines = sealed["body"].split("\n")
    assert lines[0] == "localhost/audit" and lines[1] == "3"
    assert base64.b64decode(lines[2]).hex() == sealed["root_hash"]
    cert = x509.load_pem_x509_certificate(client.get("/audit/key").data)
    cert.public_key().verify(  # type: ignore[union-attr,call-arg]
        base64.b64decode(sealed["signature"]),
        sealed["body"].encode(),
        ec.ECDSA(hashes.SHA256()),  # type: ignore[arg-type]
    )
    overview = audit.overview()
    assert overview.witness_fetch is not None  # someone fetched the latest checkpoint


def test_proofs_over_http_verify_and_bad_sizes_get_a_problem_naming_the_field(
    client: FlaskClient, rejected_case: Callable[..., Case]
) -> None:
    rejected_case()
    first = seal()
    rejected_case("Max Muster")
    second = seal()
    answer = client.get("/audit/proofs/consistency?from=3&to=6").json
    assert answer["from_root"] == first["root_hash"] and answer["to_root"] == second["root_hash"]
    proof = [bytes.fromhex(h) for h in answer["proof"]]
    assert merkle.verify_consistency(
        3, 6, bytes.fromhex(first["root_hash"]), bytes.fromhex(second["root_hash"]), proof
    )
    inclusion = client.get("/audit/proofs/inclusion?index=4&size=6").json
    assert merkle.verify_inclusion(
        4,
        6,
        bytes.fromhex(inclusion["leaf_hash"]),
        [bytes.fromhex(h) for h in inclusion["path"]],
        bytes.fromhex(second["root_hash"]),
    )
    for query, field in (("from=x&to=6", "from"), ("from=3&to=99", "to"), ("from=4&to=3", "to")):
        bad = client.get(f"/audit/proofs/consistency?{query}")
        assert bad.status_code in (400, 422)
        assert bad.mimetype == "application/problem+json"
        assert bad.json["errors"][0]["field"] == field
    assert client.get("/audit/checkpoints/99").status_code == 404


def test_witnesses_get_each_checkpoint_as_a_webhook(
    app: Any, rejected_case: Callable[..., Case]
) -> None:
    received: list[dict[str, Any]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        app.config["WEBHOOK_ALLOWED_HOSTS"] = "127.0.0.1"
        url = f"http://127.0.0.1:{server.server_port}/hook"
        create_subscription("witness", url, ["audit.checkpoint"])
        db.session.commit()
        rejected_case()
        sealed = seal()
        settle()
    finally:
        server.shutdown()
        server.server_close()
    assert [message["type"] for message in received] == ["audit.checkpoint"]
    data = received[0]["data"]
    assert data["root_hash"] == sealed["root_hash"] and data["signature"] == sealed["signature"]
    assert data["links"]["self"].endswith(f"/audit/checkpoints/{sealed['tree_size']}")
