"""Every YAML example in docs/definitions.md is what the loader and the checker take."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from service.definitions.city import load_city
from service.definitions.errors import Problems
from service.definitions.form_loader import _parse_field
from service.definitions.reader import Reader
from service.definitions.services import load_definitions
from service.definitions.yamlio import load

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "definitions.md").read_text()
BLOCKS = re.findall(r"```yaml\n(.*?)```", DOC, flags=re.S)


def block(start: str, contains: str = "") -> str:
    return next(b for b in BLOCKS if b.startswith(start) and contains in b)


def test_each_example_is_tested_here() -> None:
    assert len(BLOCKS) == 8


def test_the_form_and_workflow_examples_pass_definitions_check_together(tmp_path: Path) -> None:
    for folder in ("forms", "workflows", "templates/pdf/tax_notice", "templates/email"):
        (tmp_path / folder).mkdir(parents=True)
    form = block("key: dog_tax", "pages:")
    computed = block("computed:")
    (tmp_path / "forms" / "dog_tax.yaml").write_text(form + computed)
    (tmp_path / "workflows" / "dog_tax.yaml").write_text(block("key: dog_tax", "states:"))
    (tmp_path / "templates" / "pdf" / "tax_notice" / "document.html").write_text(
        "<p>{{ reference }}</p>"
    )
    shutil.copytree(
        ROOT / "templates" / "email" / "decided", tmp_path / "templates" / "email" / "decided"
    )
    shutil.copy(ROOT / "city.yaml", tmp_path / "city.yaml")
    assert [str(p) for p in load_definitions(tmp_path)[1]] == []


def test_the_field_example_with_its_own_limit_message_is_a_field() -> None:
    text = block("  - key: move_in_date")
    problems = Problems("forms/x.yaml", text)
    item = load(text)[0]
    field = _parse_field(Reader(problems), item, 1, False)
    assert field is not None and problems.items == []


def test_the_city_example_is_a_city(tmp_path: Path) -> None:
    (tmp_path / "city.yaml").write_text(block("name:"))
    city, problems = load_city(tmp_path)
    assert [str(p) for p in problems] == [] and city is not None


def test_the_reuse_examples_pass_definitions_check_together(tmp_path: Path) -> None:
    """The shared file, the workflow that `uses:` it and the form with a block."""
    for folder in ("forms", "workflows/_common", "templates/pdf/tax_notice", "templates/email"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "workflows" / "_common" / "review.yaml").write_text(
        block("# workflows/_common/review.yaml")
    )
    workflow = block("key: dog_tax", "states:")
    uses = block("uses:")
    start, end = workflow.index("transitions:"), workflow.index("\ndocuments:") + 1
    (tmp_path / "workflows" / "dog_tax.yaml").write_text(workflow[:start] + uses + workflow[end:])
    header = "".join(block("key: dog_tax", "pages:").splitlines(keepends=True)[:3])
    (tmp_path / "forms" / "dog_tax.yaml").write_text(header + block("pages:", "when:"))
    (tmp_path / "templates" / "pdf" / "tax_notice" / "document.html").write_text(
        "<p>{{ reference }}</p>"
    )
    shutil.copytree(
        ROOT / "templates" / "email" / "decided", tmp_path / "templates" / "email" / "decided"
    )
    shutil.copy(ROOT / "city.yaml", tmp_path / "city.yaml")
    registry, problems = load_definitions(tmp_path)
    assert [str(p) for p in problems] == []
    service = registry.service("dog_tax")
    assert [(t.name, t.roles, t.sources) for t in service.workflow.transitions] == [
        ("start_review", ("tax_officer",), ("submitted",)),
        ("ask", ("tax_officer",), ("submitted", "in_review")),
        ("answer", ("applicant",), ("waiting_for_resident",)),
        ("approve", ("tax_officer",), ("in_review",)),
    ]
    form = registry.form("dog_tax")
    conditions = {f.key: f.visible_if for f in form.fields}
    assert conditions["breed_certificate"] == conditions["keeping_permit"] == "listed_breed == true"
    assert form.pages[0].fields == (
        "owner_name",
        "dog_name",
        "listed_breed",
        "breed_certificate",
        "keeping_permit",
    )
