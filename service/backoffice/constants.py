"""Names and limits of the back office."""

from __future__ import annotations

from enum import StrEnum

#: A role that sees every service and every case, whatever the workflows name.
ADMIN_ROLE = "admin"

#: Rows per inbox page.
PAGE_SIZE = 25


class Sort(StrEnum):
    """Orders the inbox offers; each is a keyset over (value, id)."""

    DUE = "due"  # most urgent first; cases without a due date last
    SUBMITTED_DESC = "-submitted"  # newest first
    SUBMITTED = "submitted"  # oldest first


class AssigneeFilter(StrEnum):
    """Whose cases the inbox shows."""

    ANYONE = "anyone"
    ME = "me"
    UNASSIGNED = "unassigned"


class StatusFilter(StrEnum):
    """Open cases (the default), closed ones or all."""

    OPEN = "open"
    CLOSED = "closed"
    ALL = "all"
