"""The case page: four eyes, conflicts, requests for information, views, notes, files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from backoffice_support import case_version, csrf_token
from freezegun import freeze_time

from service.backoffice.models import CaseView
from service.cases.models import AuditEvent, Case, CaseNote
from service.cases.services import fire_transition
from service.engine import Actor
from service.extensions import db
from tests.conftest import add_upload


def _post(client: Any, case: Case, transition: str, **inputs: str) -> Any:
    token = csrf_token(client, f"/backoffice/cases/{case.id}")
    form = {"csrf_token": token, "version": str(case_version(case.id))}
    form.update({f"{transition}-{k}": v for k, v in inputs.items()})
    return client.post(f"/backoffice/cases/{case.id}/transitions/{transition}", data=form)


def _state(case_id: int) -> str:
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    assert case is not None
    return case.state


def test_four_eyes_waiver_needs_a_second_officer(
    staff: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    case = make_case("parking_permit", waiver=True)
    officer_a = client_for(staff("permit_officer", "Anna Albers"))
    officer_b = client_for(staff("permit_officer", "Bernd Brandt"))
    assert _post(officer_a, case, "start_review").status_code == 302
    assert (
        _post(
            officer_a, case, "propose_waiver", reason="Bürgergeld-Bescheid liegt vor."
        ).status_code
        == 302
    )
    assert _state(case.id) == "waiver_proposed"

    page = officer_a.get(f"/backoffice/cases/{case.id}").get_data(as_text=True)
    assert "Vier-Augen-Prinzip" in page
    assert "muss eine andere Person ausführen" in page

    refused = _post(officer_a, case, "approve_waiver")
    assert refused.status_code == 403
    assert "Vier-Augen-Prinzip" in refused.get_data(as_text=True)
    assert _state(case.id) == "waiver_proposed"

    page_b = officer_b.get(f"/backoffice/cases/{case.id}").get_data(as_text=True)
    assert "Vier-Augen-Prinzip" not in page_b
    assert _post(officer_b, case, "approve_waiver").status_code == 302
    assert _state(case.id) == "approved"


def test_two_case_workers_acting_at_once_one_wins_the_other_sees_the_conflict(
    staff: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    case = make_case()
    first = client_for(staff("case_worker", "Anna Albers"))
    second = client_for(staff("registration_officer", "Bernd Brandt"))
    seen = case_version(case.id)
    token_1 = csrf_token(first, f"/backoffice/cases/{case.id}")
    token_2 = csrf_token(second, f"/backoffice/cases/{case.id}")

    won = first.post(
        f"/backoffice/cases/{case.id}/transitions/start_review",
        data={"csrf_token": token_1, "version": str(seen)},
    )
    lost = second.post(
        f"/backoffice/cases/{case.id}/transitions/reject",
        data={"csrf_token": token_2, "version": str(seen), "reject-reason": "Unvollständig"},
    )

    assert won.status_code == 302
    assert lost.status_code == 303
    assert lost.headers["Location"].endswith(f"/backoffice/cases/{case.id}")
    html = second.get(lost.headers["Location"]).get_data(as_text=True)
    assert "Jemand anderes hat diesen Fall inzwischen geändert" in html
    assert "In Bearbeitung" in html  # the fresh case, as it is now
    assert f'name="version" value="{case_version(case.id)}"' in html
    assert _state(case.id) == "in_review"
    transitions = db.session.scalars(
        db.select(AuditEvent.transition).where(AuditEvent.case_id == case.id)
    ).all()
    assert "reject" not in transitions


def test_missing_reason_shows_the_form_again_with_the_error_beside_the_input(
    staff: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    case = make_case()
    client = client_for(staff("case_worker"))
    response = _post(client, case, "reject", reason="  ")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'class="error-summary"' in html
    assert 'href="#reject-reason"' in html
    assert 'id="reject-reason-error"' in html
    assert 'aria-invalid="true"' in html
    assert _state(case.id) == "submitted"


def test_request_information_pauses_the_clock_and_the_reply_returns_the_case(
    staff: Callable[..., Any],
    make_case: Callable[..., Case],
    client_for: Any,
    login: Callable[..., None],
    resident: Any,
) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    worker = staff("case_worker", "Anna Albers")
    client = client_for(worker)
    with freeze_time(start) as clock:
        case = make_case()
        due = case.due_at
        assert due == start + timedelta(days=14)

        clock.move_to(start + timedelta(days=2))
        login(worker, on=client)
        assert (
            _post(
                client, case, "request_information", message="Bitte Ausweis nachreichen."
            ).status_code
            == 302
        )
        assert _state(case.id) == "waiting_for_resident"

        clock.move_to(start + timedelta(days=20))  # the original due date has passed
        login(worker, on=client)
        page = client.get(f"/backoffice/cases/{case.id}").get_data(as_text=True)
        assert "Pausiert" in page
        assert "Überfällig" not in page
        inbox = client.get("/backoffice/?overdue=1").get_data(as_text=True)
        assert case.reference not in inbox

        # The resident answers (the portal calls the same service function).
        case = db.session.get(Case, case.id)
        fire_transition(
            case,
            "provide_information",
            Actor(id=str(resident.id), kind="user", label=resident.name),
            {"message": "Ausweis hochgeladen."},
        )
        db.session.commit()

        db.session.expire_all()
        case = db.session.get(Case, case.id)
        assert case.clock_paused_at is None
        assert case.due_at == due + timedelta(days=18)  # the 18 waiting days do not count
        login(worker, on=client)
        inbox = client.get("/backoffice/").get_data(as_text=True)
        assert case.reference in inbox
        assert "Antwort eingegangen" in inbox
        page = client.get(f"/backoffice/cases/{case.id}").get_data(as_text=True)
        assert "Ausweis hochgeladen." in page  # the reply in the timeline

        assert _post(client, case, "start_review").status_code == 303  # wrong state: back, flashed
        assert _state(case.id) == "in_review"
        db.session.expire_all()
        assert db.session.get(Case, case.id).resident_replied is True


def test_every_opening_of_a_case_is_recorded_and_shown(
    staff: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    case = make_case()
    anna = staff("case_worker", "Anna Albers")
    bernd = staff("registration_officer", "Bernd Brandt")
    client_for(anna).get(f"/backoffice/cases/{case.id}")
    client_for(anna).get(f"/backoffice/cases/{case.id}")
    page = client_for(bernd).get(f"/backoffice/cases/{case.id}").get_data(as_text=True)

    views = db.session.scalars(db.select(CaseView).where(CaseView.case_id == case.id)).all()
    assert sorted(v.user_id for v in views) == sorted([anna.id, anna.id, bernd.id])
    viewed = page.split("Angesehen von", 1)[1]
    assert "Anna Albers" in viewed
    assert "Bernd Brandt" in viewed


def test_internal_note_is_kept_for_staff_and_recorded(
    staff: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    case = make_case()
    client = client_for(staff("case_worker", "Anna Albers"))
    token = csrf_token(client, f"/backoffice/cases/{case.id}")
    response = client.post(
        f"/backoffice/cases/{case.id}/notes",
        data={"csrf_token": token, "text": "Vermieter angerufen."},
    )
    assert response.status_code == 302
    page = client.get(f"/backoffice/cases/{case.id}").get_data(as_text=True)
    assert "Vermieter angerufen." in page
    assert db.session.scalar(db.select(CaseNote.text).where(CaseNote.case_id == case.id)) == (
        "Vermieter angerufen."
    )
    assert "Interne Notiz" in page  # the timeline entry


def test_post_without_csrf_token_is_refused(
    staff: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    case = make_case()
    client = client_for(staff("case_worker"))
    response = client.post(
        f"/backoffice/cases/{case.id}/transitions/start_review", data={"version": str(case.version)}
    )
    assert response.status_code == 400
    assert _state(case.id) == "submitted"


def test_submitted_data_shows_the_form_labels_and_people_as_a_table(
    staff: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    case = make_case(family_name="Schmitz", first_names="Jupp Heinrich")
    html = (
        client_for(staff("case_worker")).get(f"/backoffice/cases/{case.id}").get_data(as_text=True)
    )
    assert "Personen, die einziehen" in html  # page title from the form
    table = html.split('class="group-table', 1)[1].split("</table>", 1)[0]
    assert "Familienname" in table
    assert "Schmitz" in table
    assert "Jupp Heinrich" in table
    assert "Marktplatz" in html


def test_staff_preview_and_download_an_upload_only_through_its_own_case(
    staff: Callable[..., Any], make_case: Callable[..., Case], client_for: Any, resident: Any
) -> None:
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    case = make_case("parking_permit")
    # Submission binds the uploads the answers name to the case.
    upload = add_upload(resident, pdf, "fahrzeugschein.pdf", "a" * 32, case_id=case.id)
    case.data = {**case.data, "vehicle_registration": upload.as_answer()}
    other = make_case("parking_permit")
    db.session.commit()
    client = client_for(staff("permit_officer"))

    page = client.get(f"/backoffice/cases/{case.id}").get_data(as_text=True)
    assert f"/backoffice/cases/{case.id}/files/{upload.id}" in page
    preview = client.get(f"/backoffice/cases/{case.id}/files/{upload.id}")
    assert preview.status_code == 200
    assert preview.data == pdf
    assert preview.headers["Content-Disposition"].startswith("inline")
    download = client.get(f"/backoffice/cases/{case.id}/files/{upload.id}?download=1")
    assert download.headers["Content-Disposition"].startswith("attachment")
    # The same upload through another case, or an id the case does not name: not found.
    assert client.get(f"/backoffice/cases/{other.id}/files/{upload.id}").status_code == 404
    assert client.get(f"/backoffice/cases/{case.id}/files/{'b' * 32}").status_code == 404


def test_case_page_in_english(
    staff: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    case = make_case()
    client = client_for(staff("case_worker"))
    with client.session_transaction() as session:
        session["lang"] = "en"
    html = client.get(f"/backoffice/cases/{case.id}").get_data(as_text=True)
    assert "Submitted data" in html
    assert "Start review" in html
    assert "People moving in" in html


def test_issued_document_is_listed_with_its_status_and_downloads_as_pdf(
    staff: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    from service.jobs.services import drain

    case = make_case()
    client = client_for(staff("registration_officer"))
    assert _post(client, case, "start_review").status_code == 302
    assert _post(client, case, "approve").status_code == 302
    page = client.get(f"/backoffice/cases/{case.id}").get_data(as_text=True)
    assert "Noch keine Dokumente." in page  # queued, not rendered yet

    drain()
    page = client.get(f"/backoffice/cases/{case.id}").get_data(as_text=True)
    documents = page.split('id="documents"', 1)[1].split("</section>", 1)[0]
    assert "Meldebestätigung" in documents
    assert "Ausgestellt am" in documents
    link = documents.split('href="', 1)[1].split('"', 1)[0]
    pdf = client.get(link)
    assert pdf.status_code == 200
    assert pdf.data.startswith(b"%PDF")
