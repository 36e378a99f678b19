"""The public API of the forms package.

A form definition is compiled once per version (`compile_form`); everything else works
on a `FormDefinition` and plain answers, so the portal, the back office and the API all
validate and show a form the same way. Answers are a mapping of field keys to values;
stored answers are JSON (dates "YYYY-MM-DD", money "30.00", phone E.164, IBAN compact).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from service.definitions.types import FieldDefinition, FormDefinition, Page
from service.forms.answers import expression_values as _expression_values
from service.forms.answers import load_answers
from service.forms.computed import ComputedValue, compute, computed_values
from service.forms.display import labelled
from service.forms.errors import ValidationFailed
from service.forms.jsonschema import form_json_schema
from service.forms.posts import FormPost, parse_post
from service.forms.schema import CompiledForm, compile_form
from service.forms.summary import Row, build_summary
from service.forms.uploads import check_upload
from service.forms.validation import (
    FileLookup,
    Flag,
    ValidationResult,
    examine_answers,
    validate_answers,
)
from service.forms.views import (
    Errors,
    FieldView,
    ItemView,
    OptionView,
    PageView,
    build_page_view,
    build_view_model,
    shown_pages,
)
from service.i18n import DEFAULT_LANGUAGE

__all__ = [
    "CompiledForm",
    "ComputedValue",
    "FieldView",
    "FileLookup",
    "Flag",
    "FormPost",
    "ItemView",
    "OptionView",
    "PageView",
    "ValidationFailed",
    "ValidationResult",
    "check_upload",
    "compile_form",
    "compute",
    "computed_values",
    "expression_values",
    "form_errors",
    "json_schema",
    "labelled",
    "next_page",
    "page_view",
    "parse_form_post",
    "previous_page",
    "summary",
    "upload_field",
    "validate",
    "view_model",
    "visible_pages",
]


def validate(
    form: FormDefinition,
    data: Mapping[str, Any],
    lang: str = DEFAULT_LANGUAGE,
    *,
    pages: Iterable[str] | None = None,
    files: FileLookup | None = None,
) -> ValidationResult:
    """Return the answers as stored and the flags raised, or raise ValidationFailed.

    Keys the form does not define and answers to hidden fields are dropped. With `pages`,
    only the fields on those pages (and rules on them alone) are checked; answers on other
    pages are kept when valid. With `files`, uploads must exist and their stored metadata
    is used. Error messages are in `lang` and name the field.
    """
    return validate_answers(compile_form(form), data, lang, pages, files)


def form_errors(
    form: FormDefinition,
    data: Mapping[str, Any],
    lang: str = DEFAULT_LANGUAGE,
    *,
    files: FileLookup | None = None,
) -> dict[str, list[str]]:
    """Return what `validate` would refuse in the answers, by path; empty when they hold.

    For a page whose content is the errors (check your answers), not a failure.
    """
    return examine_answers(compile_form(form), data, lang, files=files)[1]


def expression_values(form: FormDefinition, data: Mapping[str, Any]) -> dict[str, Any]:
    """Return stored answers as CEL values (dates as timestamps), every field present."""
    return _expression_values(compile_form(form), data)


def visible_pages(form: FormDefinition, data: Mapping[str, Any]) -> list[Page]:
    """Return the pages shown for `data`, in order."""
    compiled = compile_form(form)
    return shown_pages(compiled, load_answers(compiled, data, DEFAULT_LANGUAGE))


def next_page(form: FormDefinition, page_key: str, data: Mapping[str, Any]) -> Page | None:
    """Return the shown page after `page_key`, or None after the last one."""
    return _neighbour(form, page_key, data, 1)


def previous_page(form: FormDefinition, page_key: str, data: Mapping[str, Any]) -> Page | None:
    """Return the shown page before `page_key`, or None before the first one."""
    return _neighbour(form, page_key, data, -1)


def _neighbour(
    form: FormDefinition, page_key: str, data: Mapping[str, Any], step: int
) -> Page | None:
    order = {p.key: i for i, p in enumerate(form.pages)}
    here = order[page_key]
    shown = [p for p in visible_pages(form, data) if (order[p.key] - here) * step > 0]
    if not shown:
        return None
    return shown[0] if step > 0 else shown[-1]


def page_view(
    form: FormDefinition,
    page_key: str,
    data: Mapping[str, Any],
    errors: Errors | None = None,
    lang: str = DEFAULT_LANGUAGE,
) -> PageView:
    """Return what a template needs to render page `page_key` with `data` and `errors`."""
    return build_page_view(form, page_key, data, errors or {}, lang)


def view_model(
    form: FormDefinition,
    data: Mapping[str, Any],
    errors: Errors | None = None,
    lang: str = DEFAULT_LANGUAGE,
) -> list[PageView]:
    """Return the views of every page shown for `data`."""
    return build_view_model(form, data, errors or {}, lang)


def parse_form_post(
    form: FormDefinition, page_key: str, post: FormPost | Mapping[str, Any]
) -> dict[str, Any]:
    """Return the answers of one page from an HTML form post, nested for `validate`."""
    return parse_post(form, page_key, post)


def summary(
    form: FormDefinition, data: Mapping[str, Any], lang: str = DEFAULT_LANGUAGE
) -> list[tuple[Page, list[Row]]]:
    """Return each shown page with (label, answer as text) rows, for checking answers."""
    return build_summary(form, data, lang)


def json_schema(form: FormDefinition, lang: str = "en") -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of the form's answers."""
    return form_json_schema(form, lang)


def upload_field(form: FormDefinition, key: str) -> FieldDefinition:
    """Return the file field `key`, top level or inside a group, or raise KeyError."""
    for f in form.fields:
        for candidate in (f, *f.fields):
            if candidate.key == key and candidate.type == "file":
                return candidate
    raise KeyError(key)
