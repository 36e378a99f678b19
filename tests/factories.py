"""Valid answers for the shipped services, to build cases in tests.

`residence_registration_data()` and `parking_permit_data()` return data that passes the
current forms; pass keyword overrides to change single answers.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any


def person(**overrides: Any) -> dict[str, Any]:
    """Return one person moving in; the everyday name follows changed first names."""
    data: dict[str, Any] = {
        "family_name": "Mustermann",
        "first_names": "Erika Maria",
        "everyday_name": "Erika",
        "doctorate": "Dr.",
        "birth_date": "1984-08-12",
        "birth_place": "Köln",
        "birth_country": "DE",
        "sex": "female",
        "citizenship": "DE",
        "religious_community": "none",
        "marital_status": "single",
        "id_document_kind": "id_card",
        "id_document_number": "L01X00T47",
        "id_document_issuing_authority": "Stadt Köln",
        "id_document_issue_date": "2020-03-01",
        "id_document_expiry_date": "2030-02-28",
    }
    if "first_names" in overrides:
        data["everyday_name"] = overrides["first_names"].split()[0]
    data.update(overrides)
    return data


def residence_registration_data(**overrides: Any) -> dict[str, Any]:
    """Return a complete residence registration for one person moving into a rented flat."""
    data: dict[str, Any] = {
        "persons": [person()],
        "street": "Marktplatz",
        "house_number": "2",
        "postal_code": "40213",
        "town": "Düsseldorf",
        "move_in_date": (date.today() - timedelta(days=3)).isoformat(),
        "residence_kind": "sole",
        "arriving_from_abroad": False,
        "previous_street": "Domkloster",
        "previous_house_number": "4",
        "previous_postal_code": "50667",
        "previous_town": "Köln",
        "landlord_confirmation_kind": "landlord_details",
        "landlord_name": "Wohnbau Rhein GmbH",
        "landlord_street": "Königsallee",
        "landlord_house_number": "1",
        "landlord_postal_code": "40212",
        "landlord_town": "Düsseldorf",
        "email": "erika@example.org",
    }
    data.update(overrides)
    return data


def parking_permit_data(**overrides: Any) -> dict[str, Any]:
    """Return a complete resident parking permit application without a fee waiver."""
    data: dict[str, Any] = {
        "first_name": "Max",
        "family_name": "Mustermann",
        "street": "Bilker Allee",
        "house_number": "12",
        "postal_code": "40219",
        "town": "Düsseldorf",
        "licence_plate": "D-AB 1234",
        "vehicle_relation": "keeper",
        "vehicle_registration": {
            "id": "upload-1",
            "name": "fahrzeugschein.pdf",
            "content_type": "application/pdf",
            "size": 1200,
        },
        "zone": "a",
        "period": "one_year",
        "start_date": (date.today() + timedelta(days=7)).isoformat(),
        "fee_waiver_requested": False,
    }
    data.update(overrides)
    return data
