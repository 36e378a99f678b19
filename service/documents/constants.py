"""Statuses and fixed texts of issued documents."""

from __future__ import annotations

from enum import StrEnum


class DocumentStatus(StrEnum):
    """Life of a document: pending → rendered, or failed (retried by the outbox)."""

    PENDING = "pending"
    RENDERED = "rendered"
    FAILED = "failed"


class Viewer(StrEnum):
    """Who looks at a case's documents; `documents.services.visible_documents` decides."""

    #: The applicant in the portal: issued, not withdrawn documents only.
    RESIDENT = "resident"
    #: An integrator through the API: the same as the resident.
    CLIENT = "client"
    #: A case worker in the back office: every document with its status.
    STAFF = "staff"


#: The issuing authority (name, offices, seal text) is the city of city.yaml.
#: Added to the city's name in the development seal certificate (never used in production).
DEV_SEAL_SUFFIX = " (Entwicklung)"
#: Random bytes in a verification code: 15 bytes are 24 base32 characters (120 bits).
CODE_BYTES = 15
#: Hex digits reserved in the PDF for the signature container (8 KiB: an ECDSA or RSA seal
#: with a short chain fits; a longer one falls back to pyHanko's own estimate).
SEAL_BYTES_RESERVED = 16384
