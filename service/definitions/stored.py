"""Store one version of a definition file in `definition_versions`, or compare it.

Workflows, forms, document templates and the template bundles (`template_files.py`) are
all kept the same way: a version seen for the first time is stored; a stored version whose
content changed is overwritten while it may still change (a draft's, used by no case) and
refused otherwise. Each caller words its own refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def store_version(
    stored: dict[Any, Any],
    kind: str,
    key: str,
    version: int,
    digest: str,
    content: str,
    path: str,
    editable: Callable[[], bool],
) -> bool:
    """Store or update one version; return False when a stored version in use differs.

    `stored` maps `(kind, key, version)` to the rows already in the database; `editable()`
    (asked only when the content differs) says whether the stored version may still change.
    """
    from service.definitions.models import DefinitionVersion
    from service.extensions import db

    row = stored.get((kind, key, version))
    if row is None:
        db.session.add(
            DefinitionVersion(
                kind=kind,
                key=key,
                version=version,
                content_hash=digest,
                content=content,
                path=path,
            )
        )
    elif row.content_hash == digest:
        pass
    elif editable():
        row.content_hash, row.content, row.path = digest, content, path
    else:
        return False
    return True
