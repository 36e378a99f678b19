"""Every definition version known to this process, and which one is current."""

from __future__ import annotations

from dataclasses import dataclass, field

from service.definitions.city import City
from service.definitions.types import FormDefinition, ServiceDefinition


class UnknownDefinition(LookupError):
    """No service or form with that key (and version) is known."""


@dataclass
class Registry:
    """Versions by key; the current version is the one in the files on disk."""

    services: dict[str, dict[int, ServiceDefinition]] = field(default_factory=dict)
    forms: dict[str, dict[int, FormDefinition]] = field(default_factory=dict)
    current_services: dict[str, int] = field(default_factory=dict)
    current_forms: dict[str, int] = field(default_factory=dict)
    #: (kind, key, version) -> canonical JSON text stored in the database.
    sources: dict[tuple[str, str, int], str] = field(default_factory=dict)
    #: The city running the services (city.yaml).
    city: City | None = None
    #: (service key, workflow version, document key) -> text of its document.html.
    templates: dict[tuple[str, int, str], str] = field(default_factory=dict)
    #: (service key, workflow version) -> {path under templates/: text} of the layout,
    #: style sheets and e-mails of that version (see `definitions.template_files`).
    template_files: dict[tuple[str, int], dict[str, str]] = field(default_factory=dict)

    def add_service(self, service: ServiceDefinition, source: str, current: bool) -> None:
        """Register a workflow version; `current` when it comes from the files."""
        self.services.setdefault(service.key, {})[service.version] = service
        self.sources[("workflow", service.key, service.version)] = source
        if current:
            self.current_services[service.key] = service.version

    def add_form(self, form: FormDefinition, source: str, current: bool) -> None:
        """Register a form version; `current` when it comes from the files."""
        self.forms.setdefault(form.key, {})[form.version] = form
        self.sources[("form", form.key, form.version)] = source
        if current:
            self.current_forms[form.key] = form.version

    def service(self, key: str, version: int | None = None) -> ServiceDefinition:
        """Return a service version (the current one when `version` is None)."""
        try:
            versions = self.services[key]
            return versions[version if version is not None else self.current_services[key]]
        except KeyError:
            raise UnknownDefinition(f"unknown service {key!r} version {version}") from None

    def form(self, key: str, version: int | None = None) -> FormDefinition:
        """Return a form version (the current one when `version` is None)."""
        try:
            versions = self.forms[key]
            return versions[version if version is not None else self.current_forms[key]]
        except KeyError:
            raise UnknownDefinition(f"unknown form {key!r} version {version}") from None

    def current(self) -> list[ServiceDefinition]:
        """Return the current version of every service, sorted by key."""
        return [self.services[k][v] for k, v in sorted(self.current_services.items())]

    def document_template(self, service_key: str, version: int, document: str) -> str | None:
        """Return the text a document of that workflow version is rendered with (None: the
        file as it is, for a version stored before templates were versioned)."""
        return self.templates.get((service_key, version, document))

    def template_file(self, service_key: str, version: int, path: str) -> str | None:
        """Return the text of `path` (under templates/, e.g. "email/decided/body.txt") as
        stored with that workflow version (None: use the file as it is)."""
        return self.template_files.get((service_key, version), {}).get(path)

    def pdf_files(self, service_key: str, version: int) -> dict[str, str]:
        """Return the layout and style sheets stored with that workflow version, by path
        under templates/pdf/ ("_layout.html", "<template>/style.css")."""
        files = self.template_files.get((service_key, version), {})
        return {k.removeprefix("pdf/"): v for k, v in files.items() if k.startswith("pdf/")}

    def draft_versions(self) -> list[tuple[str, int]]:
        """Return (key, version) of every workflow version marked `draft: true`.

        Cases pinned to one were opened by staff trying the service, never by residents.
        """
        return [
            (key, version)
            for key, versions in sorted(self.services.items())
            for version, service in sorted(versions.items())
            if service.draft
        ]

    def published(self) -> list[ServiceDefinition]:
        """Return the current version of every service residents may see (not drafts)."""
        return [s for s in self.current() if not s.draft]
