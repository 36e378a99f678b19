"""Residents get mails in their language, over a real SMTP server on loopback."""

from __future__ import annotations

import email
import email.policy
import logging
import socket
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from factories import residence_registration_data
from flask import Flask

from service.cases.services import fire_transition, submit_case
from service.extensions import db
from service.jobs.services import drain
from tests.conftest import actor_for


class Collector:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(msg)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Collector, str]]:
    # aiosmtpd logs every connection at INFO; only its warnings matter here.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    collector = Collector()
    port = _free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield collector, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


@pytest.fixture
def mail_app(make_app: Callable[..., Flask], smtp: tuple[Collector, str]) -> Iterator[Flask]:
    app = make_app(SMTP_URL=smtp[1], BASE_URL="https://amtsweg.example")
    with app.app_context():
        from service.transactions import ensure_definitions_synced

        ensure_definitions_synced()
        yield app
        db.session.remove()


def _make_user(name: str, email_address: str, roles: list[str] | None = None) -> Any:
    from service.auth.models import User

    user = User(
        issuer="https://idp.test", subject=name, name=name, email=email_address, roles=roles or []
    )
    db.session.add(user)
    db.session.commit()
    return user


def _received(collector: Collector, count: int) -> list[EmailMessage]:
    deadline = time.monotonic() + 5
    while len(collector.messages) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return collector.messages


def _parts(msg: EmailMessage) -> tuple[str, str]:
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_submission_mail_is_german_for_a_german_case(
    mail_app: Flask, smtp: tuple[Collector, str]
) -> None:
    collector, _url = smtp
    resident = _make_user("Erika Mustermann", "erika@example.org")
    case = submit_case(
        "residence_registration",
        residence_registration_data(),
        resident.id,
        actor_for(resident),
        lang="de",
    ).case
    db.session.commit()

    assert drain(kinds=["email.send"]) == 1
    [msg] = _received(collector, 1)
    text, html = _parts(msg)
    assert msg["To"] == "erika@example.org"
    assert msg["Subject"] == f"Eingegangen: Wohnsitzanmeldung ({case.reference})"
    assert "Guten Tag Erika Maria Mustermann" in text
    assert f"https://amtsweg.example/cases/{case.id}" in text
    assert f'href="https://amtsweg.example/cases/{case.id}"' in html
    assert '<html lang="de">' in html
    # Nothing from the form beyond the name: no birth date, no address, no ID number.
    for secret in ("1984-08-12", "Marktplatz", "L01X00T47", "Köln"):
        assert secret not in text and secret not in html


def test_request_for_information_and_decision_mails_are_english_for_an_english_case(
    mail_app: Flask, smtp: tuple[Collector, str]
) -> None:
    collector, _url = smtp
    resident = _make_user("John Smith", "john@example.org")
    officer = _make_user("Olga Officer", "olga@city.example", roles=["registration_officer"])
    case = submit_case(
        "residence_registration",
        residence_registration_data(),
        resident.id,
        actor_for(resident),
        lang="en",
    ).case
    fire_transition(
        case,
        "request_information",
        actor_for(officer),
        {"message": "Please send your landlord's confirmation."},
    )
    fire_transition(case, "provide_information", actor_for(resident), {"message": "Sent."})
    fire_transition(case, "approve", actor_for(officer))
    db.session.commit()

    assert drain(kinds=["email.send"]) == 3
    messages = _received(collector, 3)
    subjects = sorted(str(m["Subject"]) for m in messages)
    assert subjects == sorted(
        [
            f"Received: Residence registration ({case.reference})",
            f"We have a question: Residence registration ({case.reference})",
            f"Decision on your request: Residence registration ({case.reference})",
        ]
    )
    for msg in messages:
        assert msg["To"] == "john@example.org"
        text, html = _parts(msg)
        assert "Hello Erika Maria Mustermann" in text
        assert f"https://amtsweg.example/cases/{case.id}" in text
        assert '<html lang="en">' in html
        # The officer's question stays in the portal, behind the login.
        assert "landlord's confirmation" not in text
    decision = next(m for m in messages if str(m["Subject"]).startswith("Decision"))
    assert "Result: Registered" in _parts(decision)[0]


def test_a_mail_sent_twice_keeps_its_message_id(
    mail_app: Flask, smtp: tuple[Collector, str]
) -> None:
    from service.mail.services import send_case_email

    collector, _url = smtp
    resident = _make_user("Erika Mustermann", "erika@example.org")
    case = submit_case(
        "residence_registration", residence_registration_data(), resident.id, actor_for(resident)
    ).case
    db.session.commit()
    payload = {"case_id": case.id, "template": "submitted", "event_seq": 1}
    send_case_email(payload)
    send_case_email(payload)

    first, second = _received(collector, 2)
    assert first["Message-ID"] == second["Message-ID"]
    assert str(first["Message-ID"]).startswith(f"<amtsweg.email.{case.id}.1.submitted@")
