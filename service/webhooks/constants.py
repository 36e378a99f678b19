"""Event types, delivery statuses and the retry schedule of webhooks."""

from __future__ import annotations

from enum import StrEnum

from service.audit.constants import AUDIT_CHECKPOINT
from service.cases.constants import CASE_DOCUMENT_READY, CASE_SUBMITTED, CASE_TRANSITIONED

#: Every event type a subscription can ask for.
EVENT_TYPES = (
    CASE_SUBMITTED,
    CASE_TRANSITIONED,
    "case.approved",
    "case.rejected",
    CASE_DOCUMENT_READY,
    AUDIT_CHECKPOINT,
)

#: Outbox kinds: fan an event out to subscriptions, deliver one message.
FAN_OUT = "webhook.event"
DELIVER = "webhook.deliver"


class DeliveryStatus(StrEnum):
    """Life of a delivery: pending until a 2xx (succeeded), failed while retrying, then dead."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    DEAD = "dead"


#: Seconds to wait before each retry: the Standard Webhooks schedule (5 s, 5 min, 30 min,
#: 2 h, 5 h, 10 h, 10 h: about 28 hours) followed by two daily retries, so that a receiver
#: that is down over a long weekend still gets the event: ten attempts over about three
#: days, with jitter so that many failed deliveries do not all retry at the same instant.
RETRY_SCHEDULE = (
    5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600, 24 * 3600, 24 * 3600,
)  # fmt: skip
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1
TIMEOUT_SECONDS = 10
#: An old secret keeps signing for this long after a rotation.
ROTATION_OVERLAP_HOURS = 24
SECRET_PREFIX = "whsec_"
MESSAGE_ID_PREFIX = "msg_"
