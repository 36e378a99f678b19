"""Webhook delivery: the fan-out of an event to its subscriptions, and each signed POST.

Events (of cases, and the audit log's checkpoints) reach us as "webhook.event" outbox items,
written in the transaction of the change, so an event exists exactly when its change committed.
The fan-out creates one `Delivery` per matching subscription and queues a "webhook.deliver" item
for it in one transaction. Delivery is at least once: a worker that dies after the receiver
answered but before it recorded it sends again, with the same `webhook-id` (receivers dedupe).
"""

from __future__ import annotations

import functools
import json
import random
import ssl
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import urllib3
from flask import current_app
from sqlalchemy import select

from service.extensions import db, insert_unless_exists, utcnow
from service.jobs import services as jobs
from service.webhooks import events, ssrf
from service.webhooks.constants import (
    DELIVER,
    FAN_OUT,
    MAX_ATTEMPTS,
    RETRY_SCHEDULE,
    TIMEOUT_SECONDS,
    DeliveryStatus,
)
from service.webhooks.models import Delivery, DeliveryAttempt, Subscription
from service.webhooks.signing import sign

#: Longest wait a receiver's Retry-After can ask for.
MAX_RETRY_AFTER = 24 * 3600


def queue(delivery: Delivery, new_round: bool = False) -> None:
    """Queue a "webhook.deliver" item for `delivery` (a new round after a redelivery)."""
    if new_round:
        delivery.rounds += 1
    jobs.enqueue(
        DELIVER,
        {"delivery_id": delivery.id},
        key=f"{DELIVER}:{delivery.id}:{delivery.rounds}",
    )


# ---------------------------------------------------------------------------- fan-out


@jobs.register(FAN_OUT)
def fan_out(event: dict[str, Any]) -> None:
    """Create a delivery for each subscription that wants this event, and queue it.

    The recipients are the subscriptions that existed when the event happened (its `at`):
    one created while the event waited in the outbox did not ask for older events.
    """
    event_type = str(event.get("type", ""))
    key = events.event_key(event)
    query = select(Subscription).where(Subscription.disabled_reason.is_(None))
    happened = events.happened_at(event)
    if happened is not None:
        query = query.where(Subscription.created_at <= happened)
    subs = db.session.scalars(query)
    for sub in subs:
        if event_type not in (sub.event_types or []):
            continue
        exists = db.session.scalar(
            select(Delivery.id).where(Delivery.subscription_id == sub.id, Delivery.event_key == key)
        )
        if exists is not None:
            continue  # the fan-out ran before (a worker died after it): nothing new
        now = utcnow()
        delivery = Delivery(
            subscription_id=sub.id,
            message_id=events.message_id(sub.id, key),
            event_key=key,
            event_type=event_type,
            payload=events.thin_payload(event),
            status=DeliveryStatus.PENDING,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )
        if not insert_unless_exists(delivery):
            continue
        if sub.active:
            queue(delivery)
    db.session.flush()


# ---------------------------------------------------------------------------- delivery


def _backoff(attempt: int) -> float:
    """Wait per the Standard Webhooks schedule after `attempt` failures, with ±20 % jitter."""
    base = RETRY_SCHEDULE[min(attempt, len(RETRY_SCHEDULE)) - 1]
    return float(base) * (0.8 + 0.4 * random.random())  # jitter, not security


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(min(int(value), MAX_RETRY_AFTER))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, min((when - utcnow()).total_seconds(), MAX_RETRY_AFTER))


class Outcome:
    """What one HTTP request for a delivery brought back."""

    def __init__(
        self,
        status_code: int | None,
        duration_ms: int,
        error: str | None = None,
        retry_after: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.duration_ms = duration_ms
        self.error = error
        self.retry_after = retry_after

    @property
    def ok(self) -> bool:
        """Return True for a 2xx answer."""
        return self.status_code is not None and 200 <= self.status_code < 300


@functools.lru_cache(maxsize=4)
def _tls_context(ca_bundle: str | None) -> ssl.SSLContext:
    """The TLS settings for receivers: the system's CAs, plus the city's own if configured.

    `AMTSWEG_WEBHOOK_CA_BUNDLE` names a PEM file of further CAs (an internal PKI for the
    city's own systems). Certificates and host names are always checked.
    """
    context = ssl.create_default_context()
    if ca_bundle:
        context.load_verify_locations(cafile=ca_bundle)
    return context


def _host_header(target: ssrf.Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"


def send(delivery: Delivery, sub: Subscription, now: datetime | None = None) -> Outcome:
    """Make one signed POST for the delivery to its checked, pinned address; write nothing."""
    started = time.monotonic()
    try:
        target = ssrf.check_url(sub.url, current_app.config)
    except ssrf.UnsafeTarget as exc:
        return Outcome(None, 0, f"refused: {exc}")
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False)
    timestamp = (now or utcnow()).replace(microsecond=0)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "amtsweg-webhooks/1",
        "Host": _host_header(target),
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": sign(sub, delivery.message_id, timestamp, body),
    }
    timeout = urllib3.Timeout(total=TIMEOUT_SECONDS)
    pool: urllib3.HTTPConnectionPool
    if target.scheme == "https":
        # Connect to the vetted address; TLS still checks the certificate of the host name.
        pool = urllib3.HTTPSConnectionPool(
            target.address, target.port, timeout=timeout, retries=False,
            server_hostname=target.host, assert_hostname=target.host, cert_reqs="CERT_REQUIRED",
            ssl_context=_tls_context(current_app.config.get("WEBHOOK_CA_BUNDLE") or None),
        )  # fmt: skip
    else:
        pool = urllib3.HTTPConnectionPool(
            target.address, target.port, timeout=timeout, retries=False
        )
    try:
        response = pool.urlopen(
            "POST", target.path, body=body.encode(), headers=headers,
            redirect=False, retries=False, preload_content=False,
        )  # fmt: skip
        try:
            response.read(4096, decode_content=False)
        finally:
            response.release_conn()
        duration = int((time.monotonic() - started) * 1000)
        error = None if 200 <= response.status < 300 else f"HTTP {response.status}"
        return Outcome(response.status, duration, error, response.headers.get("Retry-After"))
    except urllib3.exceptions.HTTPError as exc:
        duration = int((time.monotonic() - started) * 1000)
        return Outcome(None, duration, type(exc).__name__)
    finally:
        pool.close()


def record(delivery: Delivery, sub: Subscription, outcome: Outcome) -> float | None:
    """Write the attempt and the delivery's new status; return seconds until the next try.

    None means there is no next try: the delivery succeeded or is dead.
    """
    now = utcnow()
    delivery.attempts += 1
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error[:500] if outcome.error else None
    delivery.updated_at = now
    db.session.add(
        DeliveryAttempt(
            delivery_id=delivery.id,
            at=now,
            status_code=outcome.status_code,
            duration_ms=outcome.duration_ms,
            error=delivery.last_error,
        )
    )
    wait: float | None = None
    if outcome.ok:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.next_attempt_at = None
    elif outcome.status_code == 410:
        # The receiver says the endpoint is gone for good: stop sending to it.
        sub.disabled_reason = "the receiver answered 410 Gone"
        sub.updated_at = now
        delivery.status = DeliveryStatus.DEAD
        delivery.next_attempt_at = None
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.DEAD
        delivery.next_attempt_at = None
    else:
        delivery.status = DeliveryStatus.FAILED
        wait = _retry_after(outcome.retry_after)
        if wait is None:
            wait = _backoff(delivery.attempts)
        delivery.next_attempt_at = now + timedelta(seconds=wait)
    db.session.flush()
    return wait


@jobs.register(DELIVER, max_attempts=MAX_ATTEMPTS + 1, backoff=_backoff)
def deliver(payload: dict[str, Any]) -> None:
    """Send one delivery and record the attempt; ask the outbox to retry on failure."""
    delivery = db.session.get(Delivery, int(payload["delivery_id"]))
    if delivery is None or delivery.status in (DeliveryStatus.SUCCEEDED, DeliveryStatus.DEAD):
        return  # deleted, or finished by an earlier run
    sub = db.session.get(Subscription, delivery.subscription_id)
    if sub is None:
        return
    if not sub.active:
        return  # held while paused; resume() queues it again
    outcome = send(delivery, sub)
    wait = record(delivery, sub, outcome)
    # The attempt is part of the log even when the outbox rolls back a failed run.
    db.session.commit()
    if wait is not None:
        raise jobs.Retry(outcome.error or "delivery failed", after=wait)
    if delivery.status == DeliveryStatus.DEAD:
        raise jobs.GiveUp(outcome.error or "delivery failed")
