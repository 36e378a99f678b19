"""The shared template files a workflow version renders with, stored with that version.

A document's `document.html` is stored on its own (`services._sync_templates`). Everything
else a case's outputs are rendered from is kept here, per workflow version, as one
bundle `{path under templates/: text}`:

- `pdf/_layout.html`, `pdf/_layout.css` and any other text file directly in `pdf/` (the
  letterhead and verification block every document extends),
- every other text file of a document's folder (`pdf/<template>/style.css`),
- the e-mails the workflow sends: `email/submitted/` and every transition's `notify`
  (`subject.txt`, `body.txt`, `body.html`).

So an open case keeps its letterhead, style and e-mail texts after a file changed for the
next version, and a changed file whose workflow version is in use is refused like a
changed document template. Fonts (binary) are not versioned.
"""

from __future__ import annotations

import hashlib
import json
from functools import partial
from pathlib import Path
from typing import Any

from service.definitions.errors import Problem
from service.definitions.registry import Registry
from service.definitions.stored import store_version
from service.definitions.types import ServiceDefinition

#: The kind of the stored bundle: key the service, version the workflow version.
TEMPLATE_FILES = "template_files"
#: The e-mail every case sends when it is submitted (not named by a transition).
SUBMITTED_EMAIL = "submitted"
#: The parts of every e-mail template folder templates/email/<name>/.
EMAIL_PARTS = ("subject.txt", "body.txt", "body.html")
_TEXT_SUFFIXES = (".html", ".css", ".txt")


def email_names(service: ServiceDefinition) -> list[str]:
    """Return the e-mail templates `service` sends, "submitted" first."""
    names = [SUBMITTED_EMAIL]
    for t in service.workflow.transitions:
        if t.notify and t.notify not in names:
            names.append(t.notify)
    return names


def read_template_files(service: ServiceDefinition, root: Path) -> dict[str, str]:
    """Return `{path under templates/: text}` of the shared files `service` renders with."""
    paths: list[Path] = []
    pdf = root / "pdf"
    if pdf.is_dir():
        paths += [p for p in pdf.iterdir() if p.is_file()]
        for template in sorted({d.template for d in service.documents}):
            folder = pdf / template
            if folder.is_dir():
                paths += [p for p in folder.iterdir() if p.is_file() and p.name != "document.html"]
    for name in email_names(service):
        paths += [root / "email" / name / part for part in EMAIL_PARTS]
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(paths)
        if p.is_file() and p.suffix in _TEXT_SUFFIXES
    }


def _digest(files: dict[str, str]) -> tuple[str, str]:
    text = json.dumps(files, sort_keys=True, ensure_ascii=False)
    return text, hashlib.sha256(text.encode()).hexdigest()


def sync_template_files(registry: Registry, stored: dict[Any, Any], editable: Any) -> list[Problem]:
    """Store each current workflow version's bundle; refuse a changed file in use.

    `editable(service_key, version)` says whether a stored version may still change.
    """
    problems: list[Problem] = []
    for (service_key, version), files in registry.template_files.items():
        if registry.current_services.get(service_key) != version:
            continue
        content, digest = _digest(files)
        if not store_version(
            stored,
            TEMPLATE_FILES,
            service_key,
            version,
            digest,
            content,
            "templates/",
            partial(editable, service_key, version),
        ):
            row = stored[(TEMPLATE_FILES, service_key, version)]
            service = registry.service(service_key, version)
            old = json.loads(row.content)
            for rel in sorted(set(old) | set(files)):
                if old.get(rel) != files.get(rel):
                    path = f"templates/{rel}"
                    problems.append(
                        Problem(
                            path,
                            1,
                            f"{path} changed but the version of {service.path} was not "
                            f"raised: version {version} is already in use with the old "
                            f"template; set 'version: {version + 1}' there",
                        )
                    )
    return problems


def load_stored(registry: Registry, stored: dict[Any, Any]) -> None:
    """Add the bundles of versions found only in the database to the registry."""
    for (kind, key, version), row in stored.items():
        if kind == TEMPLATE_FILES and (key, version) not in registry.template_files:
            registry.template_files[(key, version)] = json.loads(row.content)
