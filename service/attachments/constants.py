"""Fixed values of uploaded files."""

from __future__ import annotations

from enum import StrEnum


class OwnerKind(StrEnum):
    """Who uploaded a file: a resident through the portal, or an API client."""

    USER = "user"
    CLIENT = "client"


#: Longest display name kept of an uploaded file.
MAX_NAME_LENGTH = 120

#: Suffixes of stored files by sniffed type (the stored name is generated, never the upload's).
FILE_SUFFIXES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
}
