"""Public API of webhooks: subscriptions, fan-out of case events, signed delivery, the log.

Events (of cases, and the audit log's checkpoints) reach us as "webhook.event" outbox items,
written in the transaction of the change, so an event exists exactly when its change committed.
The fan-out creates one `Delivery` per matching subscription and queues a "webhook.deliver" item
for it in one transaction. Delivery is at least once: a worker that dies after the receiver
answered but before it recorded it sends again, with the same `webhook-id` (receivers dedupe).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import logging
import random
import secrets
import ssl
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import urllib3
from cryptography.fernet import Fernet, InvalidToken
from flask import Flask, current_app
from sqlalchemy import delete, select
from standardwebhooks.webhooks import Webhook

from service.extensions import db, insert_unless_exists, utcnow
from service.jobs import services as jobs
from service.webhooks import events, ssrf
from service.webhooks.constants import (
    DELIVER,
    EVENT_TYPES,
    FAN_OUT,
    MAX_ATTEMPTS,
    RETRY_SCHEDULE,
    ROTATION_OVERLAP_HOURS,
    SECRET_PREFIX,
    TIMEOUT_SECONDS,
    DeliveryStatus,
)
from service.webhooks.models import Delivery, DeliveryAttempt, Subscription

log = logging.getLogger(__name__)

#: Ids are 32-bit integers in the database; anything larger names nothing.
MAX_ID = 2**31
#: Longest wait a receiver's Retry-After can ask for.
MAX_RETRY_AFTER = 24 * 3600


class SubscriptionInvalid(ValueError):
    """The subscription request is refused; `field` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# ------------------------------------------------------------------------------- secrets


def _fernet() -> Fernet:
    # Derived from SECRET_KEY: a database dump alone does not reveal the signing secrets.
    digest = hashlib.sha256(b"amtsweg-webhook-secrets:" + current_app.secret_key.encode()).digest()  # type: ignore[union-attr]
    return Fernet(base64.urlsafe_b64encode(digest))


def _encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def _decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise RuntimeError("webhook secret cannot be decrypted (was SECRET_KEY changed?)") from None


def new_secret() -> str:
    """Return a new signing secret in the Standard Webhooks format (whsec_ + base64)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signing_secrets(sub: Subscription, now: datetime | None = None) -> list[str]:
    """Return the secrets that sign now: the current one, and the previous one for 24 h."""
    now = now or utcnow()
    keys = [_decrypt(sub.secret_encrypted)]
    valid_until = sub.previous_valid_until
    if sub.previous_secret_encrypted and valid_until and valid_until > now:
        keys.append(_decrypt(sub.previous_secret_encrypted))
    return keys


def sign(sub: Subscription, message_id: str, timestamp: datetime, body: str) -> str:
    """Return the webhook-signature header: one signature per valid secret, space-separated."""
    return " ".join(Webhook(s).sign(message_id, timestamp, body) for s in signing_secrets(sub))


# ------------------------------------------------------------------------- subscriptions


def _check(url: str, event_types: list[str]) -> None:
    if len(url) > 2000:
        raise SubscriptionInvalid("url", "the URL is too long")
    try:
        ssrf.check_url(url, current_app.config)
    except ssrf.UnsafeTarget as exc:
        raise SubscriptionInvalid("url", str(exc)) from None
    unknown = [t for t in event_types if t not in EVENT_TYPES]
    if unknown or not event_types:
        raise SubscriptionInvalid("event_types", "name one or more of: " + ", ".join(EVENT_TYPES))


def create_subscription(
    client_id: str, url: str, event_types: list[str], description: str = ""
) -> tuple[Subscription, str]:
    """Register an endpoint for a client; return it and its secret (shown this once)."""
    _check(url, event_types)
    secret = new_secret()
    sub = Subscription(
        client_id=client_id,
        url=url,
        event_types=list(dict.fromkeys(event_types)),
        description=description,
        secret_encrypted=_encrypt(secret),
    )
    db.session.add(sub)
    db.session.flush()
    return sub, secret


def subscriptions_of(client_id: str) -> list[Subscription]:
    """Return a client's subscriptions, oldest first."""
    query = select(Subscription).where(Subscription.client_id == client_id)
    return list(db.session.scalars(query.order_by(Subscription.id)))


def all_subscriptions() -> list[Subscription]:
    """Return every subscription of every client (for the back office), by client."""
    query = select(Subscription).order_by(Subscription.client_id, Subscription.id)
    return list(db.session.scalars(query))


def get_subscription(client_id: str, subscription_id: int) -> Subscription | None:
    """Return the subscription only if the client owns it (callers answer 404 otherwise)."""
    if not 0 < subscription_id < MAX_ID:
        return None
    sub = db.session.get(Subscription, subscription_id)
    return sub if sub is not None and sub.client_id == client_id else None


def delete_subscription(sub: Subscription) -> None:
    """Delete a subscription with its delivery log; queued deliveries are dropped."""
    ids = select(Delivery.id).where(Delivery.subscription_id == sub.id)
    db.session.execute(delete(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(ids)))
    db.session.execute(delete(Delivery).where(Delivery.subscription_id == sub.id))
    db.session.delete(sub)
    db.session.flush()


def rotate_secret(sub: Subscription, now: datetime | None = None) -> str:
    """Give the subscription a new secret; the old one keeps signing for 24 hours."""
    now = now or utcnow()
    secret = new_secret()
    sub.previous_secret_encrypted = sub.secret_encrypted
    sub.previous_valid_until = now + timedelta(hours=ROTATION_OVERLAP_HOURS)
    sub.secret_encrypted = _encrypt(secret)
    sub.updated_at = now
    db.session.flush()
    return secret


def pause(sub: Subscription) -> None:
    """Stop sending; events keep being recorded and go out on resume."""
    sub.paused = True
    sub.updated_at = utcnow()
    db.session.flush()


def resume(sub: Subscription) -> int:
    """Send again, starting with what waited while paused; return how many were queued.

    Resuming also re-enables a subscription disabled by a 410 answer.
    """
    sub.paused = False
    sub.disabled_reason = None
    sub.updated_at = utcnow()
    waiting = db.session.scalars(
        select(Delivery).where(
            Delivery.subscription_id == sub.id,
            Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.FAILED]),
        )
    )
    count = 0
    for delivery in waiting:
        _queue(delivery, new_round=True)
        count += 1
    db.session.flush()
    return count


# ------------------------------------------------------------------------ delivery log


@jobs.periodic("webhook_log", every=timedelta(days=1))
def prune_delivery_log(now: datetime) -> int:
    """Delete finished deliveries past AMTSWEG_WEBHOOK_LOG_DAYS (run daily)."""
    days = current_app.config.get("WEBHOOK_LOG_DAYS", 30)
    return prune_deliveries(now, timedelta(days=days))


def prune_deliveries(now: datetime, keep: timedelta) -> int:
    """Delete finished deliveries (delivered or given up) older than `keep`, with attempts.

    Deliveries still pending or retrying stay whatever their age, so nothing is lost;
    return how many went.
    """
    old = select(Delivery.id).where(
        Delivery.status.in_([DeliveryStatus.SUCCEEDED, DeliveryStatus.DEAD]),
        Delivery.updated_at < now - keep,
    )
    ids = list(db.session.scalars(old))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        db.session.execute(delete(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(chunk)))
        db.session.execute(delete(Delivery).where(Delivery.id.in_(chunk)))
    db.session.flush()
    return len(ids)


def deliveries_for_subscription(
    subscription_id: int, limit: int = 50, before_id: int | None = None
) -> list[Delivery]:
    """Return the newest deliveries of a subscription (for the API and the back office)."""
    query = select(Delivery).where(Delivery.subscription_id == subscription_id)
    if before_id is not None:
        query = query.where(Delivery.id < before_id)
    return list(db.session.scalars(query.order_by(Delivery.id.desc()).limit(limit)))


def attempts_of(delivery_ids: list[int]) -> dict[int, list[DeliveryAttempt]]:
    """Return the attempts of each delivery, oldest first."""
    out: dict[int, list[DeliveryAttempt]] = {i: [] for i in delivery_ids}
    if delivery_ids:
        rows = db.session.scalars(
            select(DeliveryAttempt)
            .where(DeliveryAttempt.delivery_id.in_(delivery_ids))
            .order_by(DeliveryAttempt.id)
        )
        for row in rows:
            out[row.delivery_id].append(row)
    return out


def get_delivery(sub: Subscription, delivery_id: int) -> Delivery | None:
    """Return a delivery of this subscription, or None."""
    if not 0 < delivery_id < MAX_ID:
        return None
    delivery = db.session.get(Delivery, delivery_id)
    return delivery if delivery is not None and delivery.subscription_id == sub.id else None


def redeliver(delivery: Delivery) -> None:
    """Send a delivery again now (same webhook-id), whatever became of it before."""
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    delivery.updated_at = utcnow()
    _queue(delivery, new_round=True)
    db.session.flush()


def redeliver_since(sub: Subscription, since: datetime) -> int:
    """Send again every delivery created since `since` that did not succeed; return how many."""
    rows = list(
        db.session.scalars(
            select(Delivery).where(
                Delivery.subscription_id == sub.id,
                Delivery.created_at >= since,
                Delivery.status != DeliveryStatus.SUCCEEDED,
            )
        )
    )
    for delivery in rows:
        redeliver(delivery)
    return len(rows)


def _queue(delivery: Delivery, new_round: bool = False) -> None:
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
            _queue(delivery)
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


def init_app(app: Flask) -> None:
    """Nothing to set up: handlers register on import (create_app imports this module)."""
