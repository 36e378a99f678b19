"""The portal's side of uploads: residents' files through `service.attachments`."""

from __future__ import annotations

from service.attachments.services import (
    IncomingFile,
    Owner,
    Upload,
    file_lookup,
    read_upload,
    safe_file_name,
    store_upload,
    upload_for,
    uploads_for_case,
)
from service.definitions.types import FieldDefinition
from service.engine.types import Text
from service.forms.services import FileLookup
from service.portal.constants import REPLY_FILE_ACCEPT, REPLY_FILE_MAX_SIZE

__all__ = [
    "REPLY_FILE_FIELD",
    "IncomingFile",
    "read_upload",
    "resident_files",
    "safe_file_name",
    "store_upload",
    "upload_for_owner",
    "uploads_for_case",
]


def upload_for_owner(upload_id: str, owner_id: int) -> Upload | None:
    """Return the upload when the resident `owner_id` uploaded it, else None."""
    return upload_for(upload_id, Owner.user(owner_id))


def resident_files(owner_id: int) -> FileLookup:
    """Return the forms package's upload lookup, limited to the resident's unbound files."""
    return file_lookup(Owner.user(owner_id))


REPLY_FILE_FIELD = FieldDefinition(
    key="files",
    type="file",
    label=Text(de="Dateien", en="Files"),
    accept=REPLY_FILE_ACCEPT,
    max_size=REPLY_FILE_MAX_SIZE,
)
