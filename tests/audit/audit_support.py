"""Helpers of the audit tests: run the outbox, seal a checkpoint."""

from __future__ import annotations

from typing import Any

from service.audit import services as audit
from service.extensions import db
from service.jobs.services import drain


def settle() -> None:
    """Run the outbox (leaves are appended there) and commit."""
    drain()
    db.session.commit()


def seal() -> dict[str, Any]:
    """Append what is queued and seal a checkpoint now; return its published form."""
    settle()
    sealed = audit.seal_checkpoint(force=True)
    db.session.commit()
    assert sealed is not None
    found = audit.checkpoint_of_size(sealed.tree_size)
    assert found is not None
    return found
