"""`flask definitions check`: every kind of mistake is reported with its file and line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from service.cli import definitions_check
from service.definitions.services import load_definitions

ROOT = Path(__file__).resolve().parents[2]

FORM = """\
key: dog_tax
version: 1
title: {de: Hundesteuer, en: Dog tax}
pages:
  - key: dog
    title: {de: Hund, en: Dog}
    fields: [dog_name, listed, certificate]
fields:
  - key: dog_name
    type: text
    label: {de: Name, en: Name}
    required: true
  - key: listed
    type: yesno
    label: {de: Listenhund, en: Listed breed}
  - key: certificate
    type: text
    label: {de: Nachweis, en: Certificate}
    visible_if: 'listed == true'
rules:
  - key: name_short
    expression: 'size(dog_name) < 40'
    message: {de: Zu lang, en: Too long}
    fields: [dog_name]
"""

WORKFLOW = """\
key: dog_tax
version: 1
title: {de: Hundesteuer, en: Dog tax}
form: dog_tax
reference_prefix: HS
applicant_name: 'dog_name'
info:
  summary: {de: Hund anmelden, en: Register a dog}
roles:
  - name: tax_officer
    title: {de: Steuern, en: Tax}
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
    roles: [tax_officer]
    guard: 'listed == false'
    documents: [notice]
documents:
  - key: notice
    title: {de: Bescheid, en: Notice}
    template: notice
"""


def write_set(root: Path, form: str = FORM, workflow: str = WORKFLOW) -> Path:
    (root / "forms").mkdir(parents=True, exist_ok=True)
    (root / "workflows").mkdir(parents=True, exist_ok=True)
    (root / "templates" / "pdf" / "notice").mkdir(parents=True, exist_ok=True)
    (root / "templates" / "pdf" / "notice" / "document.html").write_text("<p>{{ reference }}</p>")
    (root / "forms" / "dog_tax.yaml").write_text(form)
    (root / "workflows" / "dog_tax.yaml").write_text(workflow)
    shutil.copy(ROOT / "city.yaml", root / "city.yaml")
    return root


def problems_of(root: Path) -> list[str]:
    _registry, problems = load_definitions(root)
    return [str(p) for p in problems]


def test_valid_set_has_no_problems(tmp_path: Path) -> None:
    assert problems_of(write_set(tmp_path)) == []


def test_shipped_definitions_pass_the_check() -> None:
    result = CliRunner().invoke(definitions_check, ["--root", str(ROOT)])
    assert result.exit_code == 0, result.output
    assert "residence_registration v5" in result.output
    assert "parking_permit v5" in result.output
    assert "deregistration v4" in result.output
    assert "dog_tax v6" in result.output
    assert (
        "special_use_permit v2: 7 states, 8 transitions, form special_use_permit v2"
        in result.output
    )


@pytest.mark.parametrize(
    ("which", "old", "new", "expected"),
    [
        ("form", "pages:\n", "pages: [\n", "forms/dog_tax.yaml:5: YAML syntax"),
        ("form", "    required: true\n", "    required: true\n    requierd: true\n",
         "forms/dog_tax.yaml:13: unknown key 'requierd' in field"),
        ("workflow", "    to: approved\n", "    to: aproved\n",
         "workflows/dog_tax.yaml:21: transition 'approve' goes to unknown state 'aproved'"),
        ("workflow", "    from: [submitted]\n", "    from: [draft]\n",
         "workflows/dog_tax.yaml:21: transition 'approve' starts from unknown state 'draft'"),
        ("workflow", "    final: true\n", "",
         "workflows/dog_tax.yaml:16: state 'approved' is not final but no transition leaves it"),
        ("workflow", "    roles: [tax_officer]\n", "    roles: [tax_oficer]\n",
         "workflows/dog_tax.yaml:21: transition 'approve' names role 'tax_oficer' but the workflow's roles"),
        ("workflow", "    guard: 'listed == false'\n", "    guard: 'lsted == false'\n",
         "workflows/dog_tax.yaml:26:13: transition 'approve': guard: unknown name 'lsted'"),
        ("form", "    visible_if: 'listed == true'\n", "    visible_if: 'listd == true'\n",
         "forms/dog_tax.yaml:19:18: field 'certificate': visible_if: unknown name 'listd'"),
        ("form", "    expression: 'size(dog_name) < 40'\n", "    expression: 'size(dog_name) <'\n",
         "forms/dog_tax.yaml:22:33: rule 'name_short': cannot parse"),
        ("form", "    fields: [dog_name]\n", "    fields: [dog_nam]\n",
         "forms/dog_tax.yaml:21: rule 'name_short' names field 'dog_nam' but no field defines it"),
        ("workflow", "form: dog_tax\n", "form: cat_tax\n",
         "workflows/dog_tax.yaml:4: workflow names form 'cat_tax' but forms/cat_tax.yaml is missing"),
        ("workflow", "    template: notice\n", "    template: letter\n",
         "workflows/dog_tax.yaml:29: document 'notice': template templates/pdf/letter/document.html is missing"),
        ("form", "  - key: listed\n", "  - key: dog_name\n", "forms/dog_tax.yaml:9: duplicate field key 'dog_name'"),
        ("workflow", "key: dog_tax\n", "key: dog_tax\nkey: cat_tax\n",
         "workflows/dog_tax.yaml:2: YAML syntax: duplicate key 'key'"),
    ],
)  # fmt: skip
def test_each_mistake_is_reported_with_file_and_line(
    tmp_path: Path, which: str, old: str, new: str, expected: str
) -> None:
    form, workflow = FORM, WORKFLOW
    if which == "form":
        assert old in form
        form = form.replace(old, new, 1)
    else:
        assert old in workflow
        workflow = workflow.replace(old, new, 1)
    problems = problems_of(write_set(tmp_path, form, workflow))
    assert any(p.startswith(expected) for p in problems), problems


def test_unreachable_state_is_reported(tmp_path: Path) -> None:
    workflow = WORKFLOW.replace(
        "transitions:\n",
        "  - name: archived\n    title: {de: Archiv, en: Archive}\n    final: true\ntransitions:\n",
    )
    problems = problems_of(write_set(tmp_path, workflow=workflow))
    assert any(
        "state 'archived' cannot be reached from the initial state 'submitted'" in p
        for p in problems
    )
    assert any(p.startswith("workflows/dog_tax.yaml:20:") for p in problems)


def test_check_command_prints_every_mistake_and_exits_1(tmp_path: Path) -> None:
    workflow = WORKFLOW.replace("    to: approved\n", "    to: aproved\n").replace(
        "    roles: [tax_officer]\n", "    roles: [nobody]\n"
    )
    write_set(tmp_path, workflow=workflow)
    result = CliRunner().invoke(definitions_check, ["--root", str(tmp_path)])
    assert result.exit_code == 1
    assert (
        "workflows/dog_tax.yaml:21: transition 'approve' goes to unknown state 'aproved'"
        in result.output
    )
    assert "names role 'nobody'" in result.output


def test_changed_file_without_raised_version_is_refused(make_app: Any, tmp_path: Path) -> None:
    from service.definitions.services import sync_versions

    root = write_set(tmp_path / "defs")
    app = make_app(DEFINITIONS_ROOT=str(root))
    with app.app_context():
        registry, _ = load_definitions(root)
        assert sync_versions(registry) == []
        (root / "forms" / "dog_tax.yaml").write_text(FORM.replace("Zu lang", "Viel zu lang"))
        registry, _ = load_definitions(root)
        problems = [str(p) for p in sync_versions(registry)]
    assert problems == [
        "forms/dog_tax.yaml:1: forms/dog_tax.yaml changed but its version 1 was not raised: "
        "version 1 is already in use with different content; set 'version: 2'"
    ]


def test_comment_only_change_needs_no_new_version(make_app: Any, tmp_path: Path) -> None:
    from service.definitions.services import sync_versions

    root = write_set(tmp_path / "defs")
    app = make_app(DEFINITIONS_ROOT=str(root))
    with app.app_context():
        assert sync_versions(load_definitions(root)[0]) == []
        (root / "forms" / "dog_tax.yaml").write_text("# reviewed by the city\n" + FORM)
        assert sync_versions(load_definitions(root)[0]) == []


def test_case_stays_pinned_to_version_1_after_version_2_is_loaded(
    make_app: Any, tmp_path: Path
) -> None:
    """A case started on v1 keeps running on v1 after the file moves to v2."""
    from service.cases import services as cases
    from service.definitions.services import EXTENSION_KEY
    from service.engine import Actor
    from service.extensions import db
    from service.transactions import ensure_definitions_synced

    root = tmp_path / "defs"
    shutil.copytree(ROOT / "forms", root / "forms")
    shutil.copytree(ROOT / "workflows", root / "workflows")
    shutil.copytree(ROOT / "templates", root / "templates")
    shutil.copy(ROOT / "city.yaml", root / "city.yaml")
    app_v1 = make_app(DEFINITIONS_ROOT=str(root))
    from factories import residence_registration_data

    from service.auth.models import User

    with app_v1.app_context():
        ensure_definitions_synced()
        erika = User(issuer="t", subject="erika", name="Erika")
        olaf = User(issuer="t", subject="olaf", name="Olaf", roles=["registration_officer"])
        db.session.add_all([erika, olaf])
        db.session.commit()
        applicant = Actor(id=str(erika.id), label="Erika")
        case_id = cases.submit_case(
            "residence_registration", residence_registration_data(), erika.id, applicant
        ).case.id
        db.session.commit()
        officer = Actor(**olaf.as_actor_fields())

    # The new version renames the approval: the case on the old version still approves.
    wf = (root / "workflows" / "residence_registration.yaml").read_text()
    old = int(re.search(r"^version: (\d+)$", wf, flags=re.M).group(1))  # type: ignore[union-attr]
    wf = (
        wf.replace(f"version: {old}", f"version: {old + 1}", 1)
        .replace("name: approve\n", "name: confirm\n")
        .replace("issued_by: [approve]", "issued_by: [confirm]")
    )
    (root / "workflows" / "residence_registration.yaml").write_text(wf)
    app_v2 = make_app(DEFINITIONS_ROOT=str(root))
    with app_v2.app_context():
        ensure_definitions_synced()
        registry = app_v2.extensions[EXTENSION_KEY]
        assert registry.current_services["residence_registration"] == old + 1
        assert sorted(registry.services["residence_registration"]) == [old, old + 1]
        case = db.session.get(cases.Case, case_id)
        assert case is not None and case.workflow_version == old
        cases.fire_transition(case, "start_review", officer)
        cases.fire_transition(case, "approve", officer)  # only the old version knows it
        db.session.commit()
        assert case.state == "approved"
        new = cases.submit_case(
            "residence_registration", residence_registration_data(), case.applicant_id, officer
        ).case
        assert new.workflow_version == old + 1
        db.session.rollback()


def test_a_final_state_must_tell_the_resident_what_happened(tmp_path: Path) -> None:
    text = "    resident_text: {de: Entschieden., en: Decided.}\n"
    root = write_set(tmp_path, workflow=WORKFLOW.replace(text, ""))
    assert problems_of(root) == [
        "workflows/dog_tax.yaml:16: state 'approved' is final: give it a 'resident_text' "
        "{de, en} that tells the resident what happened (shown on the case page and in e-mails)"
    ]


def test_a_resident_text_needs_both_languages(tmp_path: Path) -> None:
    text = "    resident_text: {de: Entschieden., en: Decided.}\n"
    root = write_set(tmp_path, workflow=WORKFLOW.replace(text, "    resident_text: {de: Ja.}\n"))
    assert problems_of(root) == [
        "workflows/dog_tax.yaml:19: state 'approved': 'resident_text' is missing its 'en' text"
    ]


def test_an_unknown_key_lists_the_keys_its_section_allows(tmp_path: Path) -> None:
    """Each section's keys come from its schema; a typo names them all, a gap its key."""
    workflow = WORKFLOW.replace("    final: true\n", "    finale: true\n", 1).replace(
        "  - name: approved\n", "  - nam: approved\n", 1
    )
    problems = problems_of(write_set(tmp_path, workflow=workflow))
    assert "workflows/dog_tax.yaml:16: state is missing 'name'" in problems
    assert (
        "workflows/dog_tax.yaml:18: unknown key 'finale' in state (allowed: deadline, final, "
        "initial, name, pauses_clock, resident_text, title)"
    ) in problems


def test_a_list_item_that_is_no_mapping_is_reported_at_its_own_line(tmp_path: Path) -> None:
    """`- archived` where a state {name, title, ...} belongs: the line of the item, not 1."""
    workflow = WORKFLOW.replace("transitions:\n", "  - archived\ntransitions:\n", 1)
    problems = problems_of(write_set(tmp_path, workflow=workflow))
    assert "workflows/dog_tax.yaml:20: state must be a mapping" in problems
