"""Validate answers: types, visibility, required-ness, uploads and cross-field rules."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from service.forms.answers import Answers, Context, Item, is_required, load_answers
from service.forms.constants import CHOICE_TYPES, FieldType, Severity
from service.forms.display import field_label, item_label, labelled
from service.forms.errors import ValidationFailed
from service.forms.files import FileAnswer
from service.forms.schema import CompiledField, CompiledForm
from service.forms.uploads import file_problems
from service.i18n import gettext_for
from service.rules.services import RuleFailed

log = logging.getLogger(__name__)

#: Given an upload id, returns its stored metadata (name, content_type, size) or None.
FileLookup = Callable[[str], Mapping[str, Any] | None]


@dataclass(frozen=True)
class Flag:
    """A failing rule of severity "flag": the answers stand, the case is marked."""

    key: str
    message: str


@dataclass(frozen=True)
class ValidationResult:
    """Accepted answers as stored (JSON-serialisable) and the flags they raise."""

    data: dict[str, Any]
    flags: list[Flag] = field(default_factory=list)


def validate_answers(
    compiled: CompiledForm,
    data: Mapping[str, Any],
    lang: str,
    pages: Iterable[str] | None = None,
    files: FileLookup | None = None,
) -> ValidationResult:
    """Return the cleaned answers or raise ValidationFailed (see services.validate)."""
    result, errors = examine_answers(compiled, data, lang, pages, files)
    if errors:
        raise ValidationFailed(errors)
    return result


def examine_answers(
    compiled: CompiledForm,
    data: Mapping[str, Any],
    lang: str,
    pages: Iterable[str] | None = None,
    files: FileLookup | None = None,
) -> tuple[ValidationResult, dict[str, list[str]]]:
    """Return the cleaned answers with their flags, and the errors by path (empty if none).

    The answers are only usable when there are no errors; `validate_answers` raises them.
    """
    answers = load_answers(compiled, data, lang)
    checked = None if pages is None else _fields_on(compiled, pages)
    check = _Check(compiled, answers, lang, checked, files)
    cleaned: dict[str, Any] = {}
    hidden, values, errors = answers.hidden, answers.values, answers.errors
    for f in compiled.fields:
        key = f.key
        if key in hidden:
            continue
        if f.is_group:
            value = check.group(f)
        else:
            value = values.get(key)
            if key not in errors:
                if value is None:
                    if f.optional:
                        continue  # not answered and never required: nothing to report
                elif f.type != FieldType.FILE or files is None:
                    cleaned[key] = value  # the common case, as `answer` would return it
                    continue
            value = check.answer(f, value, errors, key)
        if value is not None:
            cleaned[key] = value
    flags = check.rules()
    return ValidationResult(data=cleaned, flags=flags), check.errors


def _fields_on(compiled: CompiledForm, pages: Iterable[str]) -> set[str]:
    keys: set[str] = set()
    for page_key in pages:
        keys.update(compiled.page(page_key).page.fields)
    return keys


class _Check:
    """Collect the errors of one validation, in the order of the form."""

    def __init__(
        self,
        compiled: CompiledForm,
        answers: Answers,
        lang: str,
        checked: set[str] | None,
        files: FileLookup | None,
    ) -> None:
        self.compiled, self.answers, self.lang = compiled, answers, lang
        self.checked, self.files = checked, files
        self.errors: dict[str, list[str]] = {}
        self._ = gettext_for(lang)

    def report(self, top: str, path: str, messages: list[str]) -> None:
        """Keep `messages` for `path` unless its field is on a page not being checked."""
        if self.checked is None or top in self.checked:
            self.errors.setdefault(path, []).extend(messages)

    def answer(
        self,
        f: CompiledField,
        value: Any,
        errors: Mapping[str, list[str]],
        path: str,
        item: tuple[CompiledField, int, Context] | None = None,
    ) -> Any:
        """Return the stored value of a shown field, reporting what is wrong with it.

        `item` is the group, the index and the CEL context of the item the field belongs to.
        """
        if f.key in errors:
            self.report(_top(path), path, errors[f.key])
            return None
        if value is None:
            if is_required(f, item[2] if item else self.answers.context):
                message = self.required_message(f)
                self.report(_top(path), path, [labelled(self.lang, self.label(f, item), message)])
            return None
        if f.type == FieldType.FILE and self.files is not None:
            return self.upload(f, value, _top(path), path, self.label(f, item))
        return value

    def label(self, f: CompiledField, item: tuple[CompiledField, int, Context] | None) -> str:
        """Return the label of `f`, naming its group item if any ("Vornamen (Person 2)")."""
        where = item_label(item[0].definition, item[1], self.lang) if item else None
        return field_label(f.definition, self.lang, where)

    def required_message(self, f: CompiledField) -> str:
        """Return what to say when a required field is not answered."""
        if f.type == FieldType.FILE:
            return self._.gettext("upload a file.")
        if f.type in CHOICE_TYPES:
            return self._.gettext("select an answer.")
        return self._.gettext("enter an answer.")

    def upload(
        self, f: CompiledField, value: dict[str, Any], top: str, path: str, label: str
    ) -> Any:
        """Return the upload as stored, trusting the storage's metadata over the client's."""
        claimed = FileAnswer.from_value(path, value)
        stored = self.files(claimed.upload_id) if self.files and claimed else None
        if claimed is None or stored is None:
            message = self._.gettext("the upload was not found, upload the file again.")
            self.report(top, path, [labelled(self.lang, label, message)])
            return None
        upload = FileAnswer(
            path,
            claimed.upload_id,
            name=str(stored.get("name") or claimed.name),
            content_type=str(stored.get("content_type") or claimed.content_type),
            size=int(stored.get("size") or claimed.size),
        )
        problems = file_problems(f.definition, upload.content_type, upload.size, self.lang)
        if problems:
            self.report(top, path, [labelled(self.lang, label, p) for p in problems])
            return None
        return upload.as_value()

    def group(self, group: CompiledField) -> list[dict[str, Any]] | None:
        """Return the stored items of a shown group, reporting what is wrong with them."""
        key, d = group.key, group.definition
        if key in self.answers.errors:
            self.report(key, key, self.answers.errors[key])
            return None
        items = self.answers.items.get(key, [])
        minimum = max(d.min_items or 0, 1 if d.required else 0)
        label = d.label.get(self.lang)
        if len(items) < minimum:
            message = self._.ngettext(
                "add at least {n} entry.", "add at least {n} entries.", minimum
            )
            self.report(key, key, [labelled(self.lang, label, message.format(n=minimum))])
        if d.max_items is not None and len(items) > d.max_items:
            message = self._.ngettext(
                "add at most {n} entry.", "add at most {n} entries.", d.max_items
            )
            self.report(key, key, [labelled(self.lang, label, message.format(n=d.max_items))])
        return [self.item(group, index, item) for index, item in enumerate(items)] or None

    def item(self, group: CompiledField, index: int, item: Item) -> dict[str, Any]:
        """Return the stored values of one shown group item."""
        cleaned: dict[str, Any] = {}
        hidden, values, errors, context = item.hidden, item.values, item.errors, item.context
        for f in group.items:
            if f.key in hidden:
                continue
            value = values.get(f.key)
            if f.key not in errors:
                if value is None:
                    if f.optional:
                        continue  # not answered and never required: nothing to report
                elif f.type != FieldType.FILE:
                    cleaned[f.key] = value  # the common case, as `answer` would return it
                    continue
            path = f"{group.key}[{index}].{f.key}"
            value = self.answer(f, value, errors, path, (group, index, context))
            if value is not None:
                cleaned[f.key] = value
        return cleaned

    def rules(self) -> list[Flag]:
        """Evaluate the cross-field rules whose fields are checked and free of errors."""
        flags: list[Flag] = []
        # With `pages`, a rule runs only when all its fields are checked, so every error
        # of its fields is among those reported.
        with_errors = {_top(path) for path in self.errors}
        for compiled_rule, names in zip(
            self.compiled.rules, self.compiled.rule_fields, strict=True
        ):
            rule = compiled_rule.rule
            if self.checked is not None and not names <= self.checked:
                continue
            if names & with_errors:
                continue
            try:
                if compiled_rule.expression.test(self.answers.context) is not False:
                    continue  # holds, or not applicable
            except RuleFailed as exc:
                # A mistake in the rule: reported, and the rule counts as failed.
                log.error("rule %s of form %s failed: %s", rule.key, self.compiled.form.key, exc)
            message = rule.message.get(self.lang)
            if rule.severity == Severity.FLAG:
                flags.append(Flag(rule.key, message))
            else:
                for path in rule.fields or (rule.key,):
                    self.errors.setdefault(path, []).append(message)
        return flags


def _top(path: str) -> str:
    """Return the top-level field key of an error path (`persons` of `persons[0].sex`)."""
    return path.split("[", 1)[0]
