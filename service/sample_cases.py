"""The sample cases `definitions check` renders every document and e-mail template on.

In order: the case that answers everything (each choice with its first option), the one
that answers only what the form requires, the one answering each choice with its last
option, then one with each choice's 2nd, 3rd, ... option for as many as the services'
choices have (`service.template_samples` says why each). A service is rendered on a
sample with another option only if one of its choices has that option
(`Sample.covers`), so a form of yes/no questions costs one more rendering, not seven.

The answers themselves come from `forms.examples` and `forms.samples`; this module adds
the decision inputs, which need the cases' `input_fields`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from service.definitions.registry import Registry
from service.definitions.types import FormDefinition, ServiceDefinition
from service.engine import Transition


@dataclass(frozen=True)
class Sample:
    """A sample case: its answers, whether a decision's optional inputs are answered, and
    what a failure on it says. `option` is the option each choice is answered with (0
    the first, -1 the last), None for the case with only the required answers."""

    answers: Callable[[FormDefinition], dict[str, Any]]
    optional_inputs: bool
    said: str
    option: int | None = 0

    def inputs(self, transition: Transition) -> dict[str, Any]:
        """Return the answers of `transition`'s decision inputs on this sample."""
        from service.cases.decisions import input_fields
        from service.forms.samples import chosen_answers

        inputs = chosen_answers(input_fields(transition), self.option or 0)
        if self.optional_inputs:
            return inputs
        required = {i.name for i in transition.inputs if i.required}
        return {k: v for k, v in inputs.items() if k in required}

    def covers(self, service: ServiceDefinition, form: FormDefinition) -> bool:
        """Whether `service` is rendered on this sample: one with another option only if
        some choice of its form or of its decisions' inputs has that option and more
        (the last option is the last sample's), the last option only if one has two."""
        if not self.option:
            return True
        return (1 if self.option < 0 else self.option + 1) < _choice_count(service, form)


def _choice_count(service: ServiceDefinition, form: FormDefinition) -> int:
    """The most options a choice of `service`'s form or decision inputs has."""
    from service.cases.decisions import input_fields
    from service.forms.samples import choice_count

    inputs = [choice_count(input_fields(t)) for t in service.workflow.transitions]
    return max([choice_count(form.fields), *inputs])


def _nth(n: int) -> str:
    """Return "2nd", "3rd", "4th", ... (a choice has at most a few dozen options)."""
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th") if n // 10 % 10 != 1 else "th"
    return f"{n}{suffix}"


def _chosen(option: int, which: str) -> Sample:
    """The case answering everything, each choice with its `option` (named `which`)."""
    from service.forms.samples import chosen_answers

    def answers(form: FormDefinition) -> dict[str, Any]:
        return chosen_answers(form.fields, option)

    said = f"rendered on a sample case answering each choice with its {which}"
    return Sample(answers, True, said, option)


def samples(registry: Registry) -> list[Sample]:
    """The case that answers everything, the one that answers only what it must, the one
    answering each choice with its last option and then, as far as a choice of
    `registry`'s current services has that many, with its 2nd, 3rd, ... option."""
    from service.forms.examples import example_answers
    from service.forms.samples import required_answers

    most = max((_choice_count(s, registry.form(s.form_key)) for s in registry.current()), default=0)
    return [
        Sample(lambda form: example_answers(form.fields), True, "rendered on a sample case"),
        Sample(
            required_answers,
            False,
            "rendered on a sample case with only the required answers",
            None,
        ),
        _chosen(-1, "last option"),
        *(
            _chosen(i, f"{_nth(i + 1)} option, or its last if it has fewer")
            for i in range(1, most - 1)
        ),
    ]
