"""Valid answers to the shipped forms, for the benchmarks (tests use tests/factories.py)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any


def residence_registration(n: int = 0, email: str = "erika@example.org") -> dict[str, Any]:
    """Return a valid residence registration for one person (`n` varies the name)."""
    today = date.today()
    return {
        "persons": [
            {
                "family_name": f"Mustermann{n}" if n else "Mustermann",
                "first_names": "Erika Maria",
                "everyday_name": "Erika",
                "birth_date": "1990-05-17",
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
                "id_document_expiry_date": (today + timedelta(days=900)).isoformat(),
            }
        ],
        "street": "Marktplatz",
        "house_number": "1",
        "postal_code": "40213",
        "town": "Düsseldorf",
        "move_in_date": (today - timedelta(days=3)).isoformat(),
        "residence_kind": "sole",
        "arriving_from_abroad": False,
        "previous_street": "Domkloster",
        "previous_house_number": "4",
        "previous_postal_code": "50667",
        "previous_town": "Köln",
        "landlord_confirmation_kind": "landlord_details",
        "landlord_name": "Wohnbau GmbH",
        "landlord_street": "Königsallee",
        "landlord_house_number": "10",
        "landlord_postal_code": "40212",
        "landlord_town": "Düsseldorf",
        "transfer_objections": ["address_books"],
        "email": email,
        "phone": "+492111234567",
    }
