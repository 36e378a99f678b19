"""A definitions root whose residence registration asks for an ID document copy per person.

The shipped residence registration has no file field inside a group (the dog tax's
permit copy is one); this copy adds one, so portal, API and back office tests can show
such a field for persons end to end.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The question added to every person of the residence registration.
ID_COPY = """\
          - key: id_document_copy
            type: file
            label: {de: Kopie des Ausweisdokuments, en: Copy of the identity document}
            accept: [application/pdf, image/jpeg, image/png]
            max_size: 10485760

"""

#: The page after the persons' page: the question is inserted before it, as the last
#: field of each person (fields are written in their page, see docs/definitions.md).
ANCHOR = "  - key: new_flat\n"


def definitions_with(tmp_path: Path, form_key: str, anchor: str, question: str) -> Path:
    """Return a copy of the shipped definitions with `question` inserted before `anchor`."""
    root = tmp_path / "definitions"
    root.mkdir()
    for name in ("forms", "workflows", "templates"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copy(ROOT / "city.yaml", root / "city.yaml")
    form = root / "forms" / f"{form_key}.yaml"
    text = form.read_text()
    assert anchor in text
    form.write_text(text.replace(anchor, question + anchor, 1))
    return root


def group_files_root(tmp_path: Path) -> Path:
    """Return a copy of the shipped definitions with `persons[].id_document_copy`."""
    return definitions_with(tmp_path, "residence_registration", ANCHOR, ID_COPY)
