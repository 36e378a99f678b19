"""The keys of every section of a definition file, as marshmallow schemas.

One schema per section (workflow, info, state, transition, role, document, credential,
claim, form, page, field, option, limit, rule, computed value, city, department, address,
contact, seal, court) says which keys the section has and which it must have. `Reader.keys`
validates a mapping against its schema and maps marshmallow's errors (keyed by the key)
back to the lines `yamlio.LineDict` remembers: an unknown key is refused with the allowed
keys listed, a missing key is reported at the section's line. A transition input is a
field (its `name` is read as the field's `key`), so it has the field's schema.

The values are read and type-checked by `Reader` (its messages name the item, like
"field 'email': 'max_length' must be a whole number >= 1").
"""

from __future__ import annotations

from typing import cast

from marshmallow import RAISE, Schema, fields


class Section(Schema):
    """A section of a definition file: unknown keys are mistakes."""

    class Meta:
        unknown = RAISE

    #: The keys the section allows, in the order the schema declares them.
    allowed: tuple[str, ...] = ()


def section(name: str, required: str, optional: str = "") -> Section:
    """Return the schema of a section with `required` and `optional` keys (space-separated)."""
    declared: dict[str, fields.Field] = {
        key: fields.Raw(required=True, allow_none=True) for key in required.split()
    }
    declared |= {key: fields.Raw(allow_none=True) for key in optional.split()}
    schema = cast(Section, Section.from_dict(declared, name=f"{name.title()}Schema")())
    schema.allowed = tuple(declared)
    return schema


# ------------------------------------------------------------------------ workflows

WORKFLOW = section(
    "workflow",
    required="key version title form reference_prefix states transitions",
    optional="applicant_name retention draft_ttl draft info roles documents credentials",
)
INFO = section("info", required="summary", optional="requirements duration legal_basis fee")
STATE = section(
    "state",
    required="name title",
    optional="initial final deadline pauses_clock resident_text",
)
TRANSITION = section(
    "transition",
    required="name title from to roles",
    optional="inputs guard guard_message distinct_from approvals documents events notify",
)
ROLE = section("role", required="name title")
DOCUMENT = section("document", required="key title template", optional="department")
CREDENTIAL = section(
    "credential",
    required="key title issued_by claims",
    optional="description revoked_by valid_from valid_for",
)
CLAIM = section("claim", required="name label value", optional="disclosable")

# ------------------------------------------------------------------------ forms

FORM = section("form", required="key version title pages fields", optional="rules computed")
PAGE = section("page", required="key title fields", optional="intro visible_if")
FIELD = section(
    "field",
    required="key type label",
    optional="help required required_if visible_if min_length max_length pattern "
    "pattern_message min max options accept max_size fields min_items max_items item_label "
    "personal autocomplete",
)
OPTION = section("option", required="value label")
LIMIT = section("limit", required="value message")
RULE = section("rule", required="key expression message", optional="fields severity")
COMPUTED = section("computed value", required="key label expression", optional="type currency")

# ------------------------------------------------------------------------ city.yaml

CITY = section(
    "city",
    required="name short_name title address departments",
    optional="contact logo seal court",
)
DEPARTMENT = section("department", required="key name", optional="address")
ADDRESS = section("address", required="street postal_code town")
CONTACT = section("contact", required="", optional="email phone website")
SEAL = section("seal", required="", optional="organisation text")
COURT = section("court", required="name address")
