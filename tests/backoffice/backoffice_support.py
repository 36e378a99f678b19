"""Helpers for back-office tests: valid submissions, CSRF tokens, a per-request-context client."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

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
    """Return a valid residence registration for one person."""
    move_in = move_in or date.today() - timedelta(days=3)
    return {
        "persons": [
            {
                "family_name": family_name,
                "first_names": first_names,
                "everyday_name": first_names.split()[0],
                "birth_date": "1985-04-12",
                "birth_place": "Köln",
                "birth_country": "DE",
                "sex": "female",
                "citizenship": "DE",
                "religious_community": "none",
                "marital_status": "single",
                "id_document_kind": "id_card",
                "id_document_number": "L01X00T47",
                "id_document_issuing_authority": "Stadt Köln",
                "id_document_issue_date": "2020-01-15",
                "id_document_expiry_date": "2030-01-14",
            }
        ],
        "street": "Marktplatz",
        "house_number": "1",
        "postal_code": "40213",
        "town": "Düsseldorf",
        "move_in_date": move_in.isoformat(),
        "residence_kind": "sole",
        "arriving_from_abroad": False,
        "previous_street": "Domkloster",
        "previous_house_number": "4",
        "previous_postal_code": "50667",
        "previous_town": "Köln",
        "landlord_confirmation_kind": "owner",
    }


def permit_data(
    family_name: str = "Özdemir", first_name: str = "Ayşe", waiver: bool = False
) -> dict[str, Any]:
    """Return a valid parking permit application (optionally asking for a fee waiver)."""
    data: dict[str, Any] = {
        "first_name": first_name,
        "family_name": family_name,
        "street": "Kaiserstraße",
        "house_number": "5",
        "postal_code": "40479",
        "town": "Düsseldorf",
        "licence_plate": "D-AB 1234",
        "vehicle_relation": "keeper",
        "vehicle_registration": {
            "id": "9001",
            "name": "fahrzeugschein.pdf",
            "content_type": "application/pdf",
            "size": 2048,
        },
        "zone": "c",
        "period": "one_year",
        "start_date": date.today().isoformat(),
        "fee_waiver_requested": waiver,
    }
    if waiver:
        data["fee_waiver_reason"] = "Ich beziehe Bürgergeld."
    return data


class FreshContextClient(FlaskClient):
    """A test client whose every request gets its own app context, as in production.

    The `app` fixture keeps an app context open for the whole test; without this, `g`
    (the cached current user, the CSRF token) would leak from one client's request into
    the next client's.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            return super().open(*args, **kwargs)


_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client: FlaskClient, url: str = "/backoffice/") -> str:
    """Fetch a page and return the CSRF token its forms carry."""
    page = client.get(url)
    match = _TOKEN.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({page.status_code})"
    return match.group(1)


def case_version(case_id: int) -> int:
    """Return the stored version of a case (read fresh from the database)."""
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    assert case is not None
    return case.version
