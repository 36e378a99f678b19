"""The development identity provider's people, read from `instance/people.yaml`.

The file is data, not Python: it is seeded from the shipped `people.example.yaml` on
first use, and a mistake in it is reported with the file, the line and what is wrong.
A person's roles are staff-wide roles (`admin`) and, per service, the roles of that
service's workflow (docs/authentication.md).
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app

from service.auth.grants import grant_problem
from service.config import ROOT
from service.definitions.yamlio import LineDict, LineList, YamlProblem, load
from service.engine.roles import grant

#: The shipped example, copied to the instance directory on first use.
EXAMPLE = ROOT / "people.example.yaml"
FILE_NAME = "people.yaml"
_SLUG = re.compile(r"[A-Za-z0-9_-]{1,64}")
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_PERSON_KEYS = {"slug", "name", "email", "description", "roles", "services"}


class PeopleFileError(ValueError):
    """The people file has a mistake: the message names the file and the line."""


@dataclass(frozen=True)
class DemoPerson:
    """Someone to log in as at the development identity provider."""

    slug: str
    name: str
    email: str
    #: Staff-wide roles (valid in every service), e.g. `admin`.
    staff_roles: tuple[str, ...] = ()
    #: Per service key, the roles of that service's workflow.
    services: dict[str, tuple[str, ...]] = field(default_factory=dict)
    description: str = ""

    @property
    def roles(self) -> tuple[str, ...]:
        """Return the person's grants as the `roles` claim carries them, sorted."""
        pairs = {grant(s, r) for s, names in self.services.items() for r in names}
        return tuple(sorted(set(self.staff_roles) | pairs))

    def role_summary(self, lang: str = "de") -> str:
        """Return the person's roles by title per service, for the login picker."""
        from service.definitions.services import current_registry

        workflows = {s.key: s.workflow for s in current_registry().current()}
        parts = list(self.staff_roles)
        for key, names in sorted(self.services.items()):
            workflow = workflows.get(key)
            if workflow is None:
                parts.append(f"{key}: {', '.join(names)}")
                continue
            titles = ", ".join(workflow.role_title(n).get(lang) for n in names)
            parts.append(f"{workflow.title.get(lang)}: {titles}")
        return "; ".join(parts)

    def get_user_id(self) -> str:
        """Return the stable subject identifier (Authlib's user interface)."""
        return self.slug


def people_path() -> Path:
    """Return the instance's people file, copied from the shipped example on first use."""
    path = Path(current_app.config["INSTANCE_DIR"]) / FILE_NAME
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(EXAMPLE, path)
    return path


_cache: dict[str, tuple[float, list[DemoPerson]]] = {}
_cache_lock = threading.Lock()


def people() -> list[DemoPerson]:
    """Return the people, in the order the file lists them (read again when it changes)."""
    path = people_path()
    mtime = path.stat().st_mtime
    with _cache_lock:
        cached = _cache.get(str(path))
        if cached is None or cached[0] != mtime:
            from service.auth.grants import known_roles

            cached = (mtime, load_people(path, known_roles()))
            _cache[str(path)] = cached
        return cached[1]


def person(slug: str) -> DemoPerson | None:
    """Return the person with this slug, or None."""
    return next((p for p in people() if p.slug == slug), None)


# --- reading the file -------------------------------------------------------------------


def load_people(
    path: Path, known: Mapping[str, Mapping[str, str]] | None = None
) -> list[DemoPerson]:
    """Read a people file; raise PeopleFileError naming the file and line of a mistake.

    With `known` (per service key, its roles), a role no service has is a mistake too.
    """
    try:
        doc = load(path.read_text(encoding="utf-8"))
    except YamlProblem as problem:
        raise PeopleFileError(f"{path}:{problem.line}: {problem.message}") from None
    except OSError as exc:
        raise PeopleFileError(f"{path}: cannot be read ({exc.strerror})") from None
    reader = _Reader(path, known)
    if not isinstance(doc, LineDict) or set(doc) != {"people"}:
        reader.fail(getattr(doc, "line", 1), "the file must hold one key, 'people:', a list")
    items = doc["people"]
    if not isinstance(items, LineList):
        reader.fail(doc.line_of("people"), "'people' must be a list of people")
    found: list[DemoPerson] = []
    for index, item in enumerate(items):
        who = reader.person(item, items.line_of(index))
        if any(p.slug == who.slug for p in found):
            reader.fail(item.line_of("slug"), f"slug '{who.slug}' is used twice")
        found.append(who)
    return found


class _Reader:
    """Checks one people file, raising on the first mistake with its line."""

    def __init__(self, path: Path, known: Mapping[str, Mapping[str, str]] | None) -> None:
        self.path = path
        self.known = known

    def fail(self, line: int, message: str) -> Any:
        raise PeopleFileError(f"{self.path}:{line}: {message}")

    def person(self, item: Any, line: int) -> DemoPerson:
        if not isinstance(item, LineDict):
            self.fail(line, "each person must be a mapping with slug, name and email")
        unknown = sorted(set(item) - _PERSON_KEYS)
        if unknown:
            allowed = ", ".join(sorted(_PERSON_KEYS))
            self.fail(item.line_of(unknown[0]), f"unknown key '{unknown[0]}' (allowed: {allowed})")
        slug = self.text(item, "slug")
        if not _SLUG.fullmatch(slug):
            self.fail(item.line_of("slug"), f"slug '{slug}' may hold only letters, digits, - and _")
        email = self.text(item, "email")
        if "@" not in email:
            self.fail(item.line_of("email"), f"person '{slug}': email '{email}' has no @")
        return DemoPerson(
            slug=slug,
            name=self.text(item, "name"),
            email=email,
            staff_roles=self.names(item, "roles", f"person '{slug}'"),
            services=self.services(item, slug),
            description=self.text(item, "description", required=False),
        )

    def text(self, item: LineDict, key: str, required: bool = True) -> str:
        value = item.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            what = f"'{key}' is missing" if key not in item else f"'{key}' must be text"
            self.fail(item.line_of(key), f"{what} (each person needs slug, name and email)")
        return str(value).strip()

    def names(
        self, item: LineDict, key: str, what: str, service: str | None = None
    ) -> tuple[str, ...]:
        """Read a list of roles (of `service`, or staff-wide ones when it is None)."""
        value = item.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail(item.line_of(key), f"{what}: '{key}' must be a list, e.g. [case_worker]")
        for index, name in enumerate(value):
            line = value.line_of(index) if isinstance(value, LineList) else item.line_of(key)
            if not isinstance(name, str) or not _NAME.fullmatch(name):
                self.fail(line, f"{what}: '{name}' is not a role name (lower case, digits, _)")
            # A role no service has (or not the named service's) is refused, not ignored.
            known = self.known
            problem = None if known is None else grant_problem(grant(service, name), known)
            if problem is not None:
                self.fail(line, f"{what}: {problem}")
        return tuple(str(n) for n in value)

    def services(self, item: LineDict, slug: str) -> dict[str, tuple[str, ...]]:
        value = item.get("services")
        if value is None:
            return {}
        if not isinstance(value, LineDict):
            self.fail(
                item.line_of("services"),
                f"person '{slug}': 'services' must map service keys to lists of roles",
            )
        result = {}
        for key in value:
            if not isinstance(key, str) or not _NAME.fullmatch(key):
                self.fail(value.line_of(str(key)), f"person '{slug}': '{key}' is not a service key")
            if self.known is not None and key not in self.known:
                services = ", ".join(sorted(self.known))
                self.fail(
                    value.line_of(key),
                    f"person '{slug}': there is no service '{key}' (services: {services})",
                )
            result[key] = self.names(value, key, f"person '{slug}', service '{key}'", key)
        return result
