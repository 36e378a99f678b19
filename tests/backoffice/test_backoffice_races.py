"""Races in the back office: the loser sees "someone else changed this case", never a 500."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from backoffice_support import case_version, csrf_token

from service.cases.models import AuditEvent, Case
from service.extensions import db

ROUNDS = 20


def _at_once(clients: list[Any], url: str, forms: list[dict[str, str]]) -> list[Any]:
    """POST each form from its own client and thread at the same moment."""
    barrier = threading.Barrier(len(clients))
    answers: list[Any] = [None] * len(clients)

    def post(i: int) -> None:
        barrier.wait()
        try:
            answers[i] = clients[i].post(url, data=forms[i])
        except Exception as exc:  # what a 500 would have been (TESTING propagates it)
            answers[i] = exc

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_two_officers_approving_at_once_one_wins_the_other_is_told_someone_else_changed_it(
    staff: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    officers = [client_for(staff("registration_officer", name)) for name in ("Anna A", "Bernd B")]
    worker = client_for(staff("case_worker", "Carla C"))
    outcomes = []
    for _ in range(ROUNDS):
        case = make_case()
        page = f"/backoffice/cases/{case.id}"
        started = worker.post(
            f"{page}/transitions/start_review",
            data={"csrf_token": csrf_token(worker, page), "version": str(case_version(case.id))},
        )
        assert started.status_code == 302
        forms = [
            {"csrf_token": csrf_token(o, page), "version": str(case_version(case.id))}
            for o in officers
        ]
        answers = _at_once(officers, f"{page}/transitions/approve", forms)

        assert not [a for a in answers if isinstance(a, Exception)], answers
        outcomes.append(sorted(a.status_code for a in answers))
        loser = next(i for i, a in enumerate(answers) if a.status_code == 303)
        shown = officers[loser].get(answers[loser].headers["Location"]).get_data(as_text=True)
        assert "Jemand anderes hat diesen Fall inzwischen geändert" in shown
        db.session.expire_all()
        assert db.session.get(Case, case.id).state == "approved"
        approvals = db.session.scalars(
            db.select(AuditEvent.transition).where(
                AuditEvent.case_id == case.id, AuditEvent.transition == "approve"
            )
        ).all()
        assert len(approvals) == 1
    assert outcomes == [[302, 303]] * ROUNDS
