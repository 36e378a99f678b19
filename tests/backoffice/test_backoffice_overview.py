"""Deadlines (daily escalation) and the per-service dashboard with its charts and diagram."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from service.backoffice.charts import layers
from service.backoffice.services import dashboard, escalate_overdue
from service.cases.models import AuditEvent, Case
from service.cases.services import fire_transition, verify_audit_chain
from service.definitions.services import current_registry
from service.engine import Actor
from service.extensions import db

SETUP = Actor(
    id="setup", kind="user", roles=frozenset({"case_worker", "registration_officer"}), label="Setup"
)


def test_daily_escalation_marks_overdue_open_cases_once(
    app: Flask, make_case: Callable[..., Case], staff: Callable[..., Any], client_for: Any
) -> None:
    now = datetime.now(UTC)
    overdue = make_case(now=now - timedelta(days=15))
    fresh = make_case(now=now)
    waiting = make_case(now=now - timedelta(days=20))
    fire_transition(
        waiting, "request_information", SETUP, {"message": "?"}, now=now - timedelta(days=19)
    )
    db.session.commit()
    version = overdue.version

    assert escalate_overdue(now) == 1
    db.session.commit()
    assert escalate_overdue(now + timedelta(days=1)) == 0  # already marked
    db.session.expire_all()
    assert db.session.get(Case, overdue.id).escalated_at is not None
    assert db.session.get(Case, overdue.id).version == version  # open pages stay valid
    assert db.session.get(Case, fresh.id).escalated_at is None
    assert db.session.get(Case, waiting.id).escalated_at is None  # the clock is paused

    html = (
        client_for(staff("case_worker"))
        .get(f"/backoffice/cases/{overdue.id}")
        .get_data(as_text=True)
    )
    assert "Eskaliert" in html
    assert "Überfällig" in html


def test_escalate_command(app: Flask, make_case: Callable[..., Case]) -> None:
    make_case(now=datetime.now(UTC) - timedelta(days=30))
    result = app.test_cli_runner().invoke(args=["backoffice", "escalate"])
    assert result.exit_code == 0, result.output
    assert "1 case(s) escalated." in result.output


def test_dashboard_counts_weeks_and_median(app: Flask, make_case: Callable[..., Case]) -> None:
    now = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)  # a Wednesday
    for days_ago, close_after in ((2, None), (9, 2), (9, 4), (30, None), (100, None)):
        case = make_case(now=now - timedelta(days=days_ago))
        if close_after is not None:
            fire_transition(case, "start_review", SETUP, now=case.submitted_at + timedelta(hours=1))
            fire_transition(
                case, "approve", SETUP, now=case.submitted_at + timedelta(days=close_after)
            )
    db.session.commit()

    figures = dashboard("residence_registration", now)

    assert figures.open_total == 3
    assert dict((name, n) for name, _t, n in figures.open_by_state)["submitted"] == 3
    assert len(figures.weeks) == 12
    assert figures.weeks[-1].received == 1
    assert figures.weeks[-2].received == 2
    assert sum(w.received for w in figures.weeks) == 4  # 100 days ago is outside the window
    assert sum(w.closed for w in figures.weeks) == 2
    assert figures.median_processing == timedelta(days=3)
    assert figures.overdue == 2  # submitted 30 and 100 days ago


def test_service_page_draws_charts_and_the_workflow_with_text_equivalents(
    make_case: Callable[..., Case], staff: Callable[..., Any], client_for: Any
) -> None:
    make_case("parking_permit")
    html = (
        client_for(staff("permit_officer"))
        .get("/backoffice/services/parking_permit")
        .get_data(as_text=True)
    )
    assert html.count("<svg") == 3
    assert 'role="img"' in html
    assert "<desc" in html
    # Figures as a table, the workflow as a list of transitions.
    assert "Offene Vorgänge je Status" in html
    assert re.search(
        r'<th scope="row"[^>]*><a href="/backoffice/\?service=parking_permit&amp;state=submitted">'
        r"Eingegangen</a></th><td[^>]*>1</td>",
        html,
    )
    assert "Befreiung bestätigen und genehmigen</strong>:" in html
    assert "Vier-Augen-Prinzip" in html
    diagram = html.split('class="diagram"', 1)[1].split("</svg>", 1)[0]
    assert "Gebührenbefreiung vorgeschlagen" in diagram
    assert "Rückfrage stellen" in diagram


def test_diagram_layers_follow_the_workflow_from_its_initial_state(app: Flask) -> None:
    workflow = current_registry().service("parking_permit").workflow
    assert layers(workflow)[0] == ["submitted"]
    assert set(layers(workflow)[1]) == {
        "in_review",
        "waiting_for_resident",
        "rejected",
        "withdrawn",
    }
    assert set(layers(workflow)[2]) == {"waiver_proposed", "approved"}


def test_escalation_is_an_event_in_the_audit_trail(
    app: Flask, make_case: Callable[..., Case], staff: Callable[..., Any], client_for: Any
) -> None:
    now = datetime.now(UTC)
    overdue = make_case(now=now - timedelta(days=15))
    db.session.commit()
    version, due = overdue.version, overdue.due_at

    assert escalate_overdue(now) == 1
    db.session.commit()
    assert escalate_overdue(now) == 0

    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == overdue.id).order_by(AuditEvent.seq)
    ).all()
    assert [e.action for e in events] == ["submitted", "escalated"]
    assert events[-1].actor_id == "system:escalation"
    assert events[-1].inputs == {"due_at": due.isoformat()}
    assert verify_audit_chain(overdue.id) == []  # the chain and the case's head agree
    db.session.expire_all()
    assert db.session.get(Case, overdue.id).version == version

    # The next transition follows the escalation in the chain.
    case = db.session.get(Case, overdue.id)
    fire_transition(case, "start_review", SETUP, expected_version=version)
    db.session.commit()
    assert verify_audit_chain(overdue.id) == []

    html = (
        client_for(staff("case_worker"))
        .get(f"/backoffice/cases/{overdue.id}")
        .get_data(as_text=True)
    )
    assert "Frist überschritten: eskaliert" in html
