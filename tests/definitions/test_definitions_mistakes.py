"""The mistakes a city team made writing three services, each refused with an exact message.

Every case here once passed `definitions check` (or was reported misleadingly) and then
failed silently at run time: a condition that never fires, a document that fails after
the case is approved, an option printed as its raw value.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from service.definitions.services import load_definitions

FORM = """\
key: special_use
version: 1
title: {de: Sondernutzung, en: Special use}
pages:
  - key: site
    title: {de: Ort, en: Site}
    fields: [applicant, zone, length_m, end_date]
fields:
  - key: applicant
    type: text
    label: {de: Name, en: Name}
    required: true
  - key: zone
    type: select
    label: {de: Zone, en: Zone}
    options:
      - {value: a, label: {de: Altstadt, en: Old town}}
  - key: length_m
    type: number
    label: {de: Länge in Metern, en: Length in metres}
  - key: end_date
    type: date
    label: {de: Bis, en: Until}
rules:
  - key: long_zone
    expression: 'length_m > 5.0'
    message: {de: Zu lang, en: Too long}
    fields: [length_m]
"""

WORKFLOW = """\
key: special_use
version: 1
title: {de: Sondernutzung, en: Special use}
form: special_use
reference_prefix: SN
applicant_name: 'applicant'
info:
  summary: {de: Halteverbot, en: No-parking zone}
roles:
  - name: traffic_officer
    title: {de: Verkehr, en: Traffic}
states:
  - name: submitted
    title: {de: Eingegangen, en: Submitted}
    initial: true
  - name: approved
    title: {de: Genehmigt, en: Approved}
    final: true
    resident_text: {de: Entschieden., en: Decided.}
transitions:
  - name: approve
    title: {de: Genehmigen, en: Approve}
    from: [submitted]
    to: approved
    roles: [traffic_officer]
    documents: [permit]
    notify: decided
documents:
  - key: permit
    title: {de: Erlaubnis, en: Permit}
    template: permit
"""

DOCUMENT = """\
<h1>{{ document_title }}</h1>
<p>Zone {{ option_label("zone", data.zone) }}</p>
{% if data.length_m %}<p>{{ data.length_m }} m</p>{% endif %}
"""


def write_set(
    root: Path, form: str = FORM, workflow: str = WORKFLOW, document: str = DOCUMENT
) -> Path:
    for folder in ("forms", "workflows", "templates/pdf/permit", "templates/email/decided"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "forms" / "special_use.yaml").write_text(form)
    (root / "workflows" / "special_use.yaml").write_text(workflow)
    (root / "templates" / "pdf" / "permit" / "document.html").write_text(document)
    shutil.copy(Path(__file__).resolve().parents[2] / "city.yaml", root / "city.yaml")
    for part in ("subject.txt", "body.txt", "body.html"):
        (root / "templates" / "email" / "decided" / part).write_text("{{ reference }}")
    return root


def problems_of(root: Path) -> list[str]:
    return [str(p) for p in load_definitions(root)[1]]


def test_the_correct_set_passes(tmp_path: Path) -> None:
    assert problems_of(write_set(tmp_path)) == []


def test_number_compared_with_text_is_refused_with_a_caret(tmp_path: Path) -> None:
    form = FORM.replace("'length_m > 5.0'", "'length_m > \"5\"'")
    assert problems_of(write_set(tmp_path, form=form)) == [
        "forms/special_use.yaml:26:18: rule 'long_zone': cannot compare a number with a text "
        "using '>': write 5 without quotes\n"
        "        expression: 'length_m > \"5\"'\n"
        "                     ^~~~~~~~~~~~~~"
    ]


def test_date_compared_with_text_is_refused_with_a_caret(tmp_path: Path) -> None:
    form = FORM.replace("'length_m > 5.0'", "'length_m > 5.0 && end_date >= \"2099-01-01\"'")
    assert problems_of(write_set(tmp_path, form=form)) == [
        "forms/special_use.yaml:26:36: rule 'long_zone': cannot compare a date with a text "
        "using '>=': write date(\"2099-01-01\")\n"
        "        expression: 'length_m > 5.0 && end_date >= \"2099-01-01\"'\n"
        "                                       ^~~~~~~~~~~~~~~~~~~~~~~~"
    ]


def test_unlike_types_in_a_guard_are_refused(tmp_path: Path) -> None:
    workflow = WORKFLOW.replace(
        "    documents: [permit]\n", "    guard: 'zone == true'\n    documents: [permit]\n"
    )
    assert problems_of(write_set(tmp_path, workflow=workflow)) == [
        "workflows/special_use.yaml:26:13: transition 'approve': guard: cannot compare a text "
        "with a yes/no using '=='\n"
        "        guard: 'zone == true'\n"
        "                ^~~~~~~~~~~~"
    ]


def test_a_cel_parse_error_names_line_and_column_with_a_caret(tmp_path: Path) -> None:
    form = FORM.replace("'length_m > 5.0'", "'length_m >> 5.0'")
    assert problems_of(write_set(tmp_path, form=form)) == [
        "forms/special_use.yaml:26:28: rule 'long_zone': cannot parse: unexpected '>'\n"
        "        expression: 'length_m >> 5.0'\n"
        "                               ^"
    ]


def test_a_parse_error_in_a_multi_line_expression_names_its_own_line(tmp_path: Path) -> None:
    form = FORM.replace(
        "    expression: 'length_m > 5.0'\n",
        "    expression: |\n      length_m > 5.0 &&\n        end_date < \n",
    )
    assert problems_of(write_set(tmp_path, form=form)) == [
        "forms/special_use.yaml:28:18: rule 'long_zone': cannot parse: "
        "the expression ends too early after '<'\n"
        "            end_date <\n"
        "                     ^"
    ]


def test_a_jinja_syntax_error_in_a_document_template_is_refused(tmp_path: Path) -> None:
    document = DOCUMENT.replace("{% endif %}", "{% endfi %}")
    assert problems_of(write_set(tmp_path, document=document)) == [
        "templates/pdf/permit/document.html:3: template syntax: Encountered unknown tag "
        "'endfi'. Jinja was looking for the following tags: 'elif' or 'else' or 'endif'. "
        "The innermost block that needs to be closed is 'if'."
    ]


def test_a_jinja_syntax_error_in_an_email_template_is_refused(tmp_path: Path) -> None:
    root = write_set(tmp_path)
    (root / "templates" / "email" / "decided" / "body.txt").write_text("Hallo {{ name }\n")
    assert problems_of(root) == [
        "templates/email/decided/body.txt:1: template syntax: unexpected '}'"
    ]


def test_the_submitted_e_mail_and_the_pdf_layout_are_parsed_too(tmp_path: Path) -> None:
    # Neither is named in the workflow: every case sends "submitted", every document
    # extends _layout.html.
    root = write_set(tmp_path)
    (root / "templates" / "email" / "submitted").mkdir()
    for part in ("subject.txt", "body.html"):
        (root / "templates" / "email" / "submitted" / part).write_text("{{ reference }}")
    (root / "templates" / "email" / "submitted" / "body.txt").write_text(
        "Guten Tag,\n{% if lang == 'en' %}Hello\n"
    )
    (root / "templates" / "pdf" / "_layout.html").write_text(
        "<html>\n<body>{% block content %}{% endblok %}</body>\n</html>\n"
    )
    assert problems_of(root) == [
        "templates/email/submitted/body.txt:2: template syntax: Unexpected end of template. "
        "Jinja was looking for the following tags: 'elif' or 'else' or 'endif'. "
        "The innermost block that needs to be closed is 'if'.",
        "templates/pdf/_layout.html:2: template syntax: Encountered unknown tag 'endblok'. "
        "Jinja was looking for the following tags: 'endblock'. "
        "The innermost block that needs to be closed is 'block'.",
    ]


def test_an_e_mail_template_no_workflow_sends_yet_is_parsed_too(tmp_path: Path) -> None:
    # A template written before the workflow names it would fail on the first case then.
    root = write_set(tmp_path)
    (root / "templates" / "email" / "reminder").mkdir()
    (root / "templates" / "email" / "reminder" / "subject.txt").write_text("{{ reference }")
    assert problems_of(root) == [
        "templates/email/reminder/subject.txt:1: template syntax: unexpected '}'"
    ]


def test_a_wrong_name_in_option_label_is_refused(tmp_path: Path) -> None:
    document = DOCUMENT.replace('option_label("zone"', 'option_label("zones"')
    assert problems_of(write_set(tmp_path, document=document)) == [
        "templates/pdf/permit/document.html:2: option_label names field 'zones' "
        "but form 'special_use' does not define it"
    ]


def test_option_label_of_a_field_without_options_is_refused(tmp_path: Path) -> None:
    document = DOCUMENT.replace('option_label("zone"', 'option_label("applicant"')
    assert problems_of(write_set(tmp_path, document=document)) == [
        "templates/pdf/permit/document.html:2: option_label names field 'applicant', "
        "which has no options"
    ]


def test_a_yaml_indentation_error_does_not_also_report_the_form_missing(tmp_path: Path) -> None:
    form = FORM.replace("  - key: zone\n", "   - key: zone\n")
    assert problems_of(write_set(tmp_path, form=form)) == [
        "forms/special_use.yaml:13: YAML syntax: while parsing a block collection: "
        "expected <block end>, but found '<block sequence start>'"
    ]


def test_an_applicant_name_mistake_is_reported_at_its_line(tmp_path: Path) -> None:
    workflow = WORKFLOW.replace("applicant_name: 'applicant'", "applicant_name: 'aplicant'")
    assert problems_of(write_set(tmp_path, workflow=workflow)) == [
        "workflows/special_use.yaml:6:18: applicant_name: unknown name 'aplicant'\n"
        "    applicant_name: 'aplicant'\n"
        "                     ^~~~~~~~"
    ]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("size(applicant) > 1.5", None),
        ("length_m * 2 > 10.0", "cannot compute a number * a whole number (CEL does not mix"),
        ("lenght_m > 5.0", "unknown name 'lenght_m'"),
        ("size(zone, 2) > 1", "size() takes 1 argument(s), not 2"),
        ("age(applicant) > 18", "age() takes a date, not a text"),
        ("frobnicate(length_m)", "unknown function 'frobnicate'"),
        ("length_m", "must be a yes/no condition, not a number"),
    ],
)
def test_bad_calls_and_unknown_names_are_refused(
    tmp_path: Path, expression: str, message: str | None
) -> None:
    form = FORM.replace("'length_m > 5.0'", repr(expression))
    problems = problems_of(write_set(tmp_path, form=form))
    if message is None:
        assert problems == []
    else:
        assert len(problems) == 1 and message in problems[0], problems


# ------------------------------------------------------------ one expression language


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("today", "today()"),
        ("today + 3 months", "add_months(today(), 3)"),
        ("today - 14 days", "today() - days(14)"),
        ("today + 2 weeks", "today() + days(14)"),
        ("today - 1 year", "add_months(today(), -12)"),
        ("2026-01-01", 'date("2026-01-01")'),
    ],
)
def test_the_old_date_language_is_refused_with_the_expression_to_write(
    tmp_path: Path, old: str, new: str
) -> None:
    form = FORM.replace(
        "    label: {de: Bis, en: Until}\n", f"    label: {{de: Bis, en: Until}}\n    max: {old}\n"
    )
    assert problems_of(write_set(tmp_path, form=form)) == [
        f"forms/special_use.yaml:24: field 'end_date': 'max': dates are written as "
        f"expressions, like everywhere else: write '{new}' instead of '{old}'"
    ]


def test_a_date_bound_that_is_not_a_date_is_refused(tmp_path: Path) -> None:
    form = FORM.replace(
        "    label: {de: Bis, en: Until}\n", "    label: {de: Bis, en: Until}\n    min: days(3)\n"
    )
    assert problems_of(write_set(tmp_path, form=form)) == [
        "forms/special_use.yaml:24:10: field 'end_date': 'min' must be a date, not a duration\n"
        "        min: days(3)\n"
        "             ^~~~~~~"
    ]


def test_date_bounds_as_expressions_are_accepted(tmp_path: Path) -> None:
    form = FORM.replace(
        "    label: {de: Bis, en: Until}\n",
        "    label: {de: Bis, en: Until}\n    min: today() + days(1)\n    max: add_months(today(), 3)\n",
    )
    assert problems_of(write_set(tmp_path, form=form)) == []


def test_guards_read_answers_by_bare_name(tmp_path: Path) -> None:
    workflow = WORKFLOW.replace(
        "    documents: [permit]\n",
        "    guard: 'length_m <= 20.0 && zone == \"a\" && end_date > today()'\n"
        "    documents: [permit]\n",
    )
    root = write_set(tmp_path, workflow=workflow)
    registry, problems = load_definitions(root)
    assert problems == []
    guard = registry.service("special_use").workflow.transition("approve").guard
    assert guard is not None
    future = datetime.now(UTC) + timedelta(days=30)
    data = {"length_m": 12.0, "zone": "a", "end_date": future, "applicant": "A"}
    assert guard({"data": data, "inputs": {}}) is True
    assert guard({"data": {**data, "length_m": 25.0}, "inputs": {}}) is False
    assert guard({"data": {**data, "end_date": None}, "inputs": {}}) is False


def test_data_dot_in_a_guard_is_refused_with_the_name_to_write(tmp_path: Path) -> None:
    workflow = WORKFLOW.replace(
        "    documents: [permit]\n", "    guard: 'data.zone == \"a\"'\n    documents: [permit]\n"
    )
    assert problems_of(write_set(tmp_path, workflow=workflow)) == [
        "workflows/special_use.yaml:26:13: transition 'approve': guard: "
        "write 'zone', not 'data.zone'\n"
        "        guard: 'data.zone == \"a\"'\n"
        "                ^~~~~~~~~"
    ]


def test_a_version_stored_before_bare_names_still_runs_its_data_dot_guard() -> None:
    from service.definitions.errors import Problems
    from service.definitions.services import parse_workflow_text

    text = WORKFLOW.replace(
        "    documents: [permit]\n", "    guard: 'data.zone == \"a\"'\n    documents: [permit]\n"
    )
    service = parse_workflow_text(text, "workflows/special_use.yaml", Problems("x", text))
    assert service is not None
    guard = service.workflow.transition("approve").guard
    assert guard is not None
    assert guard({"data": {"zone": "a"}, "inputs": {}}) is True
    assert guard({"data": {"zone": "b"}, "inputs": {}}) is False


def test_form_conditions_name_answers_alone_and_data_dot_gets_a_hint(tmp_path: Path) -> None:
    form = FORM.replace("'length_m > 5.0'", "'data.length_m > 5.0'")
    assert problems_of(write_set(tmp_path, form=form)) == [
        "forms/special_use.yaml:26:18: rule 'long_zone': write 'length_m', not 'data.length_m'\n"
        "        expression: 'data.length_m > 5.0'\n"
        "                     ^~~~~~~~~~~~~"
    ]


@pytest.mark.parametrize("key", ["case", "inputs", "data"])
def test_a_field_may_not_take_a_name_expressions_reserve(tmp_path: Path, key: str) -> None:
    form = FORM.replace("  - key: applicant\n", f"  - key: {key}\n").replace(
        "fields: [applicant,", f"fields: [{key},"
    )
    workflow = WORKFLOW.replace("applicant_name: 'applicant'", "applicant_name: 'zone'")
    assert problems_of(write_set(tmp_path, form=form, workflow=workflow)) == [
        f"forms/special_use.yaml:9: field '{key}': '{key}' is a name every expression "
        "reserves (case, data, inputs): choose another key"
    ]
