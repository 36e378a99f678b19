"""Names the definition language knows."""

from __future__ import annotations

KEY_PATTERN = r"[a-z][a-z0-9_]*"

FIELD_TYPES = frozenset(
    {
        "text",
        "textarea",
        "email",
        "phone",
        "date",
        "number",
        "money",
        "select",
        "radio",
        "checkboxes",
        "yesno",
        "postal_code_de",
        "iban",
        "tax_id_de",
        "country",
        "licence_plate",
        "file",
        "group",
    }
)

#: Functions every expression may call besides CEL's own.
EXPRESSION_FUNCTIONS = frozenset({"today", "days", "age"})

#: What a computed value may be, and the CEL type its expression must have.
COMPUTED_TYPES = {
    "fee": "int",
    "number": "double",
    "text": "string",
    "yesno": "bool",
    "date": "timestamp",
}
