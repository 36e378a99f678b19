"""The API's case view names every country answer in German and English beside its code,
so an integrator prints "Österreich", not "AT"."""

from __future__ import annotations

from typing import Any

from factories import deregistration_data, person, residence_registration_data
from flask.testing import FlaskClient

from tests.api.api_support import auth, mint


def _submit(api: FlaskClient, token: str, service: str, data: dict[str, Any]) -> Any:
    body = {
        "service": service,
        "applicant": {"subject": "resident-1", "name": "Erika Mustermann"},
        "data": data,
        "lang": "de",
    }
    created = api.post(
        "/api/v1/cases", json=body, headers={**auth(token), "Idempotency-Key": service}
    )
    assert created.status_code == 201, created.json
    return api.get(f"/api/v1/cases/{created.json['id']}", headers=auth(token)).json


def test_a_deregistration_names_the_country_moved_to(api: FlaskClient) -> None:
    token = mint(["cases:write", "cases:read"])
    body = _submit(api, token, "deregistration", deregistration_data())

    assert body["data"]["new_country"] == "AT"  # the answer itself is unchanged
    assert body["country_names"] == {
        "new_country": {"code": "AT", "name": {"de": "Österreich", "en": "Austria"}}
    }


def test_country_answers_inside_a_group_are_named_per_item(api: FlaskClient) -> None:
    token = mint(["cases:write", "cases:read"])
    persons = [person(), person(first_names="Max", citizenship="FR", birth_country="BE")]
    body = _submit(
        api, token, "residence_registration", residence_registration_data(persons=persons)
    )

    germany = {"code": "DE", "name": {"de": "Deutschland", "en": "Germany"}}
    assert body["country_names"] == {
        "persons": [
            {"birth_country": germany, "citizenship": germany},
            {
                "birth_country": {"code": "BE", "name": {"de": "Belgien", "en": "Belgium"}},
                "citizenship": {"code": "FR", "name": {"de": "Frankreich", "en": "France"}},
            },
        ]
    }
