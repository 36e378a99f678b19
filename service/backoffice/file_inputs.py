"""A transition's `file` inputs in the back office: checked, stored, named by the decision.

The files posted with a transition form are checked and stored by the same upload service
as the portal's (`attachments.store_upload`: type by content, size, the virus scanner),
owned by the staff member and bound to the case. The transition then fires with each
stored upload's answer (`FileAnswer.as_value()`) as the input's value, and the uploads are
linked to the transition's audit event. A refused file, or a refused transition, changes
nothing: the request's transaction is rolled back and the stored bytes are deleted.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import request
from sqlalchemy import select

from service.attachments.services import FileMissing, Owner, Upload, store_upload
from service.auth.models import User
from service.cases.models import AuditEvent, Case
from service.cases.services import service_for
from service.extensions import db
from service.forms.constants import FieldType
from service.storage.services import get_storage


@dataclass
class StoredInputs:
    """The uploads stored for one transition form, by input name."""

    uploads: dict[str, Upload] = field(default_factory=dict)

    @property
    def values(self) -> dict[str, dict[str, Any]]:
        """Return each file input's value: the stored upload's answer."""
        return {name: upload.as_answer() for name, upload in self.uploads.items()}

    def lookup(self, upload_id: str) -> Mapping[str, Any] | None:
        """Return the stored metadata of an upload stored by this form, else None."""
        for upload in self.uploads.values():
            if upload.id == upload_id:
                return upload.as_answer()
        return None

    def link(self, _decision: Any) -> None:
        """Link the uploads to the audit event the transition (or approval) just wrote."""
        if not self.uploads:
            return
        case_id = next(iter(self.uploads.values())).case_id
        seq = db.session.scalar(
            select(AuditEvent.seq)
            .where(AuditEvent.case_id == case_id)
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        )
        for upload in self.uploads.values():
            upload.event_seq = seq
        db.session.flush()


@contextlib.contextmanager
def stored(case: Case, transition: str, user: User, lang: str) -> Iterator[StoredInputs]:
    """Store the transition form's posted files; on any error delete them and re-raise.

    Raises UploadRefused under the input's name when a file is refused; the case page
    answers it as a refused input (`case_views._file_refused`).
    """
    result = StoredInputs()
    try:
        specs = service_for(case).workflow.transition(transition).inputs
    except KeyError:
        specs = ()
    try:
        for spec in specs:
            if spec.type != FieldType.FILE or spec.field is None:
                continue
            posted = request.files.get(f"{transition}-{spec.name}")
            if posted is None or not posted.filename:
                continue  # a required file left out is refused by the input's validation
            result.uploads[spec.name] = _store(case, user, spec, posted, lang)
        yield result
    except BaseException:
        _delete(result.uploads.values())
        raise


def _store(case: Case, user: User, spec: Any, posted: Any, lang: str) -> Upload:
    try:
        content = posted.read()
    finally:
        posted.close()  # a large upload is spooled to a temporary file
    owner = Owner.user(user.id)
    # A refused file is refused as this input (UploadRefused under the input's name).
    return store_upload(
        owner, spec.field, content, posted.filename, lang, path=spec.name, case_id=case.id
    )


def _delete(uploads: Any) -> None:
    storage = get_storage()
    for upload in uploads:
        with contextlib.suppress(FileMissing):
            storage.delete(upload.storage_key)
