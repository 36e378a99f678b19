"""Expired credential offers and spent or expired wallet nonces are deleted by a periodic job."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from credentials_support import Holder, nonce, request_credential, token
from sqlalchemy import func, select

from service.credentials import services as credentials
from service.credentials.models import CredentialOffer, WalletNonce
from service.extensions import db
from service.jobs.periodic import periodic_jobs

NOW = datetime.fromisoformat("2026-03-02T09:00:00+00:00")


def clean_up(at: datetime) -> int:
    [job] = [job for job in periodic_jobs() if job.name == "credentials"]
    count = job.func(at)
    db.session.commit()
    return count


def offers() -> int:
    return db.session.scalar(select(func.count()).select_from(CredentialOffer)) or 0


def nonces() -> int:
    return db.session.scalar(select(func.count()).select_from(WalletNonce)) or 0


@pytest.mark.frozen("2026-03-02 09:00")
def test_expired_offers_and_spent_nonces_are_deleted_and_stay_refused(
    client: Any, approved_permit: Any, offer: Any, issued: Any
) -> None:
    holder, _credential, _case = issued()  # one offer redeemed, one nonce spent
    code, pin = offer(approved_permit())  # one offer open, valid for 10 minutes
    redeemed = token(client, *offer(approved_permit())).get_json()["access_token"]
    unused = nonce(client)  # valid for 5 minutes
    assert (offers(), nonces()) == (3, 2)

    # Right away only the spent nonce goes: everything else is still usable.
    assert clean_up(NOW) == 1
    assert (offers(), nonces()) == (3, 1)
    answer = request_credential(client, redeemed, Holder().proof(unused))
    assert answer.status_code == 200, answer.get_json()

    # After the offers' ten minutes nothing is left that a wallet could still use ...
    assert clean_up(NOW + timedelta(minutes=11)) == 4
    assert (offers(), nonces()) == (0, 0)
    # ... and what was deleted is refused as before, not mistaken for something new.
    assert token(client, code, pin).status_code == 400
    again = request_credential(client, redeemed, holder.proof(unused))
    assert again.status_code == 401


@pytest.mark.frozen("2026-03-02 09:00")
def test_an_offer_whose_token_is_still_valid_is_kept(approved_permit: Any, offer: Any) -> None:
    code, pin = offer(approved_permit())
    # Redeemed a minute before the offer ends: the token lives five minutes past it.
    credentials.exchange_code(code, pin, NOW + timedelta(minutes=9))
    db.session.commit()

    assert clean_up(NOW + timedelta(minutes=11)) == 0
    assert offers() == 1
    assert clean_up(NOW + timedelta(minutes=15)) == 1
    assert offers() == 0
