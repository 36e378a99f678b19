"""The shipped forms explain their date limits in words and hint at an allowed date."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from portal_helpers import BASE, new_flat, post_form

from service.rules.dates import local_today


def test_future_move_in_date_says_that_one_registers_after_moving_in(
    client: Any, make_user: Any, login: Any
) -> None:
    login(make_user("Erika Mustermann"))
    client.get(f"{BASE}/apply")
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    path = f"{BASE}/apply/new_flat"
    html = post_form(
        client, path, {**new_flat("sole"), "move_in_date": tomorrow, "action": "continue"}
    ).get_data(as_text=True)
    assert "Sie können sich erst nach dem Einzug anmelden" in html
    assert "Bitte geben Sie ein Datum bis zum" not in html


def test_parking_permit_start_hint_and_refusal_follow_the_allowed_range(
    client: Any, make_user: Any, login: Any
) -> None:
    login(make_user())
    client.get("/services/parking_permit/apply")
    path = "/services/parking_permit/apply/permit"
    shown = client.get(path).get_data(as_text=True)
    example = local_today() + timedelta(days=7)
    assert f"Zum Beispiel: {example.day} {example.month} {example.year}" in shown
    assert "17 5 1990" not in shown
    past = (local_today() - timedelta(days=1)).isoformat()
    html = post_form(
        client, path, {"period": "one_year", "start_date": past, "action": "continue"}
    ).get_data(as_text=True)
    assert "Ein Bewohnerparkausweis gilt nicht rückwirkend" in html
