"""Transition inputs typed like form fields, validated by the same form engine as answers.

A transition's `inputs:` are form fields (date, number, select, yesno, ...). Before the
engine decides, the typed ones are checked and converted here exactly as a resident's
answers would be; a refused value raises `InputsInvalid` with a message per input in
German and English, which the back office shows beside the input and the API returns
as problem+json.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.definitions.types import FieldDefinition, FormDefinition, Page
from service.engine import Transition
from service.engine.errors import InputsInvalid
from service.engine.services import TEXT_INPUTS
from service.engine.types import Text
from service.forms.constants import FieldType
from service.forms.validation import FileLookup


def _form(transition: Transition, fields: tuple[FieldDefinition, ...]) -> FormDefinition:
    """Return a one-page form of the transition's typed inputs."""
    page = Page(key="inputs", title=transition.title, fields=tuple(f.key for f in fields))
    return FormDefinition(
        key=f"inputs_{transition.name}",
        version=1,
        title=transition.title,
        pages=(page,),
        fields=fields,
    )


def typed_inputs(
    transition: Transition, inputs: Mapping[str, Any], files: FileLookup | None = None
) -> dict[str, Any]:
    """Return `inputs` with every typed input validated and stored as its field type says.

    Text inputs pass unchanged (the engine strips and limits them). A `file` input must
    name an upload `files` knows (the back office passes the uploads it just stored);
    without `files` a file input is refused, so no caller can name a foreign upload.
    Raise InputsInvalid naming each refused input.
    """
    from service.forms.services import form_errors, validate

    _refuse_files_without_lookup(transition, inputs, files)
    for spec in transition.inputs:
        if spec.type in TEXT_INPUTS and not isinstance(inputs.get(spec.name, ""), str | None):
            raise InputsInvalid(
                {
                    spec.name: Text(
                        de=f"{spec.label.de}: bitte als Text angeben.",
                        en=f"{spec.label.en or spec.label.de}: please give it as text.",
                    )
                }
            )
    fields = tuple(
        spec.field
        for spec in transition.inputs
        if spec.type not in TEXT_INPUTS and isinstance(spec.field, FieldDefinition)
    )
    if not fields:
        return dict(inputs)
    given = {f.key: inputs[f.key] for f in fields if inputs.get(f.key) not in (None, "")}
    form = _form(transition, fields)
    german = form_errors(form, given, "de", files=files)
    if german:
        english = form_errors(form, given, "en", files=files)
        raise InputsInvalid(
            {
                _top(path): Text(de=" ".join(msgs), en=" ".join(english.get(path, msgs)))
                for path, msgs in german.items()
            }
        )
    stored = validate(form, given, "de", files=files).data
    result = {k: v for k, v in inputs.items() if k not in {f.key for f in fields}}
    result.update({f.key: stored.get(f.key) for f in fields})
    return result


def _refuse_files_without_lookup(
    transition: Transition, inputs: Mapping[str, Any], files: FileLookup | None
) -> None:
    """Raise InputsInvalid when a file input is given but no upload lookup is."""
    if files is not None:
        return
    given = [
        spec
        for spec in transition.inputs
        if spec.type == FieldType.FILE and inputs.get(spec.name) not in (None, "")
    ]
    if given:
        raise InputsInvalid(
            {
                spec.name: Text(
                    de=f"{spec.label.de}: eine Datei kann hier nicht angegeben werden.",
                    en=f"{spec.label.en or spec.label.de}: a file cannot be given here.",
                )
                for spec in given
            }
        )


def _top(path: str) -> str:
    return path.split("[", 1)[0].split(".", 1)[0]


def typed_inputs_for(
    workflow: Any, name: str, inputs: Mapping[str, Any], files: FileLookup | None = None
) -> dict[str, Any]:
    """Return `typed_inputs` of the workflow's transition `name` (unknown names unchanged)."""
    try:
        transition = workflow.transition(name)
    except KeyError:
        return dict(inputs)  # the engine refuses an unknown transition with its own error
    return typed_inputs(transition, inputs, files)
