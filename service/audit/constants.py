"""Names used by the audit log."""

from __future__ import annotations

from enum import StrEnum

#: Webhook event type announcing a new sealed checkpoint to witnesses.
AUDIT_CHECKPOINT = "audit.checkpoint"
#: Version of the leaf encoding (the canonical JSON each leaf hashes).
LEAF_VERSION = 1
#: A fetch of the latest checkpoint updates "last witness fetch" at most this often.
WITNESS_FETCH_RESOLUTION_SECONDS = 60


class LeafKind(StrEnum):
    """What a leaf of the log stands for."""

    EVENT = "event"
    DOCUMENT = "document"


class StatusName(StrEnum):
    """Facts about the log kept for administrators."""

    WITNESS_FETCH = "witness_fetch"
    NIGHTLY_VERIFY = "nightly_verify"
