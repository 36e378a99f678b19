"""The permit copy inside the dogs group: the answers beside it keep their types.

Regression: with an upload in a group item, the portal stored that page's answers as
posted ("yes" instead of true) and the check page showed a dog tax of 0,00 €. Looking up
the person's uploads flushed the draft, and the typed answers, written into the same
dict, compared equal to what was flushed and were never saved.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from service_walk import fill_pages, logged_in, shown
from sqlalchemy import select
from test_dog_tax import FEE, FROZEN, PAGES, SERVICE

from service.drafts.models import Draft
from service.extensions import db


@pytest.mark.frozen(FROZEN)
def test_answers_beside_a_dogs_upload_are_kept_typed_and_the_fee_is_shown(
    app: Flask, make_user: Any, login: Any
) -> None:
    portal = logged_in(app, login, make_user("Max Mustermann"))
    assert any(key.endswith("permit_copy") for key in dict(PAGES)["dogs"])  # Rocky's upload

    check = fill_pages(portal, SERVICE, PAGES)

    assert shown(FEE, "750,00\xa0€") in check  # 150 € for Bello, 600 € for Rocky
    draft = db.session.scalar(select(Draft))
    assert draft is not None
    bello, rocky = draft.data["dogs"]
    assert bello["listed_breed"] is False and rocky["listed_breed"] is True
    assert rocky["permit_copy"]["name"] == "erlaubnis.pdf"
