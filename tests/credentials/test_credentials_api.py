"""The integrators' presentation requests: the same check as the back office's page."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from service.rules.dates import local_today
from tests.api.api_support import api, api_app, mint

__all__ = ["api", "api_app"]

VERIFY = ("credentials:verify",)


def auth(scopes: tuple[str, ...] = VERIFY, client_id: str = "ordnungsamt") -> dict[str, str]:
    return {"Authorization": f"Bearer {mint(scopes, client_id=client_id)}"}


def test_client_requests_zone_and_reads_the_result(api: Any, api_app: Any) -> None:
    from credentials_support import Holder, nonce, offer_code, request_credential, token
    from factories import parking_permit_data

    from service.auth.models import User
    from service.cases import services as cases
    from service.credentials import services as credentials
    from service.engine import Actor
    from service.extensions import db

    max_ = User(issuer="t", subject="max", name="Max")
    olaf = User(issuer="t", subject="olaf", name="Olaf", roles=["permit_officer"])
    db.session.add_all([max_, olaf])
    db.session.flush()

    data = parking_permit_data(start_date=local_today().isoformat())
    case = cases.submit_case("parking_permit", data, max_.id, Actor(**max_.as_actor_fields())).case
    cases.fire_transition(case, "start_review", Actor(**olaf.as_actor_fields()))
    cases.fire_transition(case, "approve", Actor(**olaf.as_actor_fields()))
    offer = credentials.create_offer(case, "parking_permit")
    db.session.commit()
    access = token(api, offer_code(offer.uri), offer.tx_code).get_json()["access_token"]
    holder = Holder()
    credential = request_credential(api, access, holder.proof(nonce(api))).get_json()
    credential = credential["credentials"][0]["credential"]

    made = api.post(
        "/api/v1/presentation-requests",
        json={"credential": "parking_permit", "claims": ["zone"]},
        headers=auth(),
    )
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["status"] == "pending" and body["accepted"] is None
    params = {k: v[0] for k, v in parse_qs(urlsplit(body["request_uri"]).query).items()}
    presentation = holder.present(credential, {"zone": True}, params["nonce"], params["client_id"])
    api.post(
        urlsplit(params["response_uri"]).path,
        data={"vp_token": json.dumps({"parking_permit": [presentation]})},
    )
    read = api.get(f"/api/v1/presentation-requests/{body['id']}", headers=auth()).get_json()
    assert read["status"] == "answered" and read["accepted"] is True
    assert read["claims"]["zone"] == "a" and "holder_name" not in read["claims"]
    # Another client does not see it; a client without the scope cannot ask.
    other = api.get(f"/api/v1/presentation-requests/{body['id']}", headers=auth(client_id="x"))
    assert other.status_code == 404
    assert (
        api.get(
            f"/api/v1/presentation-requests/{body['id']}", headers=auth(("cases:read",))
        ).status_code
        == 403
    )


def test_unknown_credential_or_claim_is_a_problem_naming_the_field(api: Any) -> None:
    answer = api.post(
        "/api/v1/presentation-requests",
        json={"credential": "parking_permit", "claims": ["zone", "shoe_size"]},
        headers={**auth(), "Accept-Language": "en"},
    )
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    assert answer.get_json()["errors"] == [
        {"path": "claims[1]", "message": "The credential has no claim named shoe_size."}
    ]
    missing = api.post(
        "/api/v1/presentation-requests",
        json={"credential": "dog_tag", "claims": ["x"]},
        headers=auth(),
    )
    assert missing.status_code == 422
