"""Both shipped services driven through the service layer, from submission to decision."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from factories import UserFactory, parking_permit_data, person, residence_registration_data
from sqlalchemy import select

from service.cases import services as cases
from service.cases.errors import (
    IdempotencyConflict,
    StaleCase,
    TransitionNotAllowed,
    ValidationFailed,
)
from service.cases.models import AuditEvent, Case
from service.cases.store import IdempotencyClaim
from service.engine import Actor, InputsInvalid
from service.extensions import db
from service.jobs.models import OutboxItem

SYSTEM = Actor(id="system", kind="system", label="test")


def submit(user: Any, service: str = "residence_registration", **kw: Any) -> Case:
    data = kw.pop("data", None)
    if data is None:
        data = (
            residence_registration_data()
            if service == "residence_registration"
            else parking_permit_data()
        )
    applicant = Actor(id=str(user.id), kind="user", label=user.name)
    result = cases.submit_case(service, data, user.id, applicant, **kw)
    db.session.commit()
    return result.case


def actor(user: Any) -> Actor:
    return Actor(**user.as_actor_fields())


@pytest.fixture
def people(app: Any) -> dict[str, Any]:
    return {
        "erika": UserFactory(),
        "clara": UserFactory(case_worker=True),
        "olaf": UserFactory(officer=True),
        "petra": UserFactory(second_officer=True),
    }


def test_residence_registration_from_submission_to_approval(
    app: Any, people: dict[str, Any]
) -> None:
    case = submit(people["erika"])
    assert case.reference.startswith("WA-") and case.state == "submitted"
    assert case.applicant_name == "Erika Maria Mustermann"
    assert case.due_at is not None
    cases.fire_transition(case, "start_review", actor(people["clara"]))
    decision = cases.fire_transition(case, "approve", actor(people["olaf"]))
    db.session.commit()
    assert decision.completed and case.state == "approved" and case.closed_at is not None
    kinds = sorted(db.session.scalars(select(OutboxItem.kind).where(OutboxItem.case_id == case.id)))
    # submission: webhook + e-mail; approval: two webhooks, the Meldebestätigung, an e-mail
    assert kinds.count("document.render") == 1
    assert kinds.count("email.send") == 2
    assert kinds.count("webhook.event") == 4
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id)).all()
    assert [e.transition for e in events] == ["submit", "start_review", "approve"]
    assert events[-1].actor_label == "Olaf Meldebehörde"


def test_rejection_needs_a_reason_and_records_it(app: Any, people: dict[str, Any]) -> None:
    case = submit(people["erika"])
    with pytest.raises(InputsInvalid) as refused:
        cases.fire_transition(case, "reject", actor(people["clara"]), {"reason": "  "})
    assert "reason" in refused.value.errors
    db.session.rollback()
    cases.fire_transition(
        case, "reject", actor(people["clara"]), {"reason": "Adresse existiert nicht"}
    )
    db.session.commit()
    assert case.state == "rejected"
    last = db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.seq.desc())
    ).first()
    assert last is not None and last.inputs == {"reason": "Adresse existiert nicht"}


def test_case_worker_may_not_approve_a_registration(app: Any, people: dict[str, Any]) -> None:
    case = submit(people["erika"])
    cases.fire_transition(case, "start_review", actor(people["clara"]))
    with pytest.raises(TransitionNotAllowed) as refused:
        cases.fire_transition(case, "approve", actor(people["clara"]))
    assert refused.value.reason == "wrong_role"
    assert "“Registration officer”" in refused.value.message.get("en")


def test_invalid_input_names_each_field_path_in_german_and_english(
    app: Any, people: dict[str, Any]
) -> None:
    second = person(first_names="Max", everyday_name="Max", birth_date="31.02.2010")
    data = residence_registration_data(persons=[person(), second], postal_code="1234")
    for lang, word in (("de", "Postleitzahl"), ("en", "postal code")):
        with pytest.raises(ValidationFailed) as failed:
            submit(people["erika"], data=data, lang=lang)
        errors = failed.value.errors
        assert set(errors) >= {"persons[1].birth_date", "postal_code"}
        assert word.lower() in " ".join(errors["postal_code"]).lower()
        db.session.rollback()
    assert db.session.scalar(select(Case.id)) is None


def test_hidden_answers_are_dropped_not_stored(app: Any, people: dict[str, Any]) -> None:
    data = residence_registration_data(
        residence_kind="sole",
        main_street="Geheimweg",  # only asked for a secondary residence
        arriving_from_abroad=False,
        previous_country="FR",  # only asked when arriving from abroad
        unknown_field="x",
    )
    case = submit(people["erika"], data=data)
    assert "main_street" not in case.data
    assert "previous_country" not in case.data
    assert "unknown_field" not in case.data
    assert case.data["previous_town"] == "Köln"


def test_secondary_residence_requires_the_main_residence(app: Any, people: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as failed:
        submit(people["erika"], data=residence_registration_data(residence_kind="secondary"))
    assert {"main_street", "main_postal_code", "main_town"} <= set(failed.value.errors)


def test_late_registration_is_flagged_not_refused(app: Any, people: dict[str, Any]) -> None:
    case = submit(people["erika"], data=residence_registration_data(move_in_date="2020-01-01"))
    assert [f["key"] for f in case.flags] == ["late_registration"]


def test_parking_permit_fee_waiver_needs_two_different_officers(
    app: Any, people: dict[str, Any]
) -> None:
    data = parking_permit_data(fee_waiver_requested=True, fee_waiver_reason="Schwerbehinderung")
    case = submit(people["erika"], "parking_permit", data=data)
    cases.fire_transition(case, "start_review", actor(people["clara"]))
    db.session.commit()
    with pytest.raises(TransitionNotAllowed) as guarded:
        cases.fire_transition(case, "approve", actor(people["olaf"]))
    assert guarded.value.reason == "guard_failed"
    db.session.rollback()
    cases.fire_transition(case, "propose_waiver", actor(people["olaf"]), {"reason": "Härtefall"})
    db.session.commit()
    with pytest.raises(TransitionNotAllowed) as same_person:
        cases.fire_transition(case, "approve_waiver", actor(people["olaf"]))
    assert same_person.value.reason == "same_person"
    assert same_person.value.message.get("de")
    db.session.rollback()
    cases.fire_transition(case, "approve_waiver", actor(people["petra"]))
    db.session.commit()
    assert case.state == "approved"


def test_idempotent_resubmission_returns_the_same_case(app: Any, people: dict[str, Any]) -> None:
    first = submit(people["erika"], idempotency=IdempotencyClaim("key-1"))
    again = cases.submit_case(
        "residence_registration", residence_registration_data(), people["erika"].id,
        actor(people["erika"]), idempotency=IdempotencyClaim("key-1"),
    )  # fmt: skip
    assert again.case.id == first.id and not again.created
    with pytest.raises(IdempotencyConflict):
        cases.submit_case(
            "residence_registration", residence_registration_data(town="Neuss"), people["erika"].id,
            actor(people["erika"]), idempotency=IdempotencyClaim("key-1"),
        )  # fmt: skip
    assert db.session.query(Case).count() == 1


def test_stale_version_is_refused(app: Any, people: dict[str, Any]) -> None:
    case = submit(people["erika"])
    seen = case.version
    cases.fire_transition(case, "start_review", actor(people["clara"]), expected_version=seen)
    db.session.commit()
    with pytest.raises(StaleCase):
        cases.fire_transition(case, "approve", actor(people["olaf"]), expected_version=seen)


def test_two_concurrent_approvals_exactly_one_wins(make_app: Any) -> None:
    """Two officers approve the same case at the same moment, each in its own session."""
    from service.auth.models import User
    from service.transactions import ensure_definitions_synced

    app = make_app()
    with app.app_context():
        ensure_definitions_synced()
        users = [User(issuer="t", subject=s, name=s, roles=r) for s, r in
                 (("erika", []), ("olaf", ["registration_officer"]), ("petra", ["registration_officer"]))]  # fmt: skip
        db.session.add_all(users)
        db.session.commit()
        case = submit(users[0])
        cases.fire_transition(case, "start_review", actor(users[1]))
        db.session.commit()
        case_id = case.id
        officers = [actor(users[1]), actor(users[2])]
        db.session.remove()

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(officer: Actor) -> None:
        with app.app_context():
            mine = db.session.get(Case, case_id)
            assert mine is not None
            barrier.wait()
            try:
                cases.fire_transition(mine, "approve", officer)
                db.session.commit()
                outcomes.append("approved")
            except (StaleCase, TransitionNotAllowed):
                outcomes.append("conflict")
            except Exception as exc:  # SQLite may report the lock as an OperationalError
                outcomes.append(f"conflict:{type(exc).__name__}")
            finally:
                db.session.rollback()
                db.session.remove()

    threads = [threading.Thread(target=approve, args=(o,)) for o in officers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o.split(":")[0] for o in outcomes) == ["approved", "conflict"]
    with app.app_context():
        approvals = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.case_id == case_id, AuditEvent.transition == "approve"
            )
        ).all()
        assert len(approvals) == 1
        final = db.session.get(Case, case_id)
        assert final is not None and final.state == "approved"
        documents = db.session.scalars(
            select(OutboxItem).where(OutboxItem.kind == "document.render")
        ).all()
        assert len(documents) == 1


def test_tampered_audit_event_is_detected(app: Any, people: dict[str, Any]) -> None:
    case = submit(people["erika"])
    cases.fire_transition(case, "reject", actor(people["clara"]), {"reason": "falsche Adresse"})
    db.session.commit()
    assert cases.verify_audit_chain() == []
    db.session.execute(
        AuditEvent.__table__.update()
        .where(AuditEvent.case_id == case.id, AuditEvent.seq == 2)
        .values(inputs={"reason": "anders"})
    )
    db.session.commit()
    problems = cases.verify_audit_chain()
    assert len(problems) == 1
    assert problems[0].startswith(f"{case.reference}: event 2 was changed after it was written")


def test_deleted_newest_audit_event_is_detected(app: Any, people: dict[str, Any]) -> None:
    case = submit(people["erika"])
    cases.fire_transition(case, "start_review", actor(people["clara"]))
    db.session.commit()
    db.session.execute(AuditEvent.__table__.delete().where(AuditEvent.seq == 2))
    db.session.commit()
    assert cases.verify_audit_chain() == [f"{case.reference}: the newest audit event is missing"]


def test_audit_events_cannot_be_changed_through_the_model(app: Any, people: dict[str, Any]) -> None:
    case = submit(people["erika"])
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id)).one()
    event.actor_label = "someone else"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
