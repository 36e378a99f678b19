"""Moved: a resident's draft is `service.drafts.models.Draft` (privacy uses it too).

Kept only so that code written before the move still imports; import from
`service.drafts.models` instead. Remove once nothing names this module.
"""

from service.drafts.models import Draft

__all__ = ["Draft"]
