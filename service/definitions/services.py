"""Public API of the definitions package: load, check, store and look up versions."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from service.definitions import checks, includes, shorthands
from service.definitions.checks import check_form, check_workflow
from service.definitions.city import CITY_FILE, City, load_city
from service.definitions.errors import DefinitionError, Problem, Problems
from service.definitions.loader import parse_form, parse_workflow
from service.definitions.registry import Registry, UnknownDefinition
from service.definitions.stored import store_version
from service.definitions.template_files import (
    load_stored,
    read_template_files,
    sync_template_files,
)
from service.definitions.types import FormDefinition, ServiceDefinition
from service.definitions.yamlio import YamlProblem, load

__all__ = [
    "DefinitionError",
    "Problem",
    "Registry",
    "UnknownDefinition",
    "content_hash",
    "current_city",
    "current_registry",
    "files_signature",
    "load_definitions",
    "personal_field_keys",
    "sync_versions",
]

EXTENSION_KEY = "amtsweg.definitions"


def content_hash(doc: Any) -> str:
    """Hash what a document says, not how it is written (comments and layout don't count)."""
    canonical = json.dumps(
        doc, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


#: Definitions parsed without a problem, by (text, path, parser, shared files). Parsing
#: the YAML with line numbers is most of an app's start-up (every test builds an app), and
#: the result is frozen data that depends on nothing but these.
_parsed: dict[tuple[str, str, Any, Any], Any] = {}
_PARSED_MAX = 256


def _parse_text(text: str, rel: str, problems: Problems, parse: Any, root: Any = None) -> Any:
    """Parse one file; `root` (workflows) is where `uses:` finds workflows/_common/."""
    key = (text, rel, parse, includes.shared_texts(root))
    if (hit := _parsed.get(key)) is not None:
        return hit
    before = len(problems.items)
    try:
        doc = load(text)
    except YamlProblem as exc:
        problems.add(exc.line, exc.message)
        return None
    doc, resolved = expand(doc, problems, root, parse is parse_workflow)
    parsed = parse(doc, rel, problems)
    if not parsed:
        return None
    parsed = dataclasses.replace(parsed, content_hash=content_hash(doc))
    if resolved:
        parsed = dataclasses.replace(parsed, resolved_text=includes.resolved_text(doc))
    if len(problems.items) == before:
        if len(_parsed) >= _PARSED_MAX:
            _parsed.clear()
        _parsed[key] = parsed
    return parsed


def parse_form_text(text: str, rel: str, problems: Problems) -> FormDefinition | None:
    """Parse a form file's text (used for files and for versions stored in the database)."""
    form: FormDefinition | None = _parse_text(text, rel, problems, parse_form)
    return form


def parse_workflow_text(
    text: str, rel: str, problems: Problems, root: Path | None = None
) -> ServiceDefinition | None:
    """Parse a workflow file's text (used for files and for versions stored in the database).

    `root` lets the workflow use shared files (`uses:`); stored versions are resolved.
    """
    service: ServiceDefinition | None = _parse_text(text, rel, problems, parse_workflow, root)
    return service


def expand(doc: Any, problems: Problems, root: Path | None, workflow: bool) -> tuple[Any, bool]:
    """The reuse hook: merge shared files into a workflow, expand a form's blocks.

    Runs on the parsed tree before the loader reads it; returns the tree and whether it
    used shared files (then its stored text is the resolved one).
    """
    if workflow:
        doc, resolved = includes.expand_workflow(doc, problems, root)
        return shorthands.default_templates(doc), resolved
    return shorthands.expand_form(doc, problems), False


def load_definitions(
    root: Path | str, check_templates: bool = True
) -> tuple[Registry, list[Problem]]:
    """Load and check `workflows/*.yaml` and `forms/*.yaml` under `root` as a whole."""
    root = Path(root)
    registry = Registry()
    problems: list[Problem] = []
    texts: dict[str, str] = {}
    # A form file too broken to read stands as None: a workflow naming it is not told
    # that it is missing (its own mistakes are reported).
    forms: dict[str, FormDefinition | None] = {}
    for path in sorted((root / "forms").glob("*.yaml")):
        rel = f"forms/{path.name}"
        texts[rel] = path.read_text(encoding="utf-8")
        p = Problems(rel, texts[rel])
        form = parse_form_text(texts[rel], rel, p)
        if form is None:
            forms.setdefault(path.stem, None)
        else:
            check_form(form, p, path.stem)
            if form.key in forms:
                p.add(1, f"duplicate form key '{form.key}'")
            forms[form.key] = form
            registry.add_form(form, texts[rel], current=True)
        problems += p.items
    templates = root / "templates" if check_templates else None
    seen_templates: set[str] = set()
    registry.city, city_problems = load_city(root)
    problems += city_problems
    for path in sorted((root / "workflows").glob("*.yaml")):
        rel = f"workflows/{path.name}"
        text = path.read_text(encoding="utf-8")
        p = Problems(rel, text)
        service = parse_workflow_text(text, rel, p, root)
        if service is not None:
            check_workflow(service, p, path.stem, forms, templates)
            for d in service.documents:
                if d.department and registry.city and not registry.city.department(d.department):
                    p.add(
                        d.line,
                        f"document '{d.key}' names department '{d.department}' "
                        f"but {CITY_FILE} does not define it",
                    )
            if templates is not None:
                form = forms.get(service.form_key)
                for found in checks.check_templates(service, form, templates, seen_templates):
                    problems += found.items
            if service.key in registry.services:
                p.add(1, f"duplicate workflow key '{service.key}'")
            registry.add_service(service, service.resolved_text or text, current=True)
            _read_templates(registry, service, root / "templates")
            registry.template_files[(service.key, service.version)] = read_template_files(
                service, root / "templates"
            )
        problems += p.items
    problems += includes.check_files(root)
    if templates is not None:
        for found in checks.check_unused_templates(templates, seen_templates):
            problems += found.items
    return registry, sorted(set(problems))


#: Says whether a case uses a version: (kind "workflow" or "form", service key, version).
InUse = Callable[[str, str, int], bool]


def files_signature(root: Path | str) -> tuple[tuple[str, int, int], ...]:
    """Return name, modification time and size of every definition file under `root`.

    Any edit, new or removed file changes it (development reloads on a change).
    """
    root = Path(root)
    patterns = (
        "workflows/*.yaml",
        f"{includes.SHARED_DIR}/*.yaml",
        "forms/*.yaml",
        "templates/pdf/**/*",
        "templates/email/**/*",
    )
    paths = [p for pattern in patterns for p in root.glob(pattern) if p.is_file()]
    paths += [root / CITY_FILE] if (root / CITY_FILE).is_file() else []
    return tuple((str(p), (s := p.stat()).st_mtime_ns, s.st_size) for p in sorted(paths))


def _read_templates(registry: Registry, service: ServiceDefinition, root: Path) -> None:
    """Keep the text of each document template of `service` with its version."""
    for d in service.documents:
        path = root / "pdf" / d.template / "document.html"
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            registry.templates[(service.key, service.version, d.key)] = text


def sync_versions(registry: Registry, in_use: InUse | None = None) -> list[Problem]:
    """Store new versions, refuse changed files whose version was not raised, load old ones.

    Returns the problems (empty when all is well). Versions found only in the database
    are added to the registry so that cases pinned to them keep running. A draft
    service's workflow and form may change without a new version while `in_use` says no
    case uses them (without `in_use`, every stored version counts as used).
    """
    from service.definitions.models import DefinitionVersion
    from service.extensions import db

    problems: list[Problem] = []
    stored = {
        (r.kind, r.key, r.version): r for r in db.session.scalars(db.select(DefinitionVersion))
    }
    templates_known = {(f"{s}:{d}", v) for s, v, d in registry.templates}
    current: list[tuple[str, str, int, str, str]] = [
        ("workflow", s.key, s.version, s.content_hash, s.path) for s in registry.current()
    ] + [
        ("form", key, v, registry.form(key, v).content_hash, registry.form(key, v).path)
        for key, v in registry.current_forms.items()
    ]
    for kind, key, version, digest, path in current:
        content = registry.sources[(kind, key, version)]
        if not store_version(
            stored,
            kind,
            key,
            version,
            digest,
            content,
            path,
            partial(_editable, registry, kind, key, version, in_use),
        ):
            problems.append(
                Problem(
                    path,
                    1,
                    f"{path} changed but its version {version} was not raised: version {version} "
                    f"is already in use with different content; set 'version: {version + 1}'"
                    + _shared_hint(registry, kind, key, version),
                )
            )
    problems += _sync_templates(registry, stored, in_use)
    problems += sync_template_files(
        registry, stored, lambda key, version: _editable(registry, "workflow", key, version, in_use)
    )
    load_stored(registry, stored)
    for (kind, key, version), row in stored.items():
        if kind == TEMPLATE and (key, version) not in templates_known:
            service_key, _, document = key.partition(":")
            registry.templates[(service_key, version, document)] = row.content
        elif kind == "workflow" and version not in registry.services.get(key, {}):
            p = Problems(row.path)
            service = parse_workflow_text(row.content, row.path, p)
            if service is not None:
                registry.add_service(_mark_shared(registry, service), row.content, current=False)
        elif kind == "form" and version not in registry.forms.get(key, {}):
            p = Problems(row.path)
            form = parse_form_text(row.content, row.path, p)
            if form is not None:
                registry.add_form(form, row.content, current=False)
    if problems:
        db.session.rollback()
    else:
        db.session.commit()
    return problems


def _mark_shared(registry: Registry, service: ServiceDefinition) -> ServiceDefinition:
    """Mark in a version read back the transitions its current version takes from shared files.

    The stored text no longer says which were shared; so marked, every version of a workflow
    lists a case's actions in one order (`Workflow.listed_transitions`).
    """
    if service.key not in registry.current_services:
        return service
    shared = {t.name for t in registry.service(service.key).workflow.transitions if t.shared}
    workflow = service.workflow
    transitions = tuple(
        dataclasses.replace(t, shared=t.name in shared) for t in workflow.transitions
    )
    return dataclasses.replace(
        service, workflow=dataclasses.replace(workflow, transitions=transitions)
    )


def _shared_hint(registry: Registry, kind: str, key: str, version: int) -> str:
    """Say that a workflow may have changed through a shared file it uses."""
    if kind == "workflow" and registry.service(key, version).resolved_text:
        return f" (a change in {includes.SHARED_DIR}/, which it uses, counts too)"
    return ""


#: The kind of a stored document template: key "<service>:<document>", the workflow version.
TEMPLATE = "template"


def _sync_templates(
    registry: Registry, stored: dict[Any, Any], in_use: InUse | None
) -> list[Problem]:
    """Store each current workflow version's document templates; refuse a changed one."""
    problems = []
    for (service_key, version, document), text in registry.templates.items():
        if registry.current_services.get(service_key) != version:
            continue
        service = registry.service(service_key, version)
        template = next(d.template for d in service.documents if d.key == document)
        path = f"templates/pdf/{template}/document.html"
        key, digest = f"{service_key}:{document}", hashlib.sha256(text.encode()).hexdigest()
        if not store_version(
            stored,
            TEMPLATE,
            key,
            version,
            digest,
            text,
            path,
            partial(_editable, registry, "workflow", service_key, version, in_use),
        ):
            problems.append(
                Problem(
                    path,
                    1,
                    f"{path} changed but the version of {service.path} was not raised: version "
                    f"{version} is already in use with the old template; "
                    f"set 'version: {version + 1}' there",
                )
            )
    return problems


def _editable(registry: Registry, kind: str, key: str, version: int, in_use: InUse | None) -> bool:
    """Say whether a stored version may still change: a draft's, used by no case."""
    if in_use is None:
        return False
    if kind == "workflow":
        users = [registry.service(key)]
    else:
        users = [s for s in registry.current() if s.form_key == key]
    return bool(users) and all(s.draft and not in_use(kind, s.key, version) for s in users)


def personal_field_keys(registry: Registry) -> set[str]:
    """Return the keys of every personal field (`personal: true`, the default) of any form."""
    keys: set[str] = set()
    for versions in registry.forms.values():
        for form in versions.values():
            for f in form.fields:
                keys |= {f.key} if f.personal and f.type != "group" else set()
                keys |= {s.key for s in f.fields if s.personal}
    return keys


def current_city() -> City:
    """Return the city of the running app (city.yaml)."""
    city = current_registry().city
    if city is None:  # the app refuses to start without one
        raise RuntimeError("no city.yaml loaded")
    return city


def current_registry() -> Registry:
    """Return the registry of the running app."""
    # Imported here, so that the package loads without Flask; `import flask` finds the
    # module in sys.modules, where `from flask import ...` ran importlib's fromlist
    # handling on every call (0.54 against 0.19 us; several calls per request).
    import flask

    # The app itself, not through its proxy (see service.contexts; about 1 us a read).
    app = flask.current_app._get_current_object()  # type: ignore[attr-defined]
    registry: Registry = app.extensions[EXTENSION_KEY]
    return registry
