"""An event as webhooks see it: its key, its message id, its thin body and its time."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from flask import current_app

from service.extensions import utcnow
from service.webhooks.constants import MESSAGE_ID_PREFIX

#: Where integrators read a case (the API's path; webhooks do not import the API).
API_CASES = "/api/v1/cases"


def event_key(event: dict[str, Any]) -> str:
    """Return a key naming the event, the same however often it is fanned out."""
    # The outbox hands us the payload only; its content names the event uniquely
    # (case, type, transition and the time of the change).
    canonical = json.dumps(event, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:40]


def message_id(subscription_id: int, event_key: str) -> str:
    """Return the `webhook-id` of an event's delivery to one subscription (kept on retries)."""
    digest = hashlib.sha256(f"{subscription_id}:{event_key}".encode()).digest()
    return MESSAGE_ID_PREFIX + base64.b32encode(digest).decode().rstrip("=").lower()[:26]


def thin_payload(event: dict[str, Any]) -> dict[str, Any]:
    """Return the message body: what happened and where to read more, no personal data."""
    base = current_app.config.get("BASE_URL", "").rstrip("/")
    if "message" in event:  # an audit checkpoint brings its own public message
        return dict(event["message"])
    case_id = event.get("case_id")
    return {
        "type": event["type"],
        "timestamp": event.get("at") or utcnow().isoformat(),
        "data": {
            "case_id": event.get("case_id"),
            "reference": event.get("reference"),
            "service": event.get("service"),
            "state": event.get("state"),
            "transition": event.get("transition"),
            "links": {"self": f"{base}{API_CASES}/{case_id}"} if case_id else {},
        },
    }


def happened_at(event: dict[str, Any]) -> datetime | None:
    """Return when the event happened (its `at`), or None for an event without a time."""
    try:
        at = datetime.fromisoformat(str(event["at"]))
    except (KeyError, ValueError):
        return None  # an event queued before events carried their time: everyone
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
