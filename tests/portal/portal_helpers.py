"""Helpers of the portal tests: act like a browser (CSRF token from the page, form posts)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from factories import residence_registration_data
from flask.testing import FlaskClient
from pages import csrf_token

from service.cases.models import Case
from service.cases.services import fire_transition, submit_case
from service.extensions import db
from service.rules.dates import local_today
from tests.conftest import actor_for

SERVICE = "residence_registration"
BASE = f"/services/{SERVICE}"


def post_form(
    client: FlaskClient, path: str, data: dict[str, Any], *, page: str | None = None
) -> Any:
    """GET `page` (default `path`) for its CSRF token, then POST `data` to `path` like a browser."""
    html = client.get(page or path).get_data(as_text=True)
    body = {"csrf_token": csrf_token(html), **data}
    return client.post(path, data=body, content_type="multipart/form-data")


def person(index: int, family: str, first: str, *, married: bool = False) -> dict[str, str]:
    """Return the posted fields of one person moving in."""
    p = f"persons-{index}-"
    fields = {
        "family_name": family,
        "first_names": first,
        "everyday_name": first.split()[0],
        "birth_date": "1988-04-12",
        "birth_place": "Köln",
        "birth_country": "DE",
        "sex": "female" if index == 0 else "male",
        "citizenship": "DE",
        "religious_community": "none",
        "marital_status": "married" if married else "single",
        "id_document_kind": "id_card",
        "id_document_number": f"L01X00T4{index}",
        "id_document_issuing_authority": "Stadt Köln",
        "id_document_issue_date": "2020-01-15",
        "id_document_expiry_date": "2030-01-14",
    }
    if married:
        fields["marriage_date"] = "2015-06-20"
        fields["marriage_place"] = "Köln"
    return {p + k: v for k, v in fields.items()}


def new_flat(kind: str = "secondary") -> dict[str, str]:
    """Return the posted fields of the new flat; a secondary residence names the main one."""
    moved = (local_today() - timedelta(days=3)).isoformat()
    data = {
        "street": "Königsallee",
        "house_number": "12a",
        "postal_code": "40212",
        "town": "Düsseldorf",
        "move_in_date": moved,
        "residence_kind": kind,
    }
    if kind == "secondary":
        data |= {
            "main_street": "Hohe Straße",
            "main_house_number": "5",
            "main_postal_code": "50667",
            "main_town": "Köln",
        }
    return data


PREVIOUS_FLAT = {
    "arriving_from_abroad": "no",
    "previous_street": "Hohe Straße",
    "previous_house_number": "5",
    "previous_postal_code": "50667",
    "previous_town": "Köln",
}


def open_case(user: Any) -> Case:
    """Submit a valid residence registration as `user` and commit."""
    case = submit_case(SERVICE, residence_registration_data(), user.id, actor_for(user)).case
    db.session.commit()
    return case


def asked_case(resident: Any, worker: Any) -> Case:
    """Open a case as `resident` on which `worker` asked for a document (committed)."""
    case = open_case(resident)
    question = {"message": "Bitte senden Sie die Wohnungsgeberbestätigung."}
    fire_transition(case, "request_information", actor_for(worker), question)
    db.session.commit()
    return case


def reply_page(client: FlaskClient, case: Case) -> tuple[str, str]:
    """Return the path of the case's reply form and the CSRF token its page carries."""
    path = f"/cases/{case.id}/actions/provide_information"
    return path, csrf_token(client.get(path).get_data(as_text=True))
