"""Records the back office keeps besides the case itself."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from sqlalchemy import DDL, ForeignKey, Index, Integer, String, cast, event, func, literal_column
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

from service.auth.models import User
from service.cases.models import Case
from service.extensions import UTCDateTime, db, utcnow

#: What the inbox search matches against: reference and applicant name, lower-cased.
SEARCH_TEXT = func.lower(Case.reference + " " + Case.applicant_name).label("search_text")


class CaseView(db.Model):  # type: ignore[name-defined]
    """One opening of a case page by a staff member (who looked at whose data, and when)."""

    __tablename__ = "case_views"
    __table_args__ = (Index("ix_case_views_case_viewed", "case_id", "viewed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    viewed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# --- inbox indexes on the cases table --------------------------------------------------
# Declared here, next to the queries that need them, so the cases package stays ignorant
# of the back office. Alembic sees them like any other index of the cases table.

#: The default inbox (open cases, most urgent first) walks this index in order and stops
#: after one page, whatever the page's depth (keyset pagination).
ix_cases_open_due = Index(
    "ix_cases_open_due",
    Case.due_at,
    Case.id,
    postgresql_where=Case.closed_at.is_(None),
    sqlite_where=Case.closed_at.is_(None),
)
ix_cases_open_submitted = Index(
    "ix_cases_open_submitted",
    Case.submitted_at,
    Case.id,
    postgresql_where=Case.closed_at.is_(None),
    sqlite_where=Case.closed_at.is_(None),
)
#: Staff are the users with roles; residents (nearly every row) have none. Assignment
#: lists read only the staff through this small partial index.
HAS_ROLES = cast(User.roles, String) != literal_column("'[]'")
ix_users_staff = Index(
    "ix_users_staff", User.name, User.id, postgresql_where=HAS_ROLES, sqlite_where=HAS_ROLES
)

#: The inbox counts (per state, service, assignee; overdue; replied) of open cases are
#: answered from this index alone on PostgreSQL (index-only scan), without the table.
ix_cases_open_facets = Index(
    "ix_cases_open_facets",
    Case.service_key,
    Case.state,
    Case.assignee_id,
    postgresql_include=["due_at", "clock_paused_at", "resident_replied"],
    postgresql_where=Case.closed_at.is_(None),
    sqlite_where=Case.closed_at.is_(None),
)
#: Search by reference or applicant name, case-insensitive substring. A trigram GIN index
#: answers `LIKE '%term%'` on PostgreSQL without a table scan; SQLite (the embedded
#: single-office setup) scans, which is fast enough at its size.
ix_cases_search = Index(
    "ix_cases_search",
    SEARCH_TEXT,
    postgresql_using="gin",
    postgresql_ops={"search_text": "gin_trgm_ops"},
).ddl_if(dialect="postgresql")

event.listen(
    Case.__table__,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)


def _unicode_lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


@event.listens_for(Engine, "connect")
def _sqlite_unicode_lower(dbapi_connection: Any, _record: Any) -> None:
    """Make SQLite's lower() fold all of Unicode, so a search for "özdemir" finds "Özdemir".

    SQLite's built-in lower() only folds ASCII; PostgreSQL's folds every letter already.
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
