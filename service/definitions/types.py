"""Frozen objects that the definition files load into.

A workflow file becomes a `ServiceDefinition` (the engine's `Workflow` plus what the
portal, documents and retention need); a form file becomes a `FormDefinition`. Both are
immutable and shared by every request and worker. The file format is described in
docs/definitions.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from service.definitions.credentials import CredentialDefinition
from service.engine.types import Text, Workflow


@dataclass(frozen=True)
class Option:
    """One choice of a select, radio or checkboxes field."""

    value: str
    label: Text


@dataclass(frozen=True)
class FieldDefinition:
    """One question of a form, or a repeatable group of questions (type `group`)."""

    key: str
    type: str
    label: Text
    help: Text | None = None
    required: bool = False
    #: CEL expression; when true the field is required (evaluated against the whole data).
    required_if: str | None = None
    #: CEL expression; when false the field is hidden, never required, its value dropped.
    visible_if: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    pattern_message: Text | None = None
    #: number/money: a Decimal; date: an ISO date or a relative date like "today - 14 days".
    minimum: Decimal | str | None = None
    maximum: Decimal | str | None = None
    #: What to say instead of the generic text when an answer is below `minimum` or above
    #: `maximum` (written `max: {value: today(), message: {de, en}}`).
    min_message: Text | None = None
    max_message: Text | None = None
    options: tuple[Option, ...] = ()
    #: file: accepted MIME types (checked by content) and maximum size in bytes.
    accept: tuple[str, ...] = ()
    max_size: int | None = None
    #: group: the questions of one item, and how many items are allowed.
    fields: tuple[FieldDefinition, ...] = ()
    min_items: int | None = None
    max_items: int | None = None
    item_label: Text | None = None
    #: Personal data is blanked when the case's retention period ends.
    personal: bool = True
    #: Autocomplete token for the browser (WCAG 1.3.5), e.g. "family-name".
    autocomplete: str | None = None
    line: int = 0


@dataclass(frozen=True)
class Rule:
    """A cross-field rule: `expression` must hold, else `message` is shown on `fields`.

    With severity "flag" a failing rule does not refuse the submission; it marks the
    case for the case worker (e.g. a registration later than the legal two weeks).
    """

    key: str
    expression: str
    message: Text
    fields: tuple[str, ...] = ()
    severity: str = "error"  # "error" or "flag"
    line: int = 0


@dataclass(frozen=True)
class ComputedDefinition:
    """A value computed from the answers, such as a fee: shown everywhere the case is.

    `type` is "fee" (a whole number of cents in `currency`), "number", "text", "yesno"
    or "date". Computed values are worked out from the answers whenever they are shown.
    """

    key: str
    label: Text
    expression: str
    type: str = "number"
    currency: str | None = None
    line: int = 0


@dataclass(frozen=True)
class Page:
    """One page of the form: a heading and the keys of the top-level fields on it."""

    key: str
    title: Text
    fields: tuple[str, ...]
    intro: Text | None = None
    visible_if: str | None = None
    line: int = 0


@dataclass(frozen=True)
class FormDefinition:
    """A form version: pages, fields (top level, by key) and rules."""

    key: str
    version: int
    title: Text
    pages: tuple[Page, ...]
    fields: tuple[FieldDefinition, ...]
    rules: tuple[Rule, ...] = ()
    computed: tuple[ComputedDefinition, ...] = ()
    path: str = ""
    content_hash: str = ""

    def field(self, key: str) -> FieldDefinition:
        """Return the top-level field called `key` or raise KeyError."""
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)


@dataclass(frozen=True)
class DocumentDefinition:
    """A document a workflow issues, rendered from `templates/pdf/<template>/`."""

    key: str
    title: Text
    template: str
    #: The city's office issuing it (a department key of city.yaml); None: the first.
    department: str | None = None
    line: int = 0


@dataclass(frozen=True)
class RoleDefinition:
    """A staff role the workflow names, with a title for the back office."""

    name: str
    title: Text
    line: int = 0


@dataclass(frozen=True)
class ServiceInfo:
    """What the portal's start page says about a service."""

    summary: Text
    requirements: tuple[Text, ...] = ()
    duration: Text | None = None
    legal_basis: Text | None = None
    fee: Text | None = None


@dataclass(frozen=True)
class ServiceDefinition:
    """A workflow version: the engine's workflow plus everything around it."""

    workflow: Workflow
    form_key: str
    reference_prefix: str
    info: ServiceInfo
    roles: tuple[RoleDefinition, ...] = ()
    documents: tuple[DocumentDefinition, ...] = ()
    #: Wallet credentials (SD-JWT VC) the workflow makes available, see credentials.py.
    credentials: tuple[CredentialDefinition, ...] = ()
    #: CEL expression over the case data giving the applicant's display name (search, inbox).
    applicant_name: str | None = None
    #: How long a closed case keeps its personal data; how long an untouched draft lives.
    retention: timedelta | None = None
    draft_ttl: timedelta | None = None
    #: A service being written: hidden from residents, editable without a new version
    #: until its first case.
    draft: bool = False
    path: str = ""
    content_hash: str = ""
    #: The workflow as stored with its version when it `uses:` shared files: the merged
    #: YAML, so a later edit of a shared file never changes a stored version ("" if none).
    resolved_text: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Return the service key (the workflow's key)."""
        return self.workflow.key

    @property
    def version(self) -> int:
        """Return the workflow version."""
        return self.workflow.version

    @property
    def title(self) -> Text:
        """Return the service title."""
        return self.workflow.title
