"""The portal's "In Wallet speichern": a one-time offer as QR code, link and PIN."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from credentials_support import offer_code, token
from pages import csrf_token


def test_approved_permit_page_offers_the_wallet_and_shows_qr_link_and_pin(
    client: Any, login: Any, people: Any, approved_permit: Any
) -> None:
    case = approved_permit()
    login(people["max"])
    page = client.get(f"/cases/{case.id}")
    assert "In Wallet speichern" in page.get_data(as_text=True)
    shown = client.post(
        f"/cases/{case.id}/wallet/parking_permit",
        data={"csrf_token": csrf_token(page.get_data(as_text=True))},
    )
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    assert 'alt="QR-Code des Angebots für Ihre Wallet-App"' in html
    link = unescape(re.search(r'id="wallet-link" class="button" href="([^"]+)"', html).group(1))
    pin = re.search(r'id="wallet-pin" aria-hidden="true">(\d{6})<', html).group(1)
    assert link.startswith("openid-credential-offer://?credential_offer=")
    assert token(client, offer_code(link), pin).status_code == 200


def test_no_wallet_before_approval_and_none_for_someone_else(
    client: Any, login: Any, people: Any, approved_permit: Any, make_user: Any
) -> None:
    from factories import parking_permit_data

    from service.cases import services as cases
    from service.engine import Actor
    from service.extensions import db

    max_ = people["max"]
    pending = cases.submit_case(
        "parking_permit", parking_permit_data(), max_.id, Actor(**max_.as_actor_fields())
    ).case
    db.session.commit()
    login(max_)
    page = client.get(f"/cases/{pending.id}").get_data(as_text=True)
    assert "In Wallet speichern" not in page
    refused = client.post(
        f"/cases/{pending.id}/wallet/parking_permit", data={"csrf_token": csrf_token(page)}
    )
    assert refused.status_code == 404
    approved = approved_permit()
    login(make_user("Erika Mustermann"))
    other = client.post(
        f"/cases/{approved.id}/wallet/parking_permit", data={"csrf_token": csrf_token(page)}
    )
    assert other.status_code in (400, 404)
