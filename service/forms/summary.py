"""The check-your-answers summary: each shown page with its questions and answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.definitions.types import FormDefinition, Page
from service.forms.answers import load_answers
from service.forms.display import display_value, field_label, item_label
from service.forms.schema import compile_form
from service.forms.views import shown_pages
from service.i18n import gettext_for

Row = tuple[str, str]


def build_summary(
    form: FormDefinition, data: Mapping[str, Any], lang: str
) -> list[tuple[Page, list[Row]]]:
    """Return (page, [(label, answer as text)]) for every shown page, in form order."""
    compiled = compile_form(form)
    answers = load_answers(compiled, data, lang)
    result = []
    for page in shown_pages(compiled, answers):
        rows: list[Row] = []
        for key in page.fields:
            if key in answers.hidden:
                continue
            f = compiled.field(key)
            value = data.get(key)
            if not f.is_group:
                rows.append(
                    (f.definition.label.get(lang), display_value(f.definition, value, lang))
                )
                continue
            items = value if isinstance(value, list) else []
            loaded = answers.items.get(key, [])
            if not items:
                rows.append((f.definition.label.get(lang), gettext_for(lang).gettext("No entries")))
            for index, item in enumerate(items):
                hidden = loaded[index].hidden if index < len(loaded) else set()
                where = item_label(f.definition, index, lang)
                rows.extend(
                    (
                        field_label(sub.definition, lang, where),
                        display_value(sub.definition, item.get(sub.key), lang),
                    )
                    for sub in f.items
                    if sub.key not in hidden and isinstance(item, Mapping)
                )
        result.append((page, rows))
    return result
