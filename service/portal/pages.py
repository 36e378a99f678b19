"""The portal's side of answering one page: storing the page's uploads.

What a post does to the answers is the forms package's (`service.forms.editing`); this
module only stores the files it names, as the resident's uploads for the draft.
"""

from __future__ import annotations

from collections.abc import Mapping

from service.attachments.services import Owner, Refusal, store_or_refuse
from service.definitions.types import FormDefinition
from service.drafts.models import Draft
from service.forms.editing import PageFiles, file_slots
from service.forms.files import FileAnswer
from service.forms.services import FileLookup
from service.portal.uploads import IncomingFile


def store_page_files(
    draft: Draft,
    form: FormDefinition,
    page_key: str,
    post: Mapping[str, list[str]],
    files: Mapping[str, IncomingFile],
    action: str,
    lang: str,
    lookup: FileLookup,
) -> PageFiles:
    """Store the files sent for the page's file questions; return them and the refusals."""
    stored: dict[str, FileAnswer] = {}
    errors: dict[str, list[str]] = {}
    for slot in file_slots(form, page_key, [*post, *files], action):
        incoming = files.get(slot.name)
        if incoming is None or not incoming.filename:
            continue
        owner = Owner.user(draft.owner_id)
        upload = store_or_refuse(
            owner, slot.definition, incoming.read(), incoming.filename, lang, draft_id=draft.id
        )
        if isinstance(upload, Refusal):  # kept beside its question; the page is saved
            errors[slot.path] = upload.messages
            continue
        answer = FileAnswer.from_value(slot.path, upload.as_answer())
        assert answer is not None  # a stored upload has an id
        stored[slot.name] = answer
    return PageFiles(stored, errors, lookup)
