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
ISSUER_DEPARTMENT = "Amt für Einwohnerwesen – Bürgerbüro"
#: Common name of the development seal certificate (never used in production).
DEV_SEAL_COMMON_NAME = "Landeshauptstadt Düsseldorf (Entwicklung)"
#: Random bytes in a verification code: 15 bytes are 24 base32 characters (120 bits).
CODE_BYTES = 15
#: Space reserved in the PDF for the signature container (an ECDSA or RSA-4096 seal fits).
SEAL_BYTES_RESERVED = 16384
