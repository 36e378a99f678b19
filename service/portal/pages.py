"""Helpers of answering one page: uploads, removed items, answers to hidden questions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from service.attachments.services import Owner, file_lookup, store_upload
from service.definitions.types import FieldDefinition, FormDefinition, Page
from service.drafts.models import Draft
from service.forms.services import ValidationFailed, page_view
from service.portal.constants import ACTION_REMOVE, ACTION_REMOVE_FILE
from service.portal.uploads import IncomingFile


def store_files(
    draft: Draft,
    form: FormDefinition,
    page: Page,
    data: dict[str, Any],
    files: Mapping[str, IncomingFile],
    action: str,
    lang: str,
) -> dict[str, list[str]]:
    """Store the page's uploads (or remove one) into `data`; return upload errors by field."""
    errors: dict[str, list[str]] = {}
    for key in page.fields:
        definition = form.field(key)
        if definition.type != "file":
            continue
        if action == f"{ACTION_REMOVE_FILE}:{key}":
            data.pop(key, None)
            continue
        incoming = files.get(key)
        if incoming is None or not incoming.filename:
            continue
        try:
            upload = store_upload(
                Owner.user(draft.owner_id),
                definition,
                incoming.read(),
                incoming.filename,
                lang,
                draft_id=draft.id,
            )
        except ValidationFailed as exc:
            errors.update(exc.errors)
            continue
        data[key] = upload.as_answer()
    _resolve_item_files(draft, form, page, data)
    return errors


def _item_file_fields(form: FormDefinition, page_key: str) -> list[tuple[str, FieldDefinition]]:
    """Return (group key, file field) for every file question inside a group on the page."""
    page = next((p for p in form.pages if p.key == page_key), None)
    groups = [form.field(k) for k in page.fields] if page is not None else []
    return [(g.key, f) for g in groups if g.type == "group" for f in g.fields if f.type == "file"]


def store_item_files(
    draft: Draft,
    form: FormDefinition,
    page_key: str,
    post: dict[str, list[str]],
    files: Mapping[str, IncomingFile],
    action: str,
    lang: str,
) -> dict[str, list[str]]:
    """Store the files sent for questions inside group items ("persons-0-id_copy").

    Each stored upload's id goes into `post` under the field's name, as the hidden input
    of a kept upload would send it, so that items keep their files when renumbered.
    "remove-file:<name>" drops the item's file. Return upload errors by field path.
    """
    errors: dict[str, list[str]] = {}
    for group, definition in _item_file_fields(form, page_key):
        pattern = re.compile(rf"{re.escape(group)}-(\d{{1,4}})-{re.escape(definition.key)}")
        for name in sorted({*post, *files}):
            match = pattern.fullmatch(name)
            if match is None:
                continue
            if action == f"{ACTION_REMOVE_FILE}:{name}":
                post.pop(name, None)
                continue
            incoming = files.get(name)
            if incoming is None or not incoming.filename:
                continue
            owner = Owner.user(draft.owner_id)
            try:
                upload = store_upload(
                    owner, definition, incoming.read(), incoming.filename, lang, draft_id=draft.id
                )
            except ValidationFailed as exc:
                path = f"{group}[{match[1]}].{definition.key}"
                errors[path] = [m for messages in exc.errors.values() for m in messages]
                continue
            post[name] = [upload.id]
    return errors


def _resolve_item_files(
    draft: Draft, form: FormDefinition, page: Page, data: dict[str, Any]
) -> None:
    """Give each kept item upload its metadata; drop ids that are not the person's own."""
    lookup = file_lookup(Owner.user(draft.owner_id))
    for group, definition in _item_file_fields(form, page.key):
        for item in data.get(group) or []:
            kept = item.get(definition.key) if isinstance(item, dict) else None
            if not isinstance(kept, Mapping):
                continue
            found = lookup(str(kept.get("id")))
            if found is None:
                item.pop(definition.key, None)
            else:
                item[definition.key] = dict(found)


def removed_item(form: FormDefinition, page_key: str, action: str) -> tuple[str, int] | None:
    match = re.fullmatch(rf"{ACTION_REMOVE}:(\w+):(\d{{1,4}})", action)
    if not match:
        return None
    page = next((p for p in form.pages if p.key == page_key), None)
    if page is None or match[1] not in page.fields:
        return None
    return match[1], int(match[2])


def drop_item(post: dict[str, list[str]], group: str, index: int) -> dict[str, list[str]]:
    prefix = f"{group}-{index}-"
    return {k: v for k, v in post.items() if not k.startswith(prefix)}


def shown_answers(
    form: FormDefinition, page_key: str, data: dict[str, Any], lang: str
) -> tuple[dict[str, Any], set[str]]:
    """Return `data` without answers to this page's questions that are hidden now.

    Also return the paths of the conditional questions shown now.
    """
    view = page_view(form, page_key, data, lang=lang)
    shown = {f.key: f for f in view.fields}
    page = next(p for p in form.pages if p.key == page_key)
    result = dict(data)
    for key in page.fields:
        if key not in shown:
            result.pop(key, None)
            continue
        items = data.get(key)
        if form.field(key).type != "group" or not isinstance(items, list):
            continue
        kept = []
        for index, item in enumerate(items):
            if not isinstance(item, Mapping):
                continue
            views = shown[key].items
            visible = {f.key for f in views[index].fields} if index < len(views) else set(item)
            kept.append({k: v for k, v in item.items() if k in visible})
        result[key] = kept
    return result, set(view.shown_conditional)
