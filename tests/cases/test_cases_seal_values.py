"""A new event sealed from its values (no ORM object) hashes exactly as `AuditEvent.seal`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from service.cases import chain
from service.cases.models import AuditEvent, seal_values


@pytest.mark.parametrize("role", [None, "registry_officer"])
def test_sealed_values_hash_as_the_sealed_event(
    app: Any, monkeypatch: pytest.MonkeyPatch, role: str | None
) -> None:
    monkeypatch.setattr(chain, "new_salt", lambda: "ab" * 16)
    values = {
        "case_id": 7,
        "seq": 3,
        "at": datetime(2026, 11, 30, 8, 0, 1, 5, tzinfo=UTC),
        "action": "transition",
        "transition": "approve",
        "from_state": "in_review",
        "to_state": "approved",
        "actor_id": "client:x",
        "actor_kind": "client",
        "actor_label": "Bürgerbüro Köln",
        "actor_role": role,
        "inputs": {"reason": "Grüße", "n": 1},
        "prev_hash": "f" * 64,
    }
    ring = chain.keyring()
    event = AuditEvent(**values)
    event.seal(ring)

    seal_values(values, ring)

    sealed = {k: getattr(event, k) for k in ("key_id", "salt", "personal_digest", "hash")}
    assert {k: values[k] for k in sealed} == sealed
    assert values["hash"] == event.compute_hash(ring) != ""
    assert ("actor_role" in event.content()) is (role is not None)
