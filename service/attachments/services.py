"""The public API of uploaded files, used by every face (portal, back office, API).

A file is checked by its content (the one check for all faces, `check_file`), stored
under a generated name and recorded with its owner: a resident or an API client. An
owner sees only their own uploads; answers may name only their submitter's uploads; a
submitted case binds the uploads it names, and from then on a file is served only
through that case.
"""

from __future__ import annotations

import contextlib
import secrets
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select

from service.attachments.constants import FILE_SUFFIXES, MAX_NAME_LENGTH, OwnerKind
from service.attachments.errors import UploadRefused
from service.attachments.models import Upload
from service.definitions.types import FieldDefinition
from service.extensions import db
from service.forms.files import FileAnswer, upload_ids
from service.forms.services import FileLookup, labelled
from service.forms.uploads import upload_problems
from service.scanning import services as scanning
from service.storage.services import FileMissing, get_storage, sha256

__all__ = [
    "FileMissing",
    "IncomingFile",
    "Owner",
    "Refusal",
    "Upload",
    "UploadRefused",
    "bind_to_case",
    "case_upload",
    "check_file",
    "check_files",
    "delete_draft_uploads",
    "file_lookup",
    "file_verdict",
    "owned_uploads",
    "read_upload",
    "safe_file_name",
    "store_or_refuse",
    "store_upload",
    "upload_for",
    "uploads_for_case",
]


class IncomingFile(Protocol):
    """An uploaded file as werkzeug's FileStorage offers it."""

    filename: str | None

    def read(self) -> bytes: ...


@dataclass(frozen=True)
class Owner:
    """Who uploaded a file and may name it in answers: a resident or an API client."""

    kind: OwnerKind
    id: str

    @classmethod
    def user(cls, user_id: int) -> Owner:
        """Return the owner for a resident (a row of `users`)."""
        return cls(OwnerKind.USER, str(user_id))

    @classmethod
    def client(cls, client_id: str) -> Owner:
        """Return the owner for an API client."""
        return cls(OwnerKind.CLIENT, client_id)

    def owns(self, upload: Upload) -> bool:
        """Say whether this owner uploaded `upload`."""
        if self.kind == OwnerKind.USER:
            return upload.owner_id is not None and str(upload.owner_id) == self.id
        return upload.owner_client is not None and upload.owner_client == self.id

    def columns(self) -> dict[str, Any]:
        """Return the model's owner columns for this owner."""
        if self.kind == OwnerKind.USER:
            return {"owner_id": int(self.id), "owner_client": None}
        return {"owner_id": None, "owner_client": self.id}


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


@dataclass(frozen=True)
class Refusal:
    """Why a file is not accepted: one message per problem, each naming field and file."""

    messages: list[str]


def file_verdict(
    definition: FieldDefinition, content: bytes, filename: str, lang: str
) -> str | Refusal:
    """Return the sniffed MIME type of a file for `definition`, or why it is refused.

    The one content check of every face (portal pages, replies, the API, the back
    office): type by content, size, active PDF content and the virus scanner. Raises
    ScannerUnavailable (503) when the scanner cannot say: a file nobody scanned is never
    stored.
    """
    name = safe_file_name(filename)
    content_type, problems = upload_problems(definition, content, name, lang)
    if not problems:
        label = definition.label.get(lang)
        found = scanning.file_problems(content, content_type, name, lang)
        problems = [labelled(lang, label, p) for p in found]
    return Refusal(problems) if problems else content_type


def check_file(
    definition: FieldDefinition, content: bytes, filename: str, lang: str, *, path: str = ""
) -> str:
    """Return the sniffed MIME type of a file for `definition`, or raise UploadRefused.

    The refusal is under `path` (the field's key when not given).
    """
    verdict = file_verdict(definition, content, filename, lang)
    if isinstance(verdict, Refusal):
        raise UploadRefused(path or definition.key, verdict.messages)
    return verdict


def check_files(
    definition: FieldDefinition, files: Sequence[tuple[str, bytes]], lang: str, *, path: str
) -> None:
    """Check each (file name, content); raise one UploadRefused under `path` for them all.

    Its messages are every refused file's, in the order the files came.
    """
    messages: list[str] = []
    for filename, content in files:
        verdict = file_verdict(definition, content, filename, lang)
        if isinstance(verdict, Refusal):
            messages.extend(verdict.messages)
    if messages:
        raise UploadRefused(path, messages)


def store_upload(
    owner: Owner,
    definition: FieldDefinition,
    content: bytes,
    filename: str,
    lang: str,
    *,
    path: str = "",
    draft_id: int | None = None,
    case_id: int | None = None,
) -> Upload:
    """Check a file by its content, store it under a generated name and record it.

    Raises UploadRefused under `path` (the field's key when not given) when the file is
    refused: its type, its size, active content or malware.
    """
    stored = store_or_refuse(
        owner, definition, content, filename, lang, draft_id=draft_id, case_id=case_id
    )
    if isinstance(stored, Refusal):
        raise UploadRefused(path or definition.key, stored.messages)
    return stored


def store_or_refuse(
    owner: Owner,
    definition: FieldDefinition,
    content: bytes,
    filename: str,
    lang: str,
    *,
    draft_id: int | None = None,
    case_id: int | None = None,
) -> Upload | Refusal:
    """Check a file by its content and store and record it; or return why it is refused.

    For a caller to whom a refused file is part of its answer, not a failure (a form page
    keeps it beside its question while the page is saved).
    """
    name = safe_file_name(filename)
    verdict = file_verdict(definition, content, name, lang)
    if isinstance(verdict, Refusal):
        return verdict
    key = get_storage().put(content, suffix=FILE_SUFFIXES.get(verdict, ""))
    upload = Upload(
        id=secrets.token_hex(16),
        storage_key=key,
        original_name=name,
        content_type=verdict,
        size=len(content),
        sha256=sha256(content),
        draft_id=draft_id,
        case_id=case_id,
        **owner.columns(),
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def upload_for(upload_id: str, owner: Owner) -> Upload | None:
    """Return the upload when `owner` uploaded it, else None (unknown and foreign alike)."""
    upload = db.session.get(Upload, str(upload_id)[:32])
    return upload if upload is not None and owner.owns(upload) else None


def file_lookup(owner: Owner) -> FileLookup:
    """Return the forms package's upload lookup, limited to the owner's unbound files.

    An upload already bound to a case cannot be named by another case's answers.
    """

    def lookup(upload_id: str) -> Mapping[str, Any] | None:
        upload = upload_for(str(upload_id), owner)
        if upload is None or upload.case_id is not None:
            return None
        return upload.as_answer()

    return lookup


def owned_uploads(answers: Iterable[FileAnswer], owner: Owner) -> list[Upload]:
    """Return the uploads the answers name that `owner` uploaded (others are left out)."""
    ids = upload_ids(answers)
    if not ids:
        return []
    found = db.session.scalars(select(Upload).where(Upload.id.in_(sorted(ids))))
    return [u for u in found if owner.owns(u)]


def bind_to_case(answers: Iterable[FileAnswer], owner: Owner, case_id: int) -> None:
    """Bind the owner's uploads that the answers name to the case they were submitted with."""
    for upload in owned_uploads(answers, owner):
        if upload.case_id is None:
            upload.case_id = case_id
    db.session.flush()


def read_upload(upload: Upload) -> bytes:
    """Return the stored bytes of an upload (raises FileMissing when gone)."""
    return get_storage().get(upload.storage_key)


def case_upload(case_id: int, upload_id: str) -> Upload | None:
    """Return an upload bound to the case, else None (ids cannot be probed across cases)."""
    upload = db.session.get(Upload, str(upload_id)[:32])
    return upload if upload is not None and upload.case_id == case_id else None


def uploads_for_case(case_id: int) -> list[Upload]:
    """Return the files that belong to a case (answers and replies), oldest first."""
    return list(
        db.session.scalars(
            select(Upload).where(Upload.case_id == case_id).order_by(Upload.created_at, Upload.id)
        )
    )


def delete_draft_uploads(draft_id: int) -> int:
    """Delete the files uploaded only for a draft (not bound to a case); return how many."""
    uploads = db.session.scalars(
        select(Upload).where(Upload.draft_id == draft_id, Upload.case_id.is_(None))
    ).all()
    storage = get_storage()
    for upload in uploads:
        with contextlib.suppress(FileMissing):  # already gone is what we wanted
            storage.delete(upload.storage_key)
        db.session.delete(upload)
    db.session.flush()
    return len(uploads)
