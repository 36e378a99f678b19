"""Field types and other fixed values of the form language."""

from __future__ import annotations

from enum import StrEnum


class FieldType(StrEnum):
    """The field types of docs/definitions.md."""

    TEXT = "text"
    TEXTAREA = "textarea"
    EMAIL = "email"
    PHONE = "phone"
    DATE = "date"
    NUMBER = "number"
    MONEY = "money"
    SELECT = "select"
    RADIO = "radio"
    CHECKBOXES = "checkboxes"
    YESNO = "yesno"
    POSTAL_CODE_DE = "postal_code_de"
    IBAN = "iban"
    TAX_ID_DE = "tax_id_de"
    COUNTRY = "country"
    LICENCE_PLATE = "licence_plate"
    FILE = "file"
    GROUP = "group"


class Severity(StrEnum):
    """What a failing cross-field rule does."""

    ERROR = "error"  # refuse the answers
    FLAG = "flag"  # accept them, but mark the case for the case worker


#: Types whose answer is picked, not typed (their "required" message says "select").
CHOICE_TYPES = frozenset(
    {FieldType.SELECT, FieldType.RADIO, FieldType.CHECKBOXES, FieldType.YESNO, FieldType.COUNTRY}
)

#: Values of a form page's submit buttons (name="action"): "continue", "save",
#: "add:persons", "remove:persons:1", "remove-file:landlord_confirmation" (or the
#: item's input name, "remove-file:persons-0-id_copy").
ACTION_CONTINUE = "continue"
ACTION_SAVE = "save"
ACTION_ADD = "add"
ACTION_REMOVE = "remove"
ACTION_REMOVE_FILE = "remove-file"
#: Hidden input: the conditional questions a page showed when it was sent.
POST_SHOWN = "_shown"

#: Region for phone numbers given without an international prefix.
PHONE_REGION = "DE"

#: HTML values of the two yes/no radio buttons.
YES = "yes"
NO = "no"

#: Readable names of the MIME types a file field may accept.
MIME_NAMES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/tiff": "TIFF",
    "image/webp": "WebP",
    "image/heic": "HEIC",
}
