"""Reuse in the definition language: shared transition sets (`uses:`) and their mistakes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from service.definitions.services import load_definitions
from tests.definitions.test_definitions_check_stored import stored, sync
from tests.definitions.test_definitions_mistakes import FORM, WORKFLOW, write_set

DECIDE = """\
# shared: the decision
transitions:
  - name: approve
    title: {de: Genehmigen, en: Approve}
    from: [submitted]
    to: approved
    roles: [officer]
    documents: [permit]
    notify: decided
"""

APPROVE = WORKFLOW[WORKFLOW.index("  - name: approve\n") : WORKFLOW.index("documents:\n  - key")]
#: The mistakes' workflow: its own approve is taken from the shared file `decide`.
USES = WORKFLOW.replace(APPROVE, "").replace(
    "transitions:\n",
    "uses:\n  - file: decide\n    roles: {officer: traffic_officer}\ntransitions:\n"
    "  - name: withdraw\n    title: {de: Zurückziehen, en: Withdraw}\n    from: [submitted]\n"
    "    to: approved\n    roles: [applicant]\n",
)


def write_shared(root: Path, workflow: str = USES, **shared: str) -> Path:
    write_set(root, workflow=workflow)
    (root / "workflows" / "_common").mkdir(exist_ok=True)
    for name, text in (shared or {"decide": DECIDE}).items():
        (root / "workflows" / "_common" / f"{name}.yaml").write_text(text)
    return root


def problems_of(root: Path) -> list[str]:
    return [str(p) for p in load_definitions(root)[1]]


def test_a_workflow_takes_the_shared_transitions_with_its_own_roles(tmp_path: Path) -> None:
    registry, problems = load_definitions(write_shared(tmp_path))
    assert problems == []
    transitions = registry.service("special_use").workflow.transitions
    assert [(t.name, t.roles) for t in transitions] == [
        ("approve", ("traffic_officer",)),
        ("withdraw", ("applicant",)),
    ]
    # Only where a case lists its actions depends on this (the workflow's own first).
    assert [t.shared for t in transitions] == [True, False]


def test_an_unknown_shared_file_is_named_with_the_known_ones(tmp_path: Path) -> None:
    root = write_shared(tmp_path, USES.replace("file: decide", "file: decdie"))
    assert problems_of(root) == [
        "workflows/special_use.yaml:21: uses: there is no shared file 'decdie' "
        "(workflows/_common/decdie.yaml); shared files: decide"
    ]


def test_a_mistake_in_a_shared_transition_names_the_shared_file(tmp_path: Path) -> None:
    root = write_shared(tmp_path, decide=DECIDE.replace("to: approved", "to: aproved"))
    assert problems_of(root) == [
        "workflows/_common/decide.yaml:3: transition 'approve' goes to unknown state 'aproved'"
    ]


def test_a_cycle_of_shared_files_is_refused(tmp_path: Path) -> None:
    root = write_shared(
        tmp_path,
        decide="uses: [more]\n" + DECIDE,
        more="uses: [decide]\n",
    )
    assert problems_of(root) == [
        "workflows/_common/more.yaml:1: uses: a cycle of shared files: decide → more → decide"
    ]


def test_a_local_transition_named_like_a_shared_one_must_say_override(tmp_path: Path) -> None:
    root = write_shared(tmp_path, USES.replace("name: withdraw", "name: approve"))
    assert problems_of(root) == [
        "workflows/special_use.yaml:24: transition 'approve' is also in "
        "workflows/_common/decide.yaml (line 3): write 'override: true' to change it, "
        "or give it another name"
    ]


def test_an_override_changes_only_the_keys_it_names(tmp_path: Path) -> None:
    override = "  - name: approve\n    override: true\n    title: {de: Erlauben, en: Allow}\n"
    root = write_shared(tmp_path, USES.replace("transitions:\n", "transitions:\n" + override))
    registry, problems = load_definitions(root)
    assert problems == []
    approve = registry.service("special_use").workflow.transitions[0]
    assert (approve.name, approve.title.de, approve.roles, approve.documents) == (
        "approve",
        "Erlauben",
        ("traffic_officer",),
        ("permit",),
    )
    assert approve.shared  # changed, but still the shared one


def test_an_override_of_nothing_shared_is_refused(tmp_path: Path) -> None:
    root = write_shared(
        tmp_path,
        USES.replace(
            "    to: approved\n    roles: [applicant]",
            "    to: approved\n    roles: [applicant]\n    override: true",
        ),
    )
    assert problems_of(root) == [
        "workflows/special_use.yaml:29: transition 'withdraw' has 'override: true' but no "
        "shared file used here has a transition 'withdraw'"
    ]


def test_two_shared_files_with_the_same_transition_are_refused(tmp_path: Path) -> None:
    workflow = USES.replace(
        "transitions:\n", "  - {file: other, roles: {officer: traffic_officer}}\ntransitions:\n"
    )
    root = write_shared(tmp_path, workflow, decide=DECIDE, other=DECIDE)
    assert problems_of(root) == [
        "workflows/_common/other.yaml:3: transition 'approve' comes from both "
        "workflows/_common/decide.yaml and workflows/_common/other.yaml: drop it from one of them"
    ]


def test_an_unknown_key_in_a_shared_file_is_refused(tmp_path: Path) -> None:
    root = write_shared(tmp_path, decide="documents: []\n" + DECIDE)
    assert problems_of(root) == [
        "workflows/_common/decide.yaml:1: shared file: unknown key 'documents' "
        "(a shared file has roles, states, transitions, uses)"
    ]


def test_a_shared_file_no_workflow_uses_is_checked_too(tmp_path: Path) -> None:
    root = write_shared(tmp_path, decide=DECIDE, spare="transitions:\n  - name: [\n")
    assert problems_of(root) == [
        "workflows/_common/spare.yaml:3: YAML syntax: while parsing a flow node: "
        "expected the node content, but found '<stream end>'"
    ]


def test_renaming_a_role_no_shared_transition_names_is_refused(tmp_path: Path) -> None:
    root = write_shared(
        tmp_path, USES.replace("{officer: traffic_officer}", "{oficer: traffic_officer}")
    )
    assert problems_of(root) == [
        "workflows/_common/decide.yaml:3: transition 'approve' names role 'officer' but the "
        "workflow's roles do not define it",
        "workflows/special_use.yaml:21: uses 'decide': no transition of "
        "workflows/_common/decide.yaml names the role 'oficer'",
    ]


def stored_workflows() -> dict[int, str]:
    from service.definitions.models import DefinitionVersion
    from service.extensions import db

    rows = db.session.scalars(
        db.select(DefinitionVersion).filter_by(kind="workflow", key="special_use")
    )
    return {row.version: row.content for row in rows}


def test_a_stored_version_keeps_what_it_took_from_a_shared_file(
    make_app: Any, tmp_path: Path
) -> None:
    from service.definitions.services import sync_versions

    root = write_shared(tmp_path / "defs")
    with stored(make_app, root):
        first = stored_workflows()[1]
        assert "uses:" not in first
        assert "name: approve" in first and "- traffic_officer" in first

        shared = root / "workflows" / "_common" / "decide.yaml"
        shared.write_text(DECIDE.replace("de: Genehmigen", "de: Erlauben"))
        assert sync(root) == [
            "workflows/special_use.yaml:1: workflows/special_use.yaml changed but its version 1 "
            "was not raised: version 1 is already in use with different content; "
            "set 'version: 2' (a change in workflows/_common/, which it uses, counts too)"
        ]

        workflow = root / "workflows" / "special_use.yaml"
        workflow.write_text(USES.replace("version: 1", "version: 2"))
        registry = load_definitions(root)[0]
        assert sync_versions(registry) == []
        assert stored_workflows()[1] == first
        old, new = registry.service("special_use", 1), registry.service("special_use", 2)
        assert old.workflow.transitions[0].title.de == "Genehmigen"
        assert new.workflow.transitions[0].title.de == "Erlauben"
        # Read back from the database, version 1 still lists a case's actions like version 2.
        listed = [[t.name for t in s.workflow.listed_transitions()] for s in (old, new)]
        assert listed == [["withdraw", "approve"], ["withdraw", "approve"]]


def test_taking_a_written_out_transition_from_a_shared_file_needs_no_new_version(
    make_app: Any, tmp_path: Path
) -> None:
    root = write_set(tmp_path / "defs")
    with stored(make_app, root):
        written_out = stored_workflows()[1]
        same = WORKFLOW.replace(APPROVE, "").replace(
            "transitions:\n",
            "uses: [{file: decide, roles: {officer: traffic_officer}}]\ntransitions: []\n",
        )
        write_shared(root, same)
        assert sync(root) == []
        assert stored_workflows() == {1: written_out}


#: The mistakes' form with `zone` and `length_m` in a block, `end_date` written in the page.
BLOCK_FORM = FORM.replace(
    "    fields: [applicant, zone, length_m, end_date]\n",
    "    fields:\n"
    "      - applicant\n"
    "      - when: 'applicant != \"\"'\n"
    "        fields: [zone, length_m]\n"
    "      - key: end_date\n"
    "        type: date\n"
    "        label: {de: Bis, en: Until}\n",
).replace("  - key: end_date\n    type: date\n    label: {de: Bis, en: Until}\n", "")


def test_a_block_gives_its_fields_one_condition_and_a_page_may_write_a_field_out(
    tmp_path: Path,
) -> None:
    registry, problems = load_definitions(write_set(tmp_path, form=BLOCK_FORM))
    assert problems == []
    form = registry.form("special_use")
    assert form.pages[0].fields == ("applicant", "zone", "length_m", "end_date")
    conditions = {f.key: f.visible_if for f in form.fields}
    assert conditions == {
        "applicant": None,
        "zone": 'applicant != ""',
        "length_m": 'applicant != ""',
        "end_date": None,
    }


def test_a_mistake_in_a_blocks_condition_is_shown_at_the_block(tmp_path: Path) -> None:
    form = BLOCK_FORM.replace('applicant != ""', 'aplicant != ""')
    caret = "\n          - when: 'aplicant != \"\"'\n                   ^~~~~~~~"
    assert problems_of(write_set(tmp_path, form=form)) == [
        f"forms/special_use.yaml:9:16: field '{key}': visible_if: unknown name 'aplicant'{caret}"
        for key in ("length_m", "zone")
    ]


def test_a_block_without_fields_is_refused(tmp_path: Path) -> None:
    form = BLOCK_FORM.replace("        fields: [zone, length_m]\n", "        fields: []\n")
    assert problems_of(write_set(tmp_path, form=form))[0] == (
        "forms/special_use.yaml:9: page 'site': the block 'when: applicant != \"\"' has no fields"
    )


def test_a_block_with_another_key_is_refused(tmp_path: Path) -> None:
    form = BLOCK_FORM.replace("        fields: [zone", "        title: x\n        fields: [zone")
    assert problems_of(write_set(tmp_path, form=form))[0] == (
        "forms/special_use.yaml:10: page 'site': unknown key 'title' in a block "
        "(a block has 'when' and 'fields')"
    )


def test_a_field_written_in_a_page_and_under_fields_is_a_duplicate(tmp_path: Path) -> None:
    twice = "  - {key: end_date, type: date, label: {de: Bis, en: Until}}\nrules:"
    form = BLOCK_FORM.replace("rules:", twice)
    assert problems_of(write_set(tmp_path, form=form)) == [
        "forms/special_use.yaml:27: duplicate field key 'end_date'"
    ]


def test_a_document_named_once_uses_the_template_of_its_name(tmp_path: Path) -> None:
    workflow = WORKFLOW.replace("    template: permit\n", "")
    registry, problems = load_definitions(write_set(tmp_path, workflow=workflow))
    assert problems == []
    assert registry.service("special_use").documents[0].template == "permit"


def test_a_field_in_a_block_keeps_its_own_condition_too(tmp_path: Path) -> None:
    own = "    label: {de: Länge in Metern, en: Length in metres}\n"
    form = BLOCK_FORM.replace(own, own + "    visible_if: 'zone == \"a\"'\n")
    registry, problems = load_definitions(write_set(tmp_path, form=form))
    assert problems == []
    length = next(f for f in registry.form("special_use").fields if f.key == "length_m")
    assert length.visible_if == '(applicant != "") && (zone == "a")'


def test_a_block_inside_a_group_gives_its_fields_one_condition(tmp_path: Path) -> None:
    group = (
        "  - key: helpers\n"
        "    type: group\n"
        "    label: {de: Helfer, en: Helpers}\n"
        "    fields:\n"
        "      - {key: name, type: text, label: {de: Name, en: Name}}\n"
        "      - when: 'name != \"\"'\n"
        "        fields:\n"
        "          - {key: phone, type: phone, label: {de: Telefon, en: Phone}}\n"
        "          - {key: email, type: email, label: {de: E-Mail, en: E-mail}}\n"
        "rules:"
    )
    form = BLOCK_FORM.replace("rules:", group).replace("end_date]", "end_date, helpers]")
    form = form.replace(
        "        label: {de: Bis, en: Until}\n",
        "        label: {de: Bis, en: Until}\n      - helpers\n",
    )
    registry, problems = load_definitions(write_set(tmp_path, form=form))
    assert problems == []
    (helpers,) = [f for f in registry.form("special_use").fields if f.key == "helpers"]
    assert [(f.key, f.visible_if) for f in helpers.fields] == [
        ("name", None),
        ("phone", 'name != ""'),
        ("email", 'name != ""'),
    ]


def test_a_uses_entry_that_is_neither_a_name_nor_a_file_is_refused(tmp_path: Path) -> None:
    root = write_shared(tmp_path, USES.replace("  - file: decide\n", "  - fille: decide\n"))
    assert problems_of(root)[0] == (
        "workflows/special_use.yaml:21: uses: an entry is a shared file's name or "
        "{file: ..., roles: ...}"
    )


def test_an_override_that_is_not_true_is_refused(tmp_path: Path) -> None:
    override = "  - name: approve\n    override: yes please\n    title: {de: A, en: A}\n"
    root = write_shared(tmp_path, USES.replace("transitions:\n", "transitions:\n" + override))
    assert problems_of(root) == [
        "workflows/special_use.yaml:25: transition: 'override' must be true"
    ]


def test_a_block_whose_when_is_not_a_condition_is_refused(tmp_path: Path) -> None:
    form = BLOCK_FORM.replace("      - when: 'applicant != \"\"'\n", "      - when: [x]\n")
    assert problems_of(write_set(tmp_path, form=form))[0] == (
        "forms/special_use.yaml:9: page 'site': a block's 'when' must be a condition"
    )


def test_a_page_item_that_is_no_field_is_refused(tmp_path: Path) -> None:
    form = BLOCK_FORM.replace("      - applicant\n", "      - applicant\n      - 42\n")
    assert problems_of(write_set(tmp_path, form=form))[0] == (
        "forms/special_use.yaml:9: page 'site': a field is named, written out (with 'key') "
        "or a block (with 'when' and 'fields')"
    )
