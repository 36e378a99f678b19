"""Revocation: the revoking transition sets the credential's bit in a signed status list."""

from __future__ import annotations

import base64
import zlib
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey

from service.cases import services as cases
from service.credentials.models import IssuedCredential
from service.engine import Actor
from service.extensions import db


def status_entry(client: Any, credential: str) -> tuple[dict[str, Any], bool, Any]:
    """Fetch the credential's status list as a verifier would: claims, its bit, the answer."""
    from sd_jwt.verifier import SDJWTVerifier

    keys = client.get("/.well-known/jwt-vc-issuer").get_json()["jwks"]["keys"]
    from jwcrypto.jwk import JWK

    payload = SDJWTVerifier(credential, lambda i, h: JWK(**keys[0])).get_verified_payload()
    reference = payload["status"]["status_list"]
    answer = client.get(reference["uri"].removeprefix("http://localhost"))
    token = jwt.decode(
        answer.get_data(as_text=True), ECKey.import_key(keys[0]), algorithms=["ES256"]
    )
    lst = token.claims["status_list"]["lst"]
    bits = zlib.decompress(base64.urlsafe_b64decode(lst + "=" * (-len(lst) % 4)))
    index = reference["idx"]
    return token.claims, bool(bits[index // 8] >> (index % 8) & 1), answer


def test_status_list_is_signed_cacheable_and_the_same_for_everyone(
    client: Any, issued: Any
) -> None:
    _holder, credential, _case = issued()
    claims, revoked, answer = status_entry(client, credential)
    assert not revoked
    assert answer.mimetype == "application/statuslist+jwt"
    assert answer.headers["Cache-Control"].startswith("public, max-age=")
    assert claims["status_list"]["bits"] == 1 and claims["sub"].endswith(answer.request.path)
    # The list is the whole list: the request names no credential, and a cache can answer.
    again = client.get(answer.request.path, headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304


def test_revoking_the_permit_sets_its_bit_in_the_same_transaction(
    client: Any, issued: Any, people: Any
) -> None:
    _holder, credential, case = issued()
    _, other_credential, _ = issued()
    etag = status_entry(client, credential)[2].headers["ETag"]
    olaf = Actor(**people["olaf"].as_actor_fields())
    cases.fire_transition(case, "revoke", olaf, {"reason": "Umzug aus der Zone"})
    db.session.commit()
    _claims, revoked, answer = status_entry(client, credential)
    assert revoked and answer.headers["ETag"] != etag
    assert case.state == "revoked"
    assert not status_entry(client, other_credential)[1]
    row = db.session.query(IssuedCredential).filter_by(case_id=case.id).one()
    assert row.revoked_at is not None


def test_a_failed_transition_leaves_the_bit_alone(client: Any, issued: Any, people: Any) -> None:
    _holder, credential, case = issued()
    cases.fire_transition(
        case, "revoke", Actor(**people["olaf"].as_actor_fields()), {"reason": "x"}
    )
    db.session.rollback()
    assert not status_entry(client, credential)[1]


def test_giving_the_permit_back_revokes_it_and_no_new_offer_is_made(
    client: Any, issued: Any, people: Any
) -> None:
    import pytest

    from service.credentials import services as credentials
    from service.credentials.errors import NotAvailable

    _holder, credential, case = issued()
    cases.fire_transition(case, "return_permit", Actor(**people["max"].as_actor_fields()))
    db.session.commit()
    assert status_entry(client, credential)[1]
    with pytest.raises(NotAvailable):
        credentials.create_offer(case, "parking_permit")
