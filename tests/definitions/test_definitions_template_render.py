"""`definitions check` renders every document and e-mail template on a sample case.

A template that parses but names a field the form lacks, uses a filter Jinja does not
know or trips over a value would only fail when a real case reaches the step that renders
it; the check refuses it with the template file and line.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from service.cli import definitions_check
from service.definitions.services import load_definitions
from service.definitions.types import FieldDefinition
from service.forms.samples import required_answers
from service.sample_cases import samples
from service.template_samples import check_rendering

ROOT = Path(__file__).resolve().parents[2]
DOG_TAX = "pdf/hundesteuerbescheid/document.html"


def copy_definitions(root: Path) -> Path:
    """Copy the shipped forms, workflows, templates and city.yaml to `root`."""
    for folder in ("forms", "workflows", "templates"):
        shutil.copytree(ROOT / folder, root / folder)
    shutil.copy(ROOT / "city.yaml", root / "city.yaml")
    return root


def rendering_problems(root: Path) -> list[str]:
    registry, problems = load_definitions(root)
    assert [str(p) for p in problems] == []  # the template parses: only rendering fails
    return [str(p) for p in check_rendering(registry, root / "templates")]


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_shipped_templates_render_on_a_sample_case() -> None:
    registry, problems = load_definitions(ROOT)
    assert problems == []
    assert check_rendering(registry, ROOT / "templates") == []


def test_unknown_field_in_a_document_template_is_refused_with_its_line(tmp_path: Path) -> None:
    root = copy_definitions(tmp_path)
    replace_in(root / "templates" / DOG_TAX, "{{ data.town }}", "{{ data.twon }}")
    assert rendering_problems(root) == [
        f"templates/{DOG_TAX}:10: 'data' has no attribute 'twon' (rendered on a sample case)"
    ]


def test_unknown_filter_in_a_document_template_is_refused(tmp_path: Path) -> None:
    root = copy_definitions(tmp_path)
    replace_in(root / "templates" / DOG_TAX, "{{ data.town }}", "{{ data.town|shout }}")
    assert rendering_problems(root) == [
        f"templates/{DOG_TAX}:10: No filter named 'shout'. (rendered on a sample case)"
    ]


def test_mistake_in_an_email_template_is_refused(tmp_path: Path) -> None:
    root = copy_definitions(tmp_path)
    body = root / "templates" / "email" / "decided" / "body.txt"
    replace_in(body, "{{ decision.resident_text }}", "{{ decision.resident_txet }}")
    assert rendering_problems(root) == [
        "templates/email/decided/body.txt:9: 'decision' has no attribute 'resident_txet' "
        "(rendered on a sample case)"
    ]


def test_guarded_optional_value_passes_and_unguarded_unknown_value_fails(tmp_path: Path) -> None:
    """`{% if decision %}` guards the e-mail sent on submission, which has no decision."""
    root = copy_definitions(tmp_path)
    body = root / "templates" / "email" / "submitted" / "body.txt"
    body.write_text(body.read_text(encoding="utf-8") + "{{ decision.transition }}\n")
    lines = body.read_text(encoding="utf-8").count("\n")
    assert rendering_problems(root) == [
        f"templates/email/submitted/body.txt:{lines}: 'None' has no attribute 'transition' "
        "(rendered on a sample case)"
    ]


def test_definitions_check_fails_on_a_template_that_does_not_render(tmp_path: Path) -> None:
    root = copy_definitions(tmp_path)
    replace_in(root / "templates" / DOG_TAX, "{{ data.town }}", "{{ data.twon }}")
    result = CliRunner().invoke(definitions_check, ["--root", str(root)])
    assert result.exit_code == 1
    assert f"templates/{DOG_TAX}:10: 'data' has no attribute 'twon'" in result.output


# ------------------------------------------- the sample case with only the required answers

SPECIAL_USE = "pdf/sondernutzungserlaubnis/document.html"
ONLY_REQUIRED = "(rendered on a sample case with only the required answers)"
LEFT_OUT = "an answer a case may leave out: guard it with {% if %}"


def test_an_optional_answer_printed_without_if_is_refused(tmp_path: Path) -> None:
    root = copy_definitions(tmp_path)
    replace_in(
        root / "templates" / SPECIAL_USE,
        "{% if data.company %} ({{ data.company }}){% endif %}",
        " ({{ data.company }})",
    )
    assert rendering_problems(root) == [
        f"templates/{SPECIAL_USE}:8: 'data' has no attribute 'company', {LEFT_OUT} {ONLY_REQUIRED}"
    ]


def test_an_answer_hidden_by_visible_if_is_absent_from_the_required_only_sample(
    tmp_path: Path,
) -> None:
    """The full sample pays by direct debit; the other one does not, so no account holder."""
    root = copy_definitions(tmp_path)
    replace_in(
        root / "templates" / DOG_TAX,
        "per Überweisung unter Angabe der Steuernummer {{ reference }}",
        "per Überweisung von {{ data.account_holder }}",
    )
    lines = (root / "templates" / DOG_TAX).read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "Überweisung von" in text)
    assert rendering_problems(root) == [
        f"templates/{DOG_TAX}:{line}: 'data' has no attribute 'account_holder', {LEFT_OUT} "
        f"{ONLY_REQUIRED}"
    ]


def test_an_optional_answer_of_a_group_item_is_refused_naming_the_group(tmp_path: Path) -> None:
    root = copy_definitions(tmp_path)
    replace_in(
        root / "templates" / DOG_TAX,
        "<td>{{ dog.breed }}</td>",
        "<td>{{ dog.breed }}, versichert bei {{ dog.insurer|upper }}</td>",
    )
    assert rendering_problems(root) == [
        f"templates/{DOG_TAX}:20: an item of 'dogs' has no attribute 'insurer', {LEFT_OUT} "
        f"{ONLY_REQUIRED}"
    ]


def test_an_optional_answer_given_to_a_date_filter_is_refused(tmp_path: Path) -> None:
    root = copy_definitions(tmp_path)
    replace_in(
        root / "templates" / SPECIAL_USE,
        "{% if data.company %} ({{ data.company }}){% endif %}",
        "{% set since = data.company|date_de %}",
    )
    assert rendering_problems(root) == [
        f"templates/{SPECIAL_USE}:8: 'data' has no attribute 'company', {LEFT_OUT} {ONLY_REQUIRED}"
    ]


def test_guards_of_an_optional_answer_pass_on_the_required_only_sample(tmp_path: Path) -> None:
    root = copy_definitions(tmp_path)
    replace_in(
        root / "templates" / SPECIAL_USE,
        "{% if data.company %} ({{ data.company }}){% endif %}",
        "{{ data.company or '-' }} {{ data.company|default('-') }}"
        "{% if data.company == 'ACME' %}ACME{% endif %}{% for c in data.company %}{% endfor %}",
    )
    assert rendering_problems(root) == []


def test_a_misspelt_answer_in_a_guard_is_still_refused(tmp_path: Path) -> None:
    root = copy_definitions(tmp_path)
    replace_in(root / "templates" / SPECIAL_USE, "{% if data.company %}", "{% if data.compnay %}")
    assert rendering_problems(root) == [
        f"templates/{SPECIAL_USE}:8: 'data' has no attribute 'compnay' (rendered on a sample case)"
    ]


def test_the_required_only_sample_answers_what_a_short_dog_tax_registration_must() -> None:
    registry, _problems = load_definitions(ROOT)
    answers = required_answers(registry.form("dog_tax"))
    # Paying by transfer (no IBAN), no contact, one dog not under § 3 LHundG NRW.
    assert sorted(answers) == [
        "direct_debit", "dogs", "family_name", "first_name", "house_number",
        "postal_code", "street", "town",
    ]  # fmt: skip
    assert answers["direct_debit"] is False
    assert [sorted(d) for d in answers["dogs"]] == [
        ["breed", "chip_number", "dog_name", "kept_since", "listed_breed"]
    ]


# ------------------------------------------------ the sample cases answering other options

OPTION = "(rendered on a sample case answering each choice with its {})"
PARKING = "pdf/parking_permit/document.html"


def line_of(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


def test_a_branch_only_the_last_option_reaches_is_rendered_too(tmp_path: Path) -> None:
    """Both other samples say a listed dog's permit is granted (the full one) or leave the
    question out (no listed dog); only "ist beantragt" reaches the branch."""
    root = copy_definitions(tmp_path)
    template = root / "templates" / DOG_TAX
    replace_in(
        template,
        "    {% if dog.permit_copy %}",
        "    {% if dog.keeping_permit == 'applied' %}<tr><td>{{ dog.permit_aplied_on }}</td></tr>"
        "{% endif %}\n    {% if dog.permit_copy %}",
    )
    line = line_of(template, "permit_aplied_on")
    assert rendering_problems(root) == [
        f"templates/{DOG_TAX}:{line}: an item of 'dogs' has no attribute 'permit_aplied_on' "
        + OPTION.format("last option")
    ]


def test_a_branch_only_a_middle_option_reaches_is_rendered_too(tmp_path: Path) -> None:
    """Zone C is the third of five: neither the first nor the last option."""
    root = copy_definitions(tmp_path)
    template = root / "templates" / PARKING
    replace_in(
        template,
        '{{ option_label("zone", data.zone) }}</td>',
        "{{ option_label(\"zone\", data.zone) }}{% if data.zone == 'c' %}{{ data.zone_nmae }}"
        "{% endif %}</td>",
    )
    line = line_of(template, "zone_nmae")
    assert rendering_problems(root) == [
        f"templates/{PARKING}:{line}: 'data' has no attribute 'zone_nmae' "
        + OPTION.format("3rd option, or its last if it has fewer")
    ]


def _choices(
    fields: list[FieldDefinition], answers: dict[str, Any], found: dict[str, set[str]]
) -> None:
    """Add each choice's answer in `answers` (group items too) to `found`, by field key."""
    for f in fields:
        value = answers.get(f.key)
        if f.fields:
            for item in value or []:
                _choices(f.fields, item, found)
        elif value is not None and (f.options or f.type == "yesno"):
            values = value if isinstance(value, list) else [value]
            found.setdefault(f.key, set()).update(str(v) for v in values)


def test_the_samples_answer_every_option_of_every_shipped_choice() -> None:
    registry, _problems = load_definitions(ROOT)
    for service in registry.current():
        form = registry.form(service.form_key)
        found: dict[str, set[str]] = {}
        for sample in samples(registry):
            if sample.covers(service, form):
                _choices(form.fields, sample.answers(form), found)

        expected: dict[str, set[str]] = {}
        _choices_of(form.fields, expected)
        assert found == expected, service.key


def _choices_of(fields: list[FieldDefinition], found: dict[str, set[str]]) -> None:
    for f in fields:
        if f.fields:
            _choices_of(f.fields, found)
        elif f.options:
            found.setdefault(f.key, set()).update(o.value for o in f.options)
        elif f.type == "yesno":
            found.setdefault(f.key, set()).update({"True", "False"})
