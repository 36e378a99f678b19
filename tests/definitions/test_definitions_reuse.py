"""Reuse in the definition language: shared transition sets (`uses:`) and their mistakes."""

from __future__ import annotations

from pathlib import Path

from service.definitions.services import load_definitions
from tests.definitions.test_definitions_mistakes import WORKFLOW, write_set

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
