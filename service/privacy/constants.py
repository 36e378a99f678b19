"""Names used by the privacy package."""

from __future__ import annotations

#: The actor recorded on audit events the retention job writes.
RETENTION_ACTOR_ID = "system:retention"
RETENTION_ACTOR_LABEL = "Retention"
#: Version of the export document's shape, so that a reader can tell old exports apart.
EXPORT_FORMAT = 1
