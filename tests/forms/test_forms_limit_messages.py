"""Date and number limits carry their own message; date hints show an allowed example."""

from __future__ import annotations

from pathlib import Path

import pytest
from forms_helpers import FROZEN_NOW, field, text

from service.forms.services import ValidationFailed, validate
from service.forms.views import build_page_view
from tests.definitions.test_definitions_check import FORM, problems_of, write_set

MOVE_IN = field(
    "move_in_date",
    "date",
    "Einzugsdatum",
    "Move-in date",
    maximum="today()",
    max_message=text(
        "Sie können sich erst nach dem Einzug anmelden (heute ist der {date}).",
        "You can only register after moving in (today is {date}).",
    ),
)


def refused(make_form, definition, value, lang="de") -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        validate(make_form(definition), {definition.key: value}, lang)
    return caught.value.errors[definition.key]


@pytest.mark.frozen(FROZEN_NOW)
def test_date_after_the_limit_shows_the_definitions_message(make_form) -> None:
    assert refused(make_form, MOVE_IN, "2026-03-05") == [
        "„Einzugsdatum“: Sie können sich erst nach dem Einzug anmelden (heute ist der 02.03.2026)."
    ]
    assert refused(make_form, MOVE_IN, "2026-03-05", "en") == [
        "Move-in date: You can only register after moving in (today is 2 March 2026)."
    ]
    assert validate(make_form(MOVE_IN), {"move_in_date": "2026-03-02"}).data


@pytest.mark.frozen(FROZEN_NOW)
def test_limit_without_message_keeps_the_generic_text(make_form) -> None:
    plain = field("start", "date", "Beginn", minimum="today()")
    assert refused(make_form, plain, "2026-03-01") == [
        "„Beginn“: Bitte geben Sie ein Datum ab dem 02.03.2026 an."
    ]


def test_number_limit_shows_its_message_with_braces_kept(make_form) -> None:
    dogs = field(
        "dogs",
        "number",
        "Hunde",
        maximum="3",
        max_message=text("Mehr als {max} Hunde {pro Haushalt} sind nicht erlaubt."),
    )
    assert refused(make_form, dogs, "4") == [
        "„Hunde“: Mehr als 3 Hunde {pro Haushalt} sind nicht erlaubt."
    ]


@pytest.mark.frozen(FROZEN_NOW)
def test_date_hint_and_error_take_their_example_from_the_allowed_range(make_form) -> None:
    after_next_week = field("visit", "date", "Termin", minimum="today() + days(7)")
    form = make_form(after_next_week)
    view = build_page_view(form, "main", {}, {}, "de")
    assert view.fields[0].example == "16 3 2026"  # a week after the earliest allowed day
    assert refused(make_form, after_next_week, "morgen") == [
        "„Termin“: Bitte geben Sie ein gültiges Datum an, zum Beispiel 16.03.2026."
    ]
    birthday = make_form(field("born", "date", "Geburtsdatum", maximum="today()"))
    assert build_page_view(birthday, "main", {}, {}, "de").fields[0].example == "17 5 1990"
    narrow = field("day", "date", minimum="today()", maximum="today() + days(3)")
    assert build_page_view(make_form(narrow), "main", {}, {}, "de").fields[0].example == (
        "2 3 2026"
    )


LIMITED = FORM.replace(
    "    required: true\n",
    "    required: true\n  - key: born\n    type: date\n    label: {de: Geboren, en: Born}\n"
    "    max:\n      value: today()\n      message: {de: Nicht in der Zukunft, en: Not in the future}\n",
    1,
).replace(
    "fields: [dog_name, listed, certificate]", "fields: [dog_name, born, listed, certificate]"
)


def test_definitions_check_accepts_a_limit_with_its_message(tmp_path: Path) -> None:
    assert problems_of(write_set(tmp_path, LIMITED)) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("{de: Nicht in der Zukunft, en: Not in the future}", "{de: Nicht in der Zukunft}",
         "forms/dog_tax.yaml:18: field 'born': 'max': 'message' is missing its 'en' text"),
        ("      value: today()\n", "      valeu: today()\n",
         "forms/dog_tax.yaml:17: unknown key 'valeu' in field 'born': 'max'"),
        ("      value: today()\n", "      value: tomorrow\n",
         "forms/dog_tax.yaml:17:14: field 'born': 'max': unknown name 'tomorrow'"),
        ("    type: date\n", "    type: text\n",
         "forms/dog_tax.yaml:16: field 'born': 'max': only number, money and date fields"),
    ],
)  # fmt: skip
def test_definitions_check_names_a_broken_limit(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert old in LIMITED
    problems = problems_of(write_set(tmp_path, LIMITED.replace(old, new, 1)))
    assert any(p.startswith(expected) for p in problems), problems
