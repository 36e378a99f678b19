"""Request and response shapes of the integrator API (marshmallow, documented in OpenAPI)."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import fields, validate

from service.api.constants import (
    DEFAULT_PAGE_SIZE,
    IDEMPOTENCY_HEADER,
    IDEMPOTENCY_KEY_MAX,
    MAX_PAGE_SIZE,
)


class Schema(ma.Schema):
    """Refuse unknown fields, so that a typo is an error instead of silently ignored."""

    class Meta:
        unknown = ma.RAISE


class ProblemItemSchema(Schema):
    path = fields.String(
        required=True, metadata={"description": "Field path, e.g. persons[1].birth_date"}
    )
    message = fields.String(required=True)


class ProblemSchema(Schema):
    """An error (RFC 9457 problem details)."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    instance = fields.String()
    errors = fields.List(fields.Nested(ProblemItemSchema))
    reason = fields.String(metadata={"description": "Why a transition was refused"})


class TextSchema(Schema):
    de = fields.String(required=True)
    en = fields.String(required=True)


class ServiceSummarySchema(Schema):
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    title = fields.Nested(TextSchema, required=True)
    links = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class StateSchema(Schema):
    name = fields.String(required=True)
    title = fields.Nested(TextSchema, required=True)
    initial = fields.Boolean(required=True)
    final = fields.Boolean(required=True)


class InputOptionSchema(Schema):
    value = fields.String(required=True)
    label = fields.Nested(TextSchema, required=True)


class TransitionInputSchema(Schema):
    name = fields.String(required=True)
    label = fields.Nested(TextSchema, required=True)
    type = fields.String(required=True, metadata={"description": "A form field type"})
    required = fields.Boolean(required=True)
    max_length = fields.Integer(required=True)
    options = fields.List(fields.Nested(InputOptionSchema), required=True)
    accept = fields.List(
        fields.String(),
        metadata={"description": "A file input's accepted MIME types (checked by content)"},
    )
    max_size = fields.Integer(
        allow_none=True, metadata={"description": "A file input's largest size in bytes"}
    )


class TransitionSchema(Schema):
    name = fields.String(required=True)
    title = fields.Nested(TextSchema, required=True)
    sources = fields.List(fields.String(), required=True, data_key="from")
    target = fields.String(required=True, data_key="to")
    roles = fields.List(fields.String(), required=True)
    inputs = fields.List(fields.Nested(TransitionInputSchema), required=True)
    events = fields.List(fields.String(), required=True)


class ServiceDetailSchema(ServiceSummarySchema):
    form_key = fields.String(required=True)
    form_version = fields.Integer(required=True)
    form_schema = fields.Dict(
        required=True, metadata={"description": "JSON Schema (2020-12) of the case data"}
    )
    states = fields.List(fields.Nested(StateSchema), required=True)
    transitions = fields.List(
        fields.Nested(TransitionSchema),
        required=True,
        metadata={
            "description": "Every transition, in the order a case offers them: the "
            "workflow's own first, staff steps from shared files (ask, reject) after"
        },
    )
    event_types = fields.List(fields.String(), required=True)


class ServiceListSchema(Schema):
    items = fields.List(fields.Nested(ServiceSummarySchema), required=True)


class ApplicantSchema(Schema):
    issuer = fields.String(
        validate=validate.Length(min=1, max=255),
        metadata={"description": "Identity provider of the resident; default api:<client_id>"},
    )
    subject = fields.String(required=True, validate=validate.Length(min=1, max=255))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(validate=validate.Length(max=255))


class CaseSubmitSchema(Schema):
    service = fields.String(required=True, validate=validate.Length(min=1, max=64))
    applicant = fields.Nested(ApplicantSchema, required=True)
    # No `keys=fields.String()`: JSON keys are always strings, and loading each through a
    # field took two thirds of this schema's load (the OpenAPI document is the same).
    data = fields.Dict(required=True)
    lang = fields.String(load_default="de", validate=validate.OneOf(["de", "en"]))


class AvailableTransitionSchema(Schema):
    name = fields.String(required=True)
    allowed = fields.Boolean(required=True)
    reason = fields.String(allow_none=True)


class ComputedSchema(Schema):
    key = fields.String(required=True)
    type = fields.String(
        required=True,
        metadata={"description": "fee (value in cents of currency), number, text, yesno, date"},
    )
    value = fields.Raw(allow_none=True, required=True)
    currency = fields.String(metadata={"description": "ISO 4217 code; fees only"})
    label = fields.Nested(TextSchema, required=True)


class FlagSchema(Schema):
    key = fields.String(required=True)
    message = fields.Nested(TextSchema, required=True)


class CaseSchema(Schema):
    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    service = fields.String(required=True)
    workflow_version = fields.Integer(required=True)
    form_version = fields.Integer(required=True)
    state = fields.String(required=True)
    state_title = fields.Nested(TextSchema, required=True)
    state_text = fields.Nested(
        TextSchema,
        allow_none=True,
        required=True,
        metadata={"description": "What the resident is told in this state (resident_text)"},
    )
    version = fields.Integer(required=True, metadata={"description": "Pass as expected_version"})
    submitted_at = fields.String(required=True)
    updated_at = fields.String(required=True)
    closed_at = fields.String(allow_none=True, required=True)
    submitted_by = fields.String(allow_none=True, required=True)
    data = fields.Dict(metadata={"description": "The case data (only with scope cases:read)"})
    computed = fields.List(
        fields.Nested(ComputedSchema),
        metadata={"description": "Values computed from the data, such as fees (with data)"},
    )
    flags = fields.List(
        fields.Nested(FlagSchema),
        metadata={"description": "Rules the answers failed without refusal (with data)"},
    )
    country_names = fields.Dict(
        keys=fields.String(),
        metadata={
            "description": "Every country answer of `data` as {code, name: {de, en}}, in the "
            "shape of `data` (a group as a list of items; with data)"
        },
    )
    transitions = fields.List(
        fields.Nested(AvailableTransitionSchema),
        required=True,
        metadata={
            "description": "The transitions out of the case's state that concern the "
            "client, allowed or not, in the order the service description lists them"
        },
    )
    links = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class CaseListQuerySchema(Schema):
    service = fields.String(validate=validate.Length(max=64))
    state = fields.String(validate=validate.Length(max=64))
    updated_since = fields.AwareDateTime(format="iso")
    cursor = fields.String(validate=validate.Length(max=500))
    limit = fields.Integer(
        load_default=DEFAULT_PAGE_SIZE, validate=validate.Range(min=1, max=MAX_PAGE_SIZE)
    )


class CaseListSchema(Schema):
    items = fields.List(fields.Nested(CaseSchema), required=True)
    next = fields.String(allow_none=True, required=True, metadata={"description": "Next page"})


class TransitionRequestSchema(Schema):
    transition = fields.String(required=True, validate=validate.Length(min=1, max=64))
    inputs = fields.Dict(
        # Typed like form answers: text, "YYYY-MM-DD", a number, true/false, a list.
        keys=fields.String(validate=validate.Length(max=64)), values=fields.Raw(allow_none=True),
        load_default=dict,
    )  # fmt: skip
    expected_version = fields.Integer(validate=validate.Range(min=0, max=2**31 - 1))


class TransitionResultSchema(Schema):
    completed = fields.Boolean(
        required=True,
        metadata={"description": "False when only one of several approvals was recorded"},
    )
    case = fields.Nested(CaseSchema, required=True)


class DocumentSchema(Schema):
    id = fields.String(required=True)
    document = fields.String(required=True)
    status = fields.String(
        required=True, metadata={"description": "Always `issued`: only issued documents are listed"}
    )
    content_type = fields.String(required=True)
    size = fields.Integer(allow_none=True)
    created_at = fields.String(allow_none=True)
    links = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class DocumentListSchema(Schema):
    items = fields.List(fields.Nested(DocumentSchema), required=True)


class IdempotencyHeaderSchema(Schema):
    """The Idempotency-Key header (checked in the view: missing answers 400, not 422)."""

    class Meta:
        unknown = ma.EXCLUDE

    idempotency_key = fields.String(
        data_key=IDEMPOTENCY_HEADER, validate=validate.Length(min=1, max=IDEMPOTENCY_KEY_MAX)
    )


class UploadFormSchema(Schema):
    service = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "Key of the service whose form the file answers"},
    )
    field = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "Key of the form's file field (its types and size limit apply)"},
    )
    transition = fields.String(
        validate=validate.Length(min=1, max=64),
        metadata={
            "description": "Name of a transition of the service: `field` then names its "
            "`file` input (a decision's attachment) instead of a form field"
        },
    )


class UploadFileSchema(Schema):
    file = Upload(required=True, metadata={"description": "The file's content"})


class UploadSchema(Schema):
    """An uploaded file; put this object (or its id) into the file field's answer."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    content_type = fields.String(
        required=True, metadata={"description": "The type its content shows (not the claim)"}
    )
    size = fields.Integer(required=True)
