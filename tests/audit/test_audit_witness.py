"""An outside witness checks the log over real HTTP with its own code (tests/audit/witness.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import witness
from audit_support import seal
from sqlalchemy import update
from werkzeug.serving import make_server

from service.audit.models import LogNode
from service.extensions import db


@pytest.fixture
def served(app: Any) -> Iterator[str]:
    """The app on a free loopback port, in a server thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_witness_verifies_two_checkpoints_and_the_consistency_between_them(
    served: str, rejected_case: Callable[..., Any]
) -> None:
    rejected_case()
    first = seal()
    for name in ("Max Muster", "Lea Beispiel"):
        rejected_case(name)
    latest = seal()
    db.session.remove()  # the server thread reads the committed log

    old, new = witness.witness(served, first["tree_size"])

    assert (old.size, new.size) == (3, 9)
    assert old.root.hex() == first["root_hash"] and new.root.hex() == latest["root_hash"]
    assert old.origin == new.origin == "localhost/audit"  # the host of AMTSWEG_BASE_URL


def test_a_witness_notices_a_rewritten_history(
    served: str, rejected_case: Callable[..., Any]
) -> None:
    rejected_case()
    first = seal()
    rejected_case("Max Muster")
    seal()
    # Someone rewrites the stored tree so that proofs no longer lead to the old root.
    db.session.execute(
        update(LogNode).where(LogNode.level == 1, LogNode.node_index == 0).values(hash="00" * 32)
    )
    db.session.commit()
    db.session.remove()

    with pytest.raises(ValueError, match="does not extend"):
        witness.witness(served, first["tree_size"])


def test_a_forged_checkpoint_fails_the_witness_signature_check(
    served: str, rejected_case: Callable[..., Any]
) -> None:
    rejected_case()
    sealed = seal()
    db.session.remove()
    certificate = witness.fetch(f"{served}/audit/key")
    forged = {**sealed, "body": sealed["body"].replace("\n3\n", "\n2\n")}
    with pytest.raises(ValueError, match="signature"):
        witness.check_checkpoint(forged, certificate)
    assert json.loads(witness.fetch(f"{served}/audit/checkpoints/3")) == sealed
