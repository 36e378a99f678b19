"""The inbox: keyset pages, search, filters, counts, claiming and bulk assignment."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from backoffice_support import csrf_token

from service.backoffice.constants import AssigneeFilter, Sort, StatusFilter
from service.backoffice.services import BadCursor, InboxQuery, inbox_counts, inbox_page
from service.cases.models import AuditEvent, Case
from service.cases.services import fire_transition
from service.engine import Actor
from service.extensions import db
from service.rules.dates import local_today

SETUP = Actor(id="setup", kind="user", roles=frozenset({"case_worker"}), label="Setup")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _walk(query: InboxQuery, user: Any, between: Callable[[int], None] | None = None) -> list[int]:
    """Fetch every page; call `between(page_number)` after each page."""
    ids: list[int] = []
    cursor = None
    for number in range(1, 100):
        page = inbox_page(InboxQuery(**{**query.__dict__, "after": cursor}), user)
        ids += [row.case.id for row in page.rows]
        if between:
            between(number)
        cursor = page.next_cursor
        if cursor is None:
            return ids
    raise AssertionError("the pages never end")


@pytest.mark.parametrize("sort", list(Sort))
def test_keyset_pages_have_no_duplicates_and_no_gaps_while_cases_arrive(
    sort: Sort, staff: Callable[..., Any], make_case: Callable[..., Case]
) -> None:
    worker = staff("case_worker")
    original = []
    for i in range(13):
        # Pairs submitted at the same moment share a due date: the id breaks the tie.
        original.append(make_case(now=T0 + timedelta(hours=i // 2)).id)
    closed = make_case(now=T0 + timedelta(minutes=5))
    fire_transition(closed, "reject", SETUP, {"reason": "Doppelt"})  # no due date any more
    db.session.commit()
    original.append(closed.id)

    arrived: list[int] = []

    def insert(page_number: int) -> None:
        # One case that sorts before everything, one after everything, one in between.
        for offset in (-timedelta(days=30), timedelta(days=30), timedelta(hours=3, minutes=1)):
            arrived.append(make_case(now=T0 + offset).id)

    query = InboxQuery(sort=sort, status=StatusFilter.ALL, limit=4)
    ids = _walk(query, worker, insert)

    assert len(ids) == len(set(ids)), "a case appeared twice"
    assert set(original) <= set(ids), "a case that existed from the start went missing"
    assert set(ids) <= set(original) | set(arrived)
    # Without inserts the walk is exactly the full ordered list.
    assert _walk(query, worker) == [
        r.case.id
        for r in inbox_page(InboxQuery(sort=sort, status=StatusFilter.ALL, limit=200), worker).rows
    ]


def test_due_order_puts_the_most_urgent_first_and_cases_without_deadline_last(
    staff: Callable[..., Any], make_case: Callable[..., Case]
) -> None:
    worker = staff("case_worker")
    later = make_case(now=T0 + timedelta(days=2))
    sooner = make_case(now=T0)
    closed = make_case(now=T0 - timedelta(days=1))
    fire_transition(closed, "reject", SETUP, {"reason": "Doppelt"})
    db.session.commit()
    rows = inbox_page(InboxQuery(status=StatusFilter.ALL), worker).rows
    assert [r.case.id for r in rows] == [sooner.id, later.id, closed.id]


def test_tampered_cursor_is_refused(staff: Callable[..., Any], client_for: Any) -> None:
    worker = staff("case_worker")
    with pytest.raises(BadCursor):
        inbox_page(InboxQuery(after="bm9uc2Vuc2U"), worker)
    response = client_for(worker).get("/backoffice/?after=xyz")
    assert response.status_code == 400
    assert "Diese Seite der Liste gibt es nicht" in response.get_data(as_text=True)


def test_search_finds_reference_and_name_parts_whatever_the_case(
    staff: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    worker = staff("case_worker")
    oezdemir = make_case("parking_permit", family_name="Özdemir", first_name="Ayşe")
    schmitz = make_case(family_name="Schmitz", first_names="Jupp")
    mueller = make_case(family_name="Müller-Lüdenscheidt", first_names="Anna")

    def found(term: str) -> set[int]:
        return {r.case.id for r in inbox_page(InboxQuery(search=term), worker).rows}

    assert found("özdemir") == {oezdemir.id}
    assert found("ÖZD") == {oezdemir.id}
    assert found("jupp schm") == {schmitz.id}
    assert found("lüdensch") == {mueller.id}
    assert found(schmitz.reference.lower()) == {schmitz.id}
    assert found("BP-") == {oezdemir.id}
    assert found("%") == set()  # LIKE wildcards are taken literally
    client = client_for(worker)
    response = client.post(
        "/backoffice/",
        data={"csrf_token": csrf_token(client), "q": "Schmitz", "sort": "-submitted"},
    )
    # The name stays out of the URL (and so out of logs and browser history).
    assert response.status_code == 303
    assert "chmitz" not in response.headers["Location"]
    assert "sort=-submitted" in response.headers["Location"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert schmitz.reference in html
    assert oezdemir.reference not in html
    assert 'value="Schmitz"' in html
    client.get("/backoffice/?reset=1")
    assert oezdemir.reference in client.get("/backoffice/").get_data(as_text=True)


def test_filters_and_their_counts(
    staff: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    worker = staff("case_worker", "Anna Albers")
    colleague = staff("case_worker", "Bernd Brandt")
    mine = make_case(now=T0)
    theirs = make_case(now=T0 + timedelta(days=3))
    permit = make_case("parking_permit", now=T0 + timedelta(days=10))
    reviewing = make_case(now=T0 + timedelta(days=20))
    fire_transition(reviewing, "start_review", SETUP)
    db.session.commit()
    client = client_for(worker)
    token = csrf_token(client)
    client.post(
        f"/backoffice/cases/{mine.id}/assign", data={"csrf_token": token, "action": "claim"}
    )
    client.post(
        f"/backoffice/cases/{theirs.id}/assign",
        data={"csrf_token": token, "action": "assign", "assignee": str(colleague.id)},
    )

    def ids(**kw: Any) -> set[int]:
        db.session.expire_all()
        return {r.case.id for r in inbox_page(InboxQuery(**kw), worker).rows}

    assert ids(assignee=AssigneeFilter.ME) == {mine.id}
    assert ids(assignee=AssigneeFilter.UNASSIGNED) == {permit.id, reviewing.id}
    assert ids(service="parking_permit") == {permit.id}
    assert ids(state="in_review") == {reviewing.id}
    assert ids(submitted_from=date(2026, 3, 5), submitted_to=date(2026, 3, 12)) == {
        theirs.id,
        permit.id,
    }
    now = T0 + timedelta(days=16)  # mine (due 16.3.) and theirs are overdue, reviewing is not
    assert {r.case.id for r in inbox_page(InboxQuery(overdue=True), worker, now).rows} == {mine.id}

    counts = inbox_counts(InboxQuery(service="residence_registration"), worker, now)
    assert counts.total == 3
    assert counts.overdue == 1
    assert {name: n for name, _title, n in counts.by_state} == {"submitted": 2, "in_review": 1}
    assert counts.by_assignee == {"anyone": 3, "me": 1, "unassigned": 1}
    assert {key: n for key, _title, n in counts.by_service} == {
        "residence_registration": 3,
        "parking_permit": 1,
    }

    html = client.get("/backoffice/?assignee=me").get_data(as_text=True)
    assert mine.reference in html
    assert theirs.reference not in html
    assert re.search(r"Mir \(1\)", html)


def test_overdue_case_is_marked_in_words_not_only_colour(
    staff: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    old = make_case(now=datetime.now(UTC) - timedelta(days=20))
    html = client_for(staff("case_worker")).get("/backoffice/").get_data(as_text=True)
    row = html.split(old.reference, 1)[1].split("</tr>", 1)[0]
    assert "Überfällig" in row


def test_late_registration_flag_shows_as_a_badge(
    staff: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    late = make_case(move_in=local_today() - timedelta(days=40))
    html = client_for(staff("case_worker")).get("/backoffice/").get_data(as_text=True)
    row = html.split(late.reference, 1)[1].split("</tr>", 1)[0]
    assert "Hinweis" in row
    assert "später als zwei Wochen" in row


def test_bulk_assign_claims_the_ticked_cases_and_records_who_did_it(
    staff: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    worker = staff("case_worker", "Anna Albers")
    colleague = staff("registration_officer", "Bernd Brandt")
    permit_only = staff("permit_officer", "Petra Park")
    a, b, c = make_case(), make_case(), make_case()
    client = client_for(worker)
    token = csrf_token(client)

    response = client.post(
        "/backoffice/assign",
        data={
            "csrf_token": token,
            "case_id": [str(a.id), str(b.id)],
            "action": "claim",
            "next": "/backoffice/?sort=-submitted",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/backoffice/?sort=-submitted")
    db.session.expire_all()
    assert [db.session.get(Case, i).assignee_id for i in (a.id, b.id, c.id)] == [
        worker.id,
        worker.id,
        None,
    ]
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.case_id == a.id).order_by(AuditEvent.seq.desc())
    ).first()
    assert (event.action, event.actor_label) == ("assigned", "Anna Albers")

    client.post(
        "/backoffice/assign",
        data={
            "csrf_token": token,
            "case_id": [str(b.id), str(c.id)],
            "action": "assign",
            "assignee": str(colleague.id),
        },
    )
    db.session.expire_all()
    assert [db.session.get(Case, i).assignee_id for i in (a.id, b.id, c.id)] == [
        worker.id,
        colleague.id,
        colleague.id,
    ]

    # A colleague without a role for the service cannot be given its cases.
    refused = client.post(
        "/backoffice/assign",
        data={
            "csrf_token": token,
            "case_id": [str(a.id)],
            "action": "assign",
            "assignee": str(permit_only.id),
        },
    )
    assert refused.status_code == 403
    db.session.expire_all()
    assert db.session.get(Case, a.id).assignee_id == worker.id

    client.post(
        "/backoffice/assign",
        data={"csrf_token": token, "case_id": [str(a.id)], "action": "unassign"},
    )
    db.session.expire_all()
    assert db.session.get(Case, a.id).assignee_id is None
    html = client.get(f"/backoffice/cases/{b.id}").get_data(as_text=True)
    assert "Zugewiesen an Bernd Brandt" in html
