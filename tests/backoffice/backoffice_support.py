"""Helpers for back-office tests: valid submissions, CSRF tokens, a per-request-context client."""

from __future__ import annotations

from datetime import date
from typing import Any

import pages
from factories import parking_permit_data, person, residence_registration_data
from flask.testing import FlaskClient

from service.cases.models import Case
from service.extensions import db

#: The demo roles and who holds them.
ROLES = {
    "resident": [],
    "case_worker": ["case_worker"],
    "registration_officer": ["registration_officer"],
    "permit_officer": ["permit_officer"],
    "admin": ["admin"],
}


def registration_data(
    family_name: str = "Mustermann", first_names: str = "Erika", move_in: date | None = None
) -> dict[str, Any]:
    """Return a valid residence registration for one person of the given name."""
    moving_in = {"move_in_date": move_in.isoformat()} if move_in else {}
    return residence_registration_data(
        persons=[person(family_name=family_name, first_names=first_names)], **moving_in
    )


def permit_data(waiver: bool = False, **overrides: Any) -> dict[str, Any]:
    """Return a valid parking permit application, optionally asking for a fee waiver."""
    if waiver:
        overrides |= {"fee_waiver_requested": True, "fee_waiver_reason": "Ich beziehe Bürgergeld."}
    return parking_permit_data(**overrides)


class FreshContextClient(FlaskClient):
    """A test client whose every request gets its own app context, as in production.

    The `app` fixture keeps an app context open for the whole test; without this, `g`
    (the cached current user, the CSRF token) would leak from one client's request into
    the next client's.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            return super().open(*args, **kwargs)


def csrf_token(client: FlaskClient, url: str = "/backoffice/") -> str:
    """Fetch a page and return the CSRF token its forms carry."""
    page = client.get(url)
    return pages.csrf_token(page.get_data(as_text=True), f"{url} ({page.status_code})")


def case_version(case_id: int) -> int:
    """Return the stored version of a case (read fresh from the database)."""
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    assert case is not None
    return case.version
