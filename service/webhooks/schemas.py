"""Request and response shapes of the webhook subscription API."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from service.webhooks.constants import EVENT_TYPES, DeliveryStatus


class Schema(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class SubscriptionCreateSchema(Schema):
    url = fields.Url(
        required=True, schemes={"http", "https"}, require_tld=False,
        validate=validate.Length(max=2000),
        metadata={"description": "https outside development; no private addresses"},
    )  # fmt: skip
    event_types = fields.List(
        fields.String(validate=validate.OneOf(EVENT_TYPES)),
        required=True, validate=validate.Length(min=1, max=len(EVENT_TYPES)),
    )  # fmt: skip
    description = fields.String(load_default="", validate=validate.Length(max=200))


class SubscriptionSchema(Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    event_types = fields.List(fields.String(), required=True)
    description = fields.String(required=True)
    paused = fields.Boolean(required=True)
    disabled = fields.Boolean(
        required=True,
        metadata={"description": "Delivery stopped for good (410 Gone); resume enables it"},
    )
    disabled_reason = fields.String(allow_none=True, required=True)
    created_at = fields.String(required=True)
    previous_secret_valid_until = fields.String(allow_none=True, required=True)
    links = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class SubscriptionWithSecretSchema(SubscriptionSchema):
    secret = fields.String(
        required=True, metadata={"description": "Signing secret (whsec_...), shown only once"}
    )


class SubscriptionListSchema(Schema):
    items = fields.List(fields.Nested(SubscriptionSchema), required=True)


class SecretSchema(Schema):
    secret = fields.String(required=True, metadata={"description": "The new secret, shown once"})
    previous_secret_valid_until = fields.String(required=True)


class AttemptSchema(Schema):
    at = fields.String(required=True)
    status_code = fields.Integer(allow_none=True, required=True)
    duration_ms = fields.Integer(required=True)
    error = fields.String(allow_none=True, required=True)


class DeliverySchema(Schema):
    id = fields.Integer(required=True)
    webhook_id = fields.String(required=True)
    event_type = fields.String(required=True)
    status = fields.String(
        required=True, validate=validate.OneOf([s.value for s in DeliveryStatus])
    )
    attempts = fields.Integer(required=True)
    next_attempt_at = fields.String(allow_none=True, required=True)
    last_status_code = fields.Integer(allow_none=True, required=True)
    last_error = fields.String(allow_none=True, required=True)
    created_at = fields.String(required=True)
    updated_at = fields.String(required=True)
    payload = fields.Dict(required=True)
    attempt_log = fields.List(fields.Nested(AttemptSchema), required=True)


class DeliveryListSchema(Schema):
    items = fields.List(fields.Nested(DeliverySchema), required=True)


class DeliveryListQuerySchema(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class RedeliverQuerySchema(Schema):
    since = fields.AwareDateTime(format="iso", required=True)


class RedeliveredSchema(Schema):
    queued = fields.Integer(required=True)
