"""Public API of webhooks: subscriptions, their secrets, redelivery and the delivery log.

The fan-out of events and the signed POSTs are in `delivery`, the secrets in `signing`;
both are reached through this module (`send`, `record`, `new_secret`, `sign`, ...).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import delete, select

from service.extensions import db, utcnow
from service.jobs import services as jobs
from service.webhooks import signing, ssrf
from service.webhooks.constants import (
    EVENT_TYPES,
    ROTATION_OVERLAP_HOURS,
    DeliveryStatus,
)
from service.webhooks.delivery import Outcome, deliver, fan_out, queue, record, send
from service.webhooks.models import Delivery, DeliveryAttempt, Subscription
from service.webhooks.signing import new_secret, sign, signing_secrets

__all__ = [
    "Outcome",
    "SubscriptionInvalid",
    "all_subscriptions",
    "attempts_of",
    "create_subscription",
    "delete_subscription",
    "deliver",
    "deliveries_for_subscription",
    "fan_out",
    "get_delivery",
    "get_subscription",
    "init_app",
    "new_secret",
    "pause",
    "prune_deliveries",
    "prune_delivery_log",
    "record",
    "redeliver",
    "redeliver_since",
    "resume",
    "rotate_secret",
    "send",
    "sign",
    "signing_secrets",
    "subscriptions_of",
]

log = logging.getLogger(__name__)

#: Ids are 32-bit integers in the database; anything larger names nothing.
MAX_ID = 2**31


class SubscriptionInvalid(ValueError):
    """The subscription request is refused; `field` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


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
        secret_encrypted=signing.encrypt(secret),
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
    sub.secret_encrypted = signing.encrypt(secret)
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
        queue(delivery, new_round=True)
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
    queue(delivery, new_round=True)
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


def init_app(app: Flask) -> None:
    """Nothing to set up: handlers register on import (create_app imports this module)."""
