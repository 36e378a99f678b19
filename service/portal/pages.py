"""Helpers of answering one page: uploads, removed items, answers to hidden questions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from service.attachments.services import Owner, store_upload
from service.definitions.types import FormDefinition, Page
from service.forms.services import ValidationFailed, page_view
from service.portal.constants import ACTION_REMOVE, ACTION_REMOVE_FILE
from service.portal.models import Draft
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
    return errors


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
