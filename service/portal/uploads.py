"""Residents' uploads: checked by content, stored under generated names, owner-only."""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy import select

from service.definitions.types import FieldDefinition
from service.engine.types import Text
from service.extensions import db
from service.forms.services import check_upload
from service.portal.constants import (
    FILE_SUFFIXES,
    MAX_NAME_LENGTH,
    REPLY_FILE_ACCEPT,
    REPLY_FILE_MAX_SIZE,
)
from service.portal.models import Draft, Upload
from service.storage.services import get_storage, sha256


class IncomingFile(Protocol):
    """An uploaded file as werkzeug's FileStorage offers it."""

    filename: str | None

    def read(self) -> bytes: ...


def safe_file_name(name: str) -> str:
    """Return a display name: no path, no control or markup characters, limited length."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C" and c not in '<>:"|?*')
    name = name.strip(" .")
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        name = (
            (stem[: MAX_NAME_LENGTH - len(ext) - 1] + dot + ext) if dot else name[:MAX_NAME_LENGTH]
        )
    return name or "upload"


def store_upload(
    owner_id: int,
    definition: FieldDefinition,
    content: bytes,
    filename: str,
    lang: str,
    *,
    draft: Draft | None = None,
    case_id: int | None = None,
) -> Upload:
    """Check a file by its content, store it under a generated name and record it.

    Raises ValidationFailed (keyed by the field) when the type or size is not allowed.
    """
    name = safe_file_name(filename)
    content_type = check_upload(definition, content, name, lang)
    key = get_storage().put(content, suffix=FILE_SUFFIXES.get(content_type, ""))
    upload = Upload(
        id=secrets.token_hex(16),
        owner_id=owner_id,
        storage_key=key,
        original_name=name,
        content_type=content_type,
        size=len(content),
        sha256=sha256(content),
        draft_id=draft.id if draft is not None else None,
        case_id=case_id,
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def upload_for_owner(upload_id: str, owner_id: int) -> Upload | None:
    """Return the upload when `owner_id` uploaded it, else None."""
    upload = db.session.get(Upload, upload_id)
    return upload if upload is not None and upload.owner_id == owner_id else None


def read_upload(upload: Upload) -> bytes:
    """Return the stored bytes of an upload."""
    return get_storage().get(upload.storage_key)


def uploads_for_case(case_id: int) -> list[Upload]:
    """Return the files that belong to a case (answers and replies), oldest first."""
    return list(
        db.session.scalars(
            select(Upload).where(Upload.case_id == case_id).order_by(Upload.created_at, Upload.id)
        )
    )


def file_lookup(owner_id: int) -> Any:
    """Return the forms package's upload lookup, limited to the owner's files."""

    def lookup(upload_id: str) -> Mapping[str, Any] | None:
        upload = upload_for_owner(str(upload_id), owner_id)
        return upload.as_answer() if upload is not None else None

    return lookup


REPLY_FILE_FIELD = FieldDefinition(
    key="files",
    type="file",
    label=Text(de="Dateien", en="Files"),
    accept=REPLY_FILE_ACCEPT,
    max_size=REPLY_FILE_MAX_SIZE,
)
