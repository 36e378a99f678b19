"""Sample answers for `definitions check`, besides the case that answers everything.

The check renders every template on the case that answers everything
(`examples.example_answers`, each choice with its first option), on one that says no
more than it must (`required_answers`: a template reading an optional answer without
`{% if %}` fails there and not on the first real case that leaves it out) and on cases
that answer everything but each choice with another option (`chosen_answers`: a
template branch only "ist beantragt" or zone C reaches is rendered too).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from service.definitions.types import FieldDefinition, FormDefinition
from service.forms.answers import Context, is_required, load_answers
from service.forms.constants import FieldType
from service.forms.examples import example_answer
from service.forms.schema import CompiledField, compile_form


def required_answer(f: CompiledField) -> Any:
    """Return the answer of a required question: a required yes/no says no.

    "No" is the answer that usually reveals no further questions, so the sample shows
    as few answers as a real case can.
    """
    return False if f.type == FieldType.YESNO else example_answer(f.definition)


def _answered(
    fields: Iterable[CompiledField], data: dict[str, Any], hidden: set[str], context: Context
) -> dict[str, Any]:
    """Return `data` with an answer to each shown field that is required and unanswered."""
    added = dict(data)
    for f in fields:
        if f.key in hidden or f.key in data or f.is_group:
            continue
        if is_required(f, context):
            added[f.key] = required_answer(f)
    return added


def required_answers(form: FormDefinition) -> dict[str, Any]:
    """Return a case's answers that answer only what `form` requires, as a case stores them.

    Optional questions are left out, a group holds as many items as it must (an optional
    one none, so it is absent as in a stored case), and a question hidden by `visible_if`
    under these answers is absent. Conditions (`visible_if`, `required_if`) are worked
    out again after each round of answers until nothing changes.
    """
    compiled = compile_form(form)
    data: dict[str, Any] = {}
    for _round in range(len(form.fields) + 2):
        answers = load_answers(compiled, data, "de")
        more = _answered(compiled.fields, data, answers.hidden, answers.context)
        for g in compiled.fields:
            if not g.is_group or g.key in answers.hidden:
                continue
            d = g.definition
            wanted = max(d.min_items or 0, 1 if d.required else 0)
            items = list(data.get(g.key) or [{}] * wanted)
            loaded = answers.items.get(g.key, [])
            more[g.key] = [
                _answered(g.items, item, loaded[i].hidden, loaded[i].context)
                if i < len(loaded)
                else item
                for i, item in enumerate(items)
            ]
            if not more[g.key]:
                del more[g.key]
        if more == data:
            break
        data = more
    # As a case stores them: hidden questions dropped (the values are kept as they are:
    # an example need not pass the form's patterns to show what a template prints).
    answers = load_answers(compiled, data, "de")
    shown = {k: v for k, v in data.items() if k not in answers.hidden}
    for key, items in answers.items.items():
        if key in shown:
            shown[key] = [
                {k: v for k, v in raw.items() if k not in item.hidden}
                for raw, item in zip(shown[key], items, strict=True)
            ]
    return shown


def _choice_values(f: FieldDefinition) -> list[Any]:
    """Return the answers a choice can take in order (a yes/no: yes, no); [] for others."""
    if f.type == FieldType.YESNO:
        return [True, False]
    return [o.value for o in f.options]


def choice_count(fields: Iterable[FieldDefinition]) -> int:
    """Return the most options any choice among `fields` (group items too) has."""
    return max(
        (choice_count(f.fields) if f.fields else len(_choice_values(f)) for f in fields),
        default=0,
    )


def chosen_answers(fields: Iterable[FieldDefinition], option: int) -> dict[str, Any]:
    """Return the answers of the case that answers everything (`example_answers`), each
    choice with its option `option` (0 the first, -1 the last; the last if it has fewer)."""
    answers: dict[str, Any] = {}
    for f in fields:
        values = _choice_values(f)
        if f.type == FieldType.GROUP:
            answers[f.key] = [chosen_answers(f.fields, option)]
        elif values:
            value = values[min(option, len(values) - 1)]
            answers[f.key] = [value] if f.type == FieldType.CHECKBOXES else value
        else:
            answers[f.key] = example_answer(f)
    return answers
