"""Webhook subscriptions and their delivery log, for administrators in the back office.

Integrators manage their own subscriptions through the API; when a receiver stops
answering, the city's administrators are the ones who get asked. This page shows every
subscription with the state of its deliveries and lets an administrator send a failed
or dead-lettered delivery again (same `webhook-id`, so receivers can drop duplicates).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from service.auth.models import User
from service.backoffice.constants import ADMIN_ROLE
from service.extensions import db
from service.webhooks import services as webhooks
from service.webhooks.models import Delivery, Subscription

#: Deliveries per page of the log.
LOG_PAGE_SIZE = 50


def may_manage_integrations(user: User) -> bool:
    """Say whether `user` may see the integrations pages (administrators only)."""
    return ADMIN_ROLE in set(user.roles or ())


@dataclass(frozen=True)
class SubscriptionRow:
    """One subscription with how its deliveries stand."""

    subscription: Any
    counts: dict[str, int]
    last_at: datetime | None


def subscription_rows() -> list[SubscriptionRow]:
    """Return every subscription with its deliveries counted by status."""
    subs = webhooks.all_subscriptions()
    counts: dict[int, dict[str, int]] = {s.id: {} for s in subs}
    last: dict[int, datetime | None] = {}
    rows = db.session.execute(
        select(
            Delivery.subscription_id,
            Delivery.status,
            func.count(),
            func.max(Delivery.updated_at),
        ).group_by(Delivery.subscription_id, Delivery.status)
    )
    for sub_id, status, n, at in rows:
        if sub_id in counts:
            counts[sub_id][status] = n
            known = last.get(sub_id)
            if at is not None and (known is None or at > known):
                last[sub_id] = at
    return [SubscriptionRow(s, counts[s.id], last.get(s.id)) for s in subs]


@dataclass(frozen=True)
class LogPage:
    """A page of a subscription's delivery log, newest first."""

    subscription: Any
    deliveries: list[Any]
    attempts: dict[int, list[Any]]
    next_before: int | None


def _subscription(subscription_id: int) -> Subscription | None:
    if not 0 < subscription_id < webhooks.MAX_ID:
        return None
    return db.session.get(Subscription, subscription_id)


def delivery_log(subscription_id: int, before: int | None = None) -> LogPage | None:
    """Return a page of the subscription's deliveries, or None if it does not exist."""
    sub = _subscription(subscription_id)
    if sub is None:
        return None
    rows = webhooks.deliveries_for_subscription(sub.id, LOG_PAGE_SIZE + 1, before)
    more = len(rows) > LOG_PAGE_SIZE
    rows = rows[:LOG_PAGE_SIZE]
    attempts = webhooks.attempts_of([d.id for d in rows])
    return LogPage(sub, rows, attempts, rows[-1].id if more and rows else None)


def redeliver(subscription_id: int, delivery_id: int) -> bool:
    """Send a delivery of the subscription again now; False if there is no such delivery."""
    sub = _subscription(subscription_id)
    delivery = webhooks.get_delivery(sub, delivery_id) if sub is not None else None
    if delivery is None:
        return False
    webhooks.redeliver(delivery)
    return True
