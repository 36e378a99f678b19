"""Statuses and fixed texts of issued documents."""

from __future__ import annotations

from enum import StrEnum


class DocumentStatus(StrEnum):
    """Life of a document: pending → rendered, or failed (retried by the outbox)."""

    PENDING = "pending"
    RENDERED = "rendered"
    FAILED = "failed"


#: The issuing authority, printed in the letterhead and shown on the verification page.
ISSUER = "Landeshauptstadt Düsseldorf"
ISSUER_DEPARTMENT = "Amt für Einwohnerwesen \N{EN DASH} Bürgerbüro"
#: Common name of the development seal certificate (never used in production).
DEV_SEAL_COMMON_NAME = "Landeshauptstadt Düsseldorf (Entwicklung)"
#: Random bytes in a verification code: 15 bytes are 24 base32 characters (120 bits).
CODE_BYTES = 15
#: Hex digits reserved in the PDF for the signature container (8 KiB: an ECDSA or RSA seal
#: with a short chain fits; a longer one falls back to pyHanko's own estimate).
SEAL_BYTES_RESERVED = 16384
