"""Development only: load the definitions again when a file under the definitions changes.

`flask run` on a development machine (`DEFINITIONS_RELOAD`) checks the files' times and
sizes before each request; an edited workflow, form or template is used from the next
request on. An edit with mistakes is logged and the last good definitions stay in use.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app

from service.contexts import unproxied
from service.definitions.services import (
    EXTENSION_KEY,
    DefinitionError,
    files_signature,
    load_definitions,
    personal_field_keys,
)

log = logging.getLogger(__name__)

_SIGNATURE = "amtsweg.definitions_signature"
_SYNCED = "amtsweg.definitions_synced"


def init_app(app: Flask) -> None:
    """Remember the files the app started with, when reloading is on."""
    if app.config.get("DEFINITIONS_RELOAD"):
        app.extensions[_SIGNATURE] = files_signature(app.config["DEFINITIONS_ROOT"])


def reload_if_changed() -> bool:
    """Load the definitions again if a file changed since; say whether they were replaced."""
    from service.transactions import ensure_definitions_synced

    app: Flask = unproxied(current_app)
    if _SIGNATURE not in app.extensions:
        return False
    root = app.config["DEFINITIONS_ROOT"]
    signature = files_signature(root)
    if signature == app.extensions[_SIGNATURE]:
        return False
    app.extensions[_SIGNATURE] = signature
    registry, problems = load_definitions(root)
    old = app.extensions[EXTENSION_KEY], app.extensions.get(_SYNCED)
    if not problems:
        app.extensions[EXTENSION_KEY], app.extensions[_SYNCED] = registry, False
        try:
            ensure_definitions_synced()
        except DefinitionError as exc:
            problems = exc.problems
            app.extensions[EXTENSION_KEY], app.extensions[_SYNCED] = old
    if problems:
        log.warning(
            "definitions not reloaded: %s", "; ".join(str(p).split("\n")[0] for p in problems)
        )
        return False
    from service.ops.logs import redact_personal

    app.jinja_env.globals["city"] = registry.city
    redact_personal(personal_field_keys(registry))
    log.info("definitions reloaded from %s", root)
    return True
