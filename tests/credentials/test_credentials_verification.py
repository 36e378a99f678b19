"""OpenID4VP verification: what the verifier accepts, and each reason it refuses."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import isodate
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from service.cases import services as cases
from service.credentials import services as credentials
from service.credentials.models import PresentationRequest
from service.engine import Actor
from service.extensions import db
from service.rules.dates import local_today


def new_request(claims: tuple[str, ...] = ("zone",)) -> dict[str, str]:
    made = credentials.create_request("parking_permit", list(claims), "user:test")
    db.session.commit()
    params = {k: v[0] for k, v in parse_qs(urlsplit(made.uri).query).items()}
    assert params["client_id"] == "redirect_uri:" + params["response_uri"]
    return params


def answer(client: Any, params: dict[str, str], presentation: str) -> dict[str, Any]:
    response = client.post(
        urlsplit(params["response_uri"]).path,
        data={"vp_token": json.dumps({"parking_permit": [presentation]}), "state": params["state"]},
    )
    assert response.status_code == 200, response.get_json()
    request = db.session.get(PresentationRequest, params["state"])
    assert request is not None
    db.session.refresh(request)
    return dict(request.result or {})


def test_zone_and_validity_are_accepted_without_the_name(client: Any, issued: Any) -> None:
    holder, credential, _case = issued()
    params = new_request()
    presentation = holder.present(credential, {"zone": True}, params["nonce"], params["client_id"])
    result = answer(client, params, presentation)
    assert result["accepted"] is True, result
    last_day = local_today() + isodate.parse_duration("P1Y") - timedelta(days=1)
    assert result["claims"] == {
        "zone": "a",
        "valid_from": local_today().isoformat(),
        "valid_until": last_day.isoformat(),
    }
    assert "holder_name" not in json.dumps(result)


@pytest.mark.frozen("2026-11-29 23:30:00")
def test_a_permit_from_today_is_valid_from_midnight_in_the_city(client: Any, issued: Any) -> None:
    """At 00:30 in Düsseldorf (23:30 UTC) a permit starting today is already valid.

    The validity follows the town hall's calendar: it begins at midnight in Europe/Berlin,
    not at midnight UTC (which would leave it "not yet valid" for the first hour).
    """
    holder, credential, _case = issued()
    params = new_request()
    presentation = holder.present(credential, {"zone": True}, params["nonce"], params["client_id"])
    result = answer(client, params, presentation)
    assert result["accepted"] is True, result
    assert result["claims"]["valid_from"] == "2026-11-30"
    assert result["claims"]["valid_until"] == "2027-11-29"


def test_a_presentation_for_another_audience_is_refused(client: Any, issued: Any) -> None:
    holder, credential, _case = issued()
    params = new_request()
    presentation = holder.present(
        credential, {"zone": True}, params["nonce"], "redirect_uri:https://elsewhere.example/cb"
    )
    result = answer(client, params, presentation)
    assert result["accepted"] is False and result["outcome"] == "wrong_audience"


def test_a_presentation_made_for_an_earlier_request_is_refused(client: Any, issued: Any) -> None:
    holder, credential, _case = issued()
    first = new_request()
    replay = holder.present(credential, {"zone": True}, first["nonce"], first["client_id"])
    assert answer(client, first, replay)["accepted"] is True
    second = new_request()
    result = answer(client, second, replay)
    assert result["outcome"] in ("wrong_audience", "wrong_nonce")
    # An answered request takes no second answer.
    again = client.post(urlsplit(first["response_uri"]).path, data={"vp_token": "{}"})
    assert again.status_code == 400


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_tampered_disclosure_is_refused_even_with_a_fresh_key_binding(
    client: Any, issued: Any
) -> None:
    holder, credential, _case = issued()
    params = new_request()
    honest = holder.present(credential, {"zone": True}, params["nonce"], params["client_id"])
    issuer_jwt, zone, *_ = honest.split("~")
    salt, name, _value = json.loads(base64.urlsafe_b64decode(zone + "=" * (-len(zone) % 4)))
    forged = _b64(json.dumps([salt, name, "e"]).encode())
    # The holder re-signs its key binding over the forged disclosure (it holds the key).
    body = f"{issuer_jwt}~{forged}~"
    kb = jwt.encode(
        {"alg": "ES256", "typ": "kb+jwt"},
        {
            "nonce": params["nonce"],
            "aud": params["client_id"],
            "iat": int(time.time()),
            "sd_hash": _b64(hashlib.sha256(body.encode()).digest()),
        },
        ECKey.import_key(holder.key.export(as_dict=True)),
    )
    result = answer(client, params, body + kb)
    assert result["accepted"] is False and result["outcome"] == "bad_disclosure"


def test_an_expired_permit_is_refused(client: Any, issued: Any, approved_permit: Any) -> None:
    holder, credential, _case = issued(start=local_today() - timedelta(days=400))
    params = new_request()
    result = answer(
        client,
        params,
        holder.present(credential, {"zone": True}, params["nonce"], params["client_id"]),
    )
    assert result["outcome"] == "expired"


def test_a_revoked_permit_is_refused(client: Any, issued: Any, people: Any) -> None:
    holder, credential, case = issued()
    cases.fire_transition(
        case, "revoke", Actor(**people["olaf"].as_actor_fields()), {"reason": "x"}
    )
    db.session.commit()
    params = new_request()
    result = answer(
        client,
        params,
        holder.present(credential, {"zone": True}, params["nonce"], params["client_id"]),
    )
    assert result["outcome"] == "revoked"


def test_a_presentation_without_the_requested_zone_is_refused(client: Any, issued: Any) -> None:
    holder, credential, _case = issued()
    params = new_request()
    result = answer(
        client, params, holder.present(credential, {}, params["nonce"], params["client_id"])
    )
    assert result["outcome"] == "missing_claims"
