"""Webhook subscription endpoints of the API (scope webhooks:manage, own subscriptions only)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView

from service.api import problems
from service.api.auth import client_id, require_scope
from service.api.blueprints import ApiBlueprint
from service.api.constants import API_PREFIX, SECURITY_SCHEME, Scope
from service.api.problems import ApiProblem, _
from service.webhooks import services
from service.webhooks.models import Delivery, Subscription
from service.webhooks.schemas import (
    DeliveryListQuerySchema,
    DeliveryListSchema,
    DeliverySchema,
    RedeliveredSchema,
    RedeliverQuerySchema,
    SecretSchema,
    SubscriptionCreateSchema,
    SubscriptionListSchema,
    SubscriptionSchema,
    SubscriptionWithSecretSchema,
)

webhooks_blp = ApiBlueprint(
    "api_webhooks", __name__, url_prefix=API_PREFIX + "/webhooks",
    description="Webhook subscriptions (Standard Webhooks) and their delivery log",
)  # fmt: skip
problems.attach(webhooks_blp)


def secured(func: Any) -> Any:
    """Require webhooks:manage and document it."""
    wrapped = require_scope(Scope.WEBHOOKS_MANAGE)(func)
    wrapped = webhooks_blp.doc(security=[{SECURITY_SCHEME: [Scope.WEBHOOKS_MANAGE.value]}])(wrapped)
    wrapped = webhooks_blp.alt_response(401, response="UNAUTHORIZED")(wrapped)
    wrapped = webhooks_blp.alt_response(403, response="FORBIDDEN")(wrapped)
    return webhooks_blp.alt_response(404, response="NOT_FOUND")(wrapped)


def _url(path: str) -> str:
    return current_app.config.get("BASE_URL", "").rstrip("/") + API_PREFIX + "/webhooks" + path


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def subscription_view(sub: Subscription) -> dict[str, Any]:
    """Describe a subscription; the secret is never part of it."""
    return {
        "id": sub.id,
        "url": sub.url,
        "event_types": list(sub.event_types or []),
        "description": sub.description,
        "paused": sub.paused,
        "disabled": sub.disabled_reason is not None,
        "disabled_reason": sub.disabled_reason,
        "created_at": sub.created_at.isoformat(),
        "previous_secret_valid_until": _iso(sub.previous_valid_until),
        "links": {"self": _url(f"/{sub.id}"), "deliveries": _url(f"/{sub.id}/deliveries")},
    }


def delivery_view(delivery: Delivery, attempts: list[Any]) -> dict[str, Any]:
    """Describe a delivery with its attempts."""
    return {
        "id": delivery.id,
        "webhook_id": delivery.message_id,
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": _iso(delivery.next_attempt_at),
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "created_at": delivery.created_at.isoformat(),
        "updated_at": delivery.updated_at.isoformat(),
        "payload": delivery.payload,
        "attempt_log": [
            {
                "at": a.at.isoformat(),
                "status_code": a.status_code,
                "duration_ms": a.duration_ms,
                "error": a.error,
            }
            for a in attempts
        ],
    }


def _own(subscription_id: int) -> Subscription:
    sub = services.get_subscription(client_id(), subscription_id)
    if sub is None:
        raise ApiProblem(404, _("Not found."))
    return sub


@webhooks_blp.route("")
class SubscriptionCollection(MethodView):
    @secured
    @webhooks_blp.response(200, SubscriptionListSchema)
    def get(self) -> dict[str, Any]:
        """List this client's webhook subscriptions."""
        return {"items": [subscription_view(s) for s in services.subscriptions_of(client_id())]}

    @secured
    @webhooks_blp.arguments(SubscriptionCreateSchema)
    @webhooks_blp.response(201, SubscriptionWithSecretSchema)
    def post(self, body: dict[str, Any]) -> Any:
        """Subscribe an endpoint to event types; the answer holds the secret, this once."""
        try:
            sub, secret = services.create_subscription(
                client_id(), body["url"], body["event_types"], body["description"]
            )
        except services.SubscriptionInvalid as exc:
            raise ApiProblem(
                422,
                _("The request is invalid."),
                kind="validation",
                errors=[{"path": exc.field, "message": exc.message}],
            ) from None
        return {**subscription_view(sub), "secret": secret}, 201, {"Location": _url(f"/{sub.id}")}


@webhooks_blp.route("/<int:subscription_id>")
class SubscriptionItem(MethodView):
    @secured
    @webhooks_blp.response(200, SubscriptionSchema)
    def get(self, subscription_id: int) -> dict[str, Any]:
        """Read one subscription."""
        return subscription_view(_own(subscription_id))

    @secured
    @webhooks_blp.response(204)
    def delete(self, subscription_id: int) -> None:
        """Delete a subscription and its delivery log."""
        services.delete_subscription(_own(subscription_id))


@webhooks_blp.route("/<int:subscription_id>/rotate-secret")
class RotateSecret(MethodView):
    @secured
    @webhooks_blp.response(200, SecretSchema)
    def post(self, subscription_id: int) -> dict[str, Any]:
        """Issue a new secret; messages are signed with old and new for 24 hours."""
        sub = _own(subscription_id)
        secret = services.rotate_secret(sub)
        return {"secret": secret, "previous_secret_valid_until": _iso(sub.previous_valid_until)}


@webhooks_blp.route("/<int:subscription_id>/pause")
class Pause(MethodView):
    @secured
    @webhooks_blp.response(200, SubscriptionSchema)
    def post(self, subscription_id: int) -> dict[str, Any]:
        """Stop sending; events are kept and sent after resume."""
        sub = _own(subscription_id)
        services.pause(sub)
        return subscription_view(sub)


@webhooks_blp.route("/<int:subscription_id>/resume")
class Resume(MethodView):
    @secured
    @webhooks_blp.response(200, SubscriptionSchema)
    def post(self, subscription_id: int) -> dict[str, Any]:
        """Send again (also after a 410 disabled the subscription)."""
        sub = _own(subscription_id)
        services.resume(sub)
        return subscription_view(sub)


@webhooks_blp.route("/<int:subscription_id>/deliveries")
class Deliveries(MethodView):
    @secured
    @webhooks_blp.arguments(DeliveryListQuerySchema, location="query")
    @webhooks_blp.response(200, DeliveryListSchema)
    def get(self, args: dict[str, Any], subscription_id: int) -> dict[str, Any]:
        """Show the delivery log, newest first: attempts, status codes and times."""
        sub = _own(subscription_id)
        rows = services.deliveries_for_subscription(sub.id, limit=args["limit"])
        attempts = services.attempts_of([d.id for d in rows])
        return {"items": [delivery_view(d, attempts[d.id]) for d in rows]}


@webhooks_blp.route("/<int:subscription_id>/deliveries/<int:delivery_id>/redeliver")
class RedeliverOne(MethodView):
    @secured
    @webhooks_blp.response(202, DeliverySchema)
    def post(self, subscription_id: int, delivery_id: int) -> dict[str, Any]:
        """Send one delivery again now, with the same webhook-id."""
        sub = _own(subscription_id)
        delivery = services.get_delivery(sub, delivery_id)
        if delivery is None:
            raise ApiProblem(404, _("Not found."))
        services.redeliver(delivery)
        return delivery_view(delivery, services.attempts_of([delivery.id])[delivery.id])


@webhooks_blp.route("/<int:subscription_id>/redeliver")
class RedeliverSince(MethodView):
    @secured
    @webhooks_blp.arguments(RedeliverQuerySchema, location="query")
    @webhooks_blp.response(202, RedeliveredSchema)
    def post(self, args: dict[str, Any], subscription_id: int) -> dict[str, Any]:
        """Send again every delivery since a time that did not succeed."""
        sub = _own(subscription_id)
        return {"queued": services.redeliver_since(sub, args["since"])}
