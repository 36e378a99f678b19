"""Names used in the audit trail and the outbox."""

from __future__ import annotations

from enum import StrEnum


class AuditAction(StrEnum):
    """What an audit event records."""

    SUBMITTED = "submitted"
    TRANSITION = "transition"
    APPROVAL = "approval"  # one of several required approvals, the case did not move yet
    ASSIGNED = "assigned"
    NOTE = "note"
    LEGAL_HOLD = "legal_hold"
    ANONYMISED = "anonymised"
    ESCALATED = "escalated"  # the deadline passed; recorded by the daily escalation
    CREDENTIAL_ISSUED = "credential_issued"  # a wallet received a credential of the case
    RECHAINED = "rechained"  # events from before the keyed chain got keyed hashes


class Effect(StrEnum):
    """Kinds of outbox items the cases package queues; handlers live in other packages."""

    RENDER_DOCUMENT = "document.render"
    WEBHOOK_EVENT = "webhook.event"
    EMAIL = "email.send"
    AUDIT_LEAF = "audit.leaf"


#: Webhook event types every workflow emits.
CASE_SUBMITTED = "case.submitted"
CASE_TRANSITIONED = "case.transitioned"
CASE_DOCUMENT_READY = "case.document_ready"


class CaseViewer(StrEnum):
    """Who looks at a case; `cases.case_view.case_view` decides what each one sees."""

    #: The applicant in the portal: the computed values, not the case workers' flags.
    RESIDENT = "resident"
    #: An integrator through the API with `cases:read`: computed values and flags.
    CLIENT = "client"
    #: A case worker in the back office: computed values and flags.
    STAFF = "staff"
