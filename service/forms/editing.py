"""Form editing: what one posted page does to a resident's answers, decided without effects.

`apply_page_post` takes the answers so far, the page's post and the button pressed and
returns the answers to keep, the errors per field and where to go next. It touches no
request and no database: uploads are stored by the caller first (`file_slots` says which
inputs of the post are file questions to store) and handed in as `PageFiles`, together
with the lookup that says which uploads the person may name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from service.definitions.types import FieldDefinition, FormDefinition, Page
from service.forms.constants import (
    ACTION_ADD,
    ACTION_CONTINUE,
    ACTION_REMOVE,
    ACTION_REMOVE_FILE,
    POST_SHOWN,
    FieldType,
)
from service.forms.errors import ValidationFailed
from service.forms.files import FileAnswer
from service.forms.posts import parse_post
from service.forms.reveal import newly_shown, without_errors
from service.forms.services import next_page, page_view, validate
from service.forms.validation import FileLookup

#: `PageResult.next` after the last page: the check-your-answers page.
CHECK = "check"

Post = Mapping[str, list[str]]
Errors = dict[str, list[str]]


@dataclass(frozen=True)
class FileSlot:
    """A file input of a page: its name in the post, its answer's path and its question."""

    #: "landlord_confirmation", or "persons-0-id_copy" inside a group item.
    name: str
    #: The path errors name: "landlord_confirmation" or "persons[0].id_copy".
    path: str
    definition: FieldDefinition


def _no_uploads(_upload_id: str) -> Mapping[str, Any] | None:
    return None


@dataclass(frozen=True)
class PageFiles:
    """The uploads stored for a post, the errors of those refused, and the person's files."""

    #: The upload stored for each slot name that sent one.
    stored: Mapping[str, FileAnswer] = field(default_factory=dict)
    #: Why an upload was refused, by the slot's path.
    errors: Mapping[str, list[str]] = field(default_factory=dict)
    #: The uploads the person may name (their own, not bound to a case); none by default.
    lookup: FileLookup = _no_uploads


@dataclass(frozen=True)
class PageResult:
    """What answering one page gave."""

    #: The answers to keep: saved whatever happens, so nothing typed is lost.
    data: dict[str, Any]
    #: Error messages by field path; empty when the page was accepted or only saved.
    errors: Errors = field(default_factory=dict)
    #: The next page's key, `CHECK` for check-your-answers, or None to show the page again.
    next: str | None = None
    #: After "add another", the id of the new item's first field to jump to.
    anchor: str | None = None
    #: The page the person stands on afterwards (None once every page is answered).
    current_page: str | None = None


def find_page(form: FormDefinition, page_key: str) -> Page | None:
    """Return the form's page called `page_key`, or None."""
    return next((p for p in form.pages if p.key == page_key), None)


def file_slots(
    form: FormDefinition, page_key: str, names: Iterable[str], action: str
) -> list[FileSlot]:
    """Return the page's file inputs among `names` whose uploads are to be stored.

    Top-level questions first, then items' ones; an input the action removes (the file
    or its whole item) is left out.
    """
    page = find_page(form, page_key)
    if page is None:
        return []
    removed = removed_item(form, page_key, action)
    gone = f"{removed[0]}-{removed[1]}-" if removed else None
    skip = action.removeprefix(f"{ACTION_REMOVE_FILE}:") if _removes_file(action) else None
    slots = [
        FileSlot(f.key, f.key, f)
        for f in (form.field(k) for k in page.fields)
        if f.type == FieldType.FILE
    ]
    slots += _item_slots(form, page, sorted(set(names)))
    return [s for s in slots if s.name != skip and not (gone and s.name.startswith(gone))]


def _removes_file(action: str) -> bool:
    return action.startswith(f"{ACTION_REMOVE_FILE}:")


def _item_file_fields(form: FormDefinition, page: Page) -> list[tuple[str, FieldDefinition]]:
    """Return (group key, file field) for every file question inside a group on the page."""
    groups = [form.field(k) for k in page.fields]
    return [
        (g.key, f)
        for g in groups
        if g.type == FieldType.GROUP
        for f in g.fields
        if f.type == FieldType.FILE
    ]


def _item_slots(form: FormDefinition, page: Page, names: list[str]) -> list[FileSlot]:
    slots = []
    for group, definition in _item_file_fields(form, page):
        pattern = re.compile(rf"{re.escape(group)}-(\d{{1,4}})-{re.escape(definition.key)}")
        for name in names:
            if match := pattern.fullmatch(name):
                slots.append(FileSlot(name, f"{group}[{match[1]}].{definition.key}", definition))
    return slots


def removed_item(form: FormDefinition, page_key: str, action: str) -> tuple[str, int] | None:
    """Return (group, index) of the item that "remove:<group>:<index>" removes, or None."""
    match = re.fullmatch(rf"{ACTION_REMOVE}:(\w+):(\d{{1,4}})", action)
    page = find_page(form, page_key)
    if not match or page is None or match[1] not in page.fields:
        return None
    return match[1], int(match[2])


def apply_page_post(
    form: FormDefinition,
    page_key: str,
    data: Mapping[str, Any],
    post: Post,
    action: str,
    *,
    lang: str,
    files: PageFiles | None = None,
) -> PageResult:
    """Return the answers after page `page_key` was sent with `action`, and what follows.

    `data` is the answers so far (left unchanged). Answers to questions hidden by the
    answers given are dropped. Only "continue" checks the page: its errors come back, or
    the next shown page; questions that appeared with this post are asked first, without
    an error. Every other action ("save", "add:<group>", "remove:<group>:<i>",
    "remove-file:<name>") keeps the page. Raises KeyError for a page the form lacks.
    """
    page = find_page(form, page_key)
    if page is None:
        raise KeyError(page_key)
    files = files or PageFiles()
    post = _post_with_files(form, page, post, action, files)
    answers: dict[str, Any] = {**data, **parse_post(form, page_key, post)}
    _put_files(form, page, answers, action, files)
    anchor = _add_item(form, page, answers, action)
    for key in page.fields:
        group = form.field(key)
        if group.type == FieldType.GROUP and (group.min_items or 0) > 0 and not answers.get(key):
            # Keep the empty item the page showed, so each unanswered question is named.
            answers[key] = [{}]
    answers, shown_now = shown_answers(form, page_key, answers, lang)
    errors = dict(files.errors)
    if action != ACTION_CONTINUE or errors:
        return PageResult(answers, errors, anchor=anchor, current_page=page_key)
    return _continue(form, page, answers, newly_shown(post.get(POST_SHOWN), shown_now), lang, files)


def _continue(
    form: FormDefinition,
    page: Page,
    answers: dict[str, Any],
    newly: set[str],
    lang: str,
    files: PageFiles,
) -> PageResult:
    """Check the page; when it holds, keep its answers as stored and go on."""
    try:
        result = validate(form, answers, lang, pages=[page.key], files=files.lookup)
    except ValidationFailed as exc:
        return PageResult(answers, without_errors(exc.errors, newly), current_page=page.key)
    if newly:
        return PageResult(answers, current_page=page.key)
    kept = dict(answers)
    for key in page.fields:
        if key in result.data:
            kept[key] = result.data[key]
        else:
            kept.pop(key, None)
    following = next_page(form, page.key, kept)
    where = following.key if following else None
    return PageResult(kept, next=where or CHECK, current_page=where)


def _post_with_files(
    form: FormDefinition, page: Page, post: Post, action: str, files: PageFiles
) -> dict[str, list[str]]:
    """Return the post less a removed item or item file, with the items' new uploads.

    A stored upload's id goes in under its input's name, as the hidden input of a kept
    upload sends it, so items keep their files when renumbered.
    """
    result = dict(post)
    removed = removed_item(form, page.key, action)
    if removed is not None:
        prefix = f"{removed[0]}-{removed[1]}-"
        result = {k: v for k, v in result.items() if not k.startswith(prefix)}
    if _removes_file(action):
        result.pop(action.removeprefix(f"{ACTION_REMOVE_FILE}:"), None)
    top = set(page.fields)
    for name, answer in files.stored.items():
        if name not in top:
            result[name] = [answer.upload_id]
    return result


def _put_files(
    form: FormDefinition, page: Page, answers: dict[str, Any], action: str, files: PageFiles
) -> None:
    """Put the page's file answers into `answers`: new, removed, and items' kept ones.

    An item's kept upload gets its stored metadata; an id the person may not name is
    dropped.
    """
    for key in page.fields:
        if form.field(key).type != FieldType.FILE:
            continue
        if action == f"{ACTION_REMOVE_FILE}:{key}":
            answers.pop(key, None)
        elif key in files.stored:
            answers[key] = files.stored[key].as_value()
    for group, definition in _item_file_fields(form, page):
        for index, item in enumerate(answers.get(group) or []):
            if not isinstance(item, dict) or item.get(definition.key) is None:
                continue
            path = f"{group}[{index}].{definition.key}"
            kept = FileAnswer.from_value(path, item[definition.key])
            found = files.lookup(kept.upload_id) if kept is not None else None
            if found is None:
                item.pop(definition.key, None)
            else:
                item[definition.key] = dict(found)


def _add_item(form: FormDefinition, page: Page, answers: dict[str, Any], action: str) -> str | None:
    """On "add:<group>", append an empty item; return the anchor of its first field."""
    if not action.startswith(f"{ACTION_ADD}:"):
        return None
    group = action.split(":", 1)[1]
    if group not in page.fields or form.field(group).type != FieldType.GROUP:
        return None
    items = [i for i in answers.get(group) or [] if isinstance(i, Mapping)]
    items.append({})
    answers[group] = items
    return f"f-{group}-{len(items) - 1}"


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
        if form.field(key).type != FieldType.GROUP or not isinstance(items, list):
            continue
        views = shown[key].items
        result[key] = [
            {k: v for k, v in item.items() if k in _visible(views, index, item)}
            for index, item in enumerate(items)
            if isinstance(item, Mapping)
        ]
    return result, set(view.shown_conditional)


def _visible(views: Any, index: int, item: Mapping[str, Any]) -> set[str]:
    return {f.key for f in views[index].fields} if index < len(views) else set(item)
