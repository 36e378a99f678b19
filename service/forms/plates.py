"""German licence plates (amtliche Kennzeichen) in their official written form.

`d ab1234`, `D AB 1234` and `D-AB-1234` are one plate: `D-AB 1234`. The form is that of
the Fahrzeug-Zulassungsverordnung (FZV, Anlage 4): a district code of 1-3 letters, 1-2
recognition letters, a number of 1-4 digits without a leading zero, at most 8 characters
together, and an optional `E` (electric) or `H` (historic) after the number. Written here
because python-stdnum and the other maintained libraries know no German plates.
"""

from __future__ import annotations

import re

_PLATE = re.compile(
    r"(?P<district>[A-ZÄÖÜ]{1,3})[\s-]+(?P<letters>[A-Z]{1,2})[\s-]*"
    r"(?P<number>[1-9][0-9]{0,3})(?P<suffix>[EH]?)"
)
#: The official written form, for validation messages and JSON Schema.
PLATE_PATTERN = r"^[A-ZÄÖÜ]{1,3}-[A-Z]{1,2} [1-9][0-9]{0,3}[EH]?$"


def normalise_plate(text: str) -> str | None:
    """Return `text` as an official plate (`D-AB 1234`), or None if it is not one."""
    match = _PLATE.fullmatch(" ".join(text.upper().split()))
    if match is None:
        return None
    district, letters, number, suffix = match.group("district", "letters", "number", "suffix")
    if len(district) + len(letters) + len(number) > 8:
        return None
    return f"{district}-{letters} {number}{suffix}"
