"""OpenID4VCI issuance: the pre-authorized code flow and everything it refuses."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from credentials_support import Holder, nonce, request_credential, token
from jwcrypto.jwk import JWK
from sd_jwt.verifier import SDJWTVerifier
from sqlalchemy import select

from service.cases.constants import AuditAction
from service.cases.models import AuditEvent
from service.credentials import services as credentials
from service.credentials.errors import NotAvailable
from service.extensions import db, utcnow


def published_key(client: Any) -> JWK:
    keys = client.get("/.well-known/jwt-vc-issuer").get_json()["jwks"]["keys"]
    return JWK(**keys[0])


def test_wallet_receives_a_bound_parking_permit_and_the_case_records_it(
    client: Any, issued: Any
) -> None:
    holder, credential, case = issued()
    key = published_key(client)
    payload = SDJWTVerifier(credential + "", lambda iss, header: key).get_verified_payload()
    assert payload["vct"] == "http://localhost/credentials/types/parking_permit"
    assert payload["zone"] == "a" and payload["licence_plate"] == "D-AB 1234"
    assert payload["holder_name"] == "Max Mustermann"
    assert payload["cnf"]["jwk"]["x"] == holder.key.export_public(as_dict=True)["x"]
    assert payload["status"]["status_list"]["uri"].startswith(
        "http://localhost/credentials/status/"
    )
    assert payload["exp"] > payload["nbf"]
    # Name, zone and plate are disclosures: the signed part alone does not show them.
    assert "holder_name" not in str(credential.split("~")[0])
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id)).all()
    assert events[-1].action == AuditAction.CREDENTIAL_ISSUED
    assert events[-1].inputs["credential"] == "parking_permit"


def test_validity_comes_from_the_answers_the_workflow_names(client: Any, issued: Any) -> None:
    """`valid_from: 'start_date'` and `valid_for: 'period == ...'` read answers by name."""
    _holder, credential, _case = issued(start=date(2026, 3, 1), period="two_years")
    key = published_key(client)
    payload = SDJWTVerifier(credential + "", lambda iss, header: key).get_verified_payload()
    assert payload["valid_from"] == "2026-03-01"
    assert payload["valid_until"] == "2028-02-29"


def test_a_replayed_pre_authorized_code_is_refused(
    client: Any, approved_permit: Any, offer: Any
) -> None:
    code, pin = offer(approved_permit())
    assert token(client, code, pin).status_code == 200
    again = token(client, code, pin)
    assert again.status_code == 400 and again.get_json()["error"] == "invalid_grant"


def test_wrong_pins_are_counted_and_spend_the_offer(
    client: Any, approved_permit: Any, offer: Any
) -> None:
    code, pin = offer(approved_permit())
    wrong = "000000" if pin != "000000" else "111111"
    answers = [token(client, code, wrong).get_json() for _ in range(5)]
    assert [a["error"] for a in answers] == ["invalid_grant"] * 5
    assert "4 tries left" in answers[0]["error_description"]
    assert "spent" in answers[-1]["error_description"]
    # After five wrong tries even the right PIN gets nothing.
    assert token(client, code, pin).status_code == 400


def test_an_expired_offer_is_refused(app: Any, client: Any, approved_permit: Any) -> None:
    from credentials_support import offer_code

    new = credentials.create_offer(
        approved_permit(), "parking_permit", now=utcnow() - timedelta(minutes=11)
    )
    db.session.commit()
    assert token(client, offer_code(new.uri), new.tx_code).get_json()["error"] == "invalid_grant"


def test_a_proof_with_a_used_or_stale_nonce_is_refused(
    client: Any, approved_permit: Any, offer: Any
) -> None:
    holder = Holder()
    case = approved_permit()
    used = nonce(client)
    code, pin = offer(case)
    access = token(client, code, pin).get_json()["access_token"]
    stale = credentials.new_nonce(now=utcnow() - timedelta(minutes=6))
    db.session.commit()
    for value in (stale, "made-up"):
        answer = request_credential(client, access, holder.proof(value))
        assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_nonce"
    assert request_credential(client, access, holder.proof(used)).status_code == 200
    # The nonce is spent with the credential, and so is the token.
    second = request_credential(client, access, holder.proof(used))
    assert second.status_code == 401 and second.get_json()["error"] == "invalid_token"


def test_a_proof_for_another_issuer_or_without_signature_is_refused(
    client: Any, approved_permit: Any, offer: Any
) -> None:
    holder = Holder()
    code, pin = offer(approved_permit())
    access = token(client, code, pin).get_json()["access_token"]
    other = request_credential(
        client, access, holder.proof(nonce(client), aud="https://other.example")
    )
    assert other.get_json()["error"] == "invalid_proof"
    forged = holder.proof(nonce(client)).rsplit(".", 1)[0] + ".AAAA"
    assert request_credential(client, access, forged).get_json()["error"] == "invalid_proof"


def test_no_offer_before_the_permit_is_approved(app: Any, people: Any) -> None:
    from factories import parking_permit_data

    from service.cases import services as cases
    from service.engine import Actor

    max_ = people["max"]
    case = cases.submit_case(
        "parking_permit", parking_permit_data(), max_.id, Actor(**max_.as_actor_fields())
    ).case
    with pytest.raises(NotAvailable):
        credentials.create_offer(case, "parking_permit")


def test_metadata_names_the_credential_with_german_and_english_display(client: Any) -> None:
    meta = client.get("/.well-known/openid-credential-issuer").get_json()
    config = meta["credential_configurations_supported"]["parking_permit"]
    assert config["format"] == "dc+sd-jwt"
    assert {d["locale"]: d["name"] for d in config["credential_metadata"]["display"]} == {
        "de-DE": "Bewohnerparkausweis", "en-GB": "Resident parking permit",
    }  # fmt: skip
    assert meta["nonce_endpoint"] == "http://localhost/credentials/nonce"
    vct = client.get("/credentials/types/parking_permit").get_json()
    assert vct["vct"] == config["vct"]
    assert {"path": ["holder_name"], "sd": "always"}.items() <= next(
        c for c in vct["claims"] if c["path"] == ["holder_name"]
    ).items()
    assert client.get("/credentials/types/dog_tag").status_code == 404
    residence = client.get("/credentials/types/residence_confirmation").get_json()
    assert {"path": ["persons", None], "sd": "always"} in residence["claims"]


def test_a_residence_confirmation_lists_each_person_with_a_plain_birth_date(
    client: Any, make_user: Any
) -> None:
    """Claims read the answers by name; dates inside a group's items stay YYYY-MM-DD."""
    from credentials_support import offer_code
    from factories import person, residence_registration_data

    from service.cases import services as cases
    from service.engine import Actor

    erika = make_user("Erika Mustermann")
    officer = make_user("Olaf Meldebehörde", roles=["registration_officer"])
    data = residence_registration_data(persons=[person(birth_date="1990-05-17")])
    case = cases.submit_case(
        "residence_registration", data, erika.id, Actor(**erika.as_actor_fields())
    ).case
    for name in ("start_review", "approve"):
        cases.fire_transition(case, name, Actor(**officer.as_actor_fields()))
    db.session.commit()
    new = credentials.create_offer(case, "residence_confirmation")
    db.session.commit()
    access = token(client, offer_code(new.uri), new.tx_code).get_json()["access_token"]
    holder = Holder()
    answer = request_credential(
        client, access, holder.proof(nonce(client)), "residence_confirmation"
    )
    assert answer.status_code == 200, answer.get_json()
    key = published_key(client)
    credential = answer.get_json()["credentials"][0]["credential"]
    payload = SDJWTVerifier(credential + "", lambda iss, header: key).get_verified_payload()
    assert payload["address"]["street_address"] == "Marktplatz 2"
    assert payload["move_in_date"] == data["move_in_date"]
    assert payload["persons"][0]["birthdate"] == "1990-05-17"
