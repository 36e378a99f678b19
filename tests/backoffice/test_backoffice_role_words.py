"""The back office names roles by their titles ("Meldebehörde"), never by their keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from service.cases.models import Case
from service.cases.services import fire_transition
from service.engine import Actor
from service.extensions import db

OFFICER = ["residence_registration:registration_officer", "residence_registration:case_worker"]
KEYS = ("registration_officer", "case_worker", "permit_officer")


def test_the_service_page_says_who_may_act_by_role_title(
    make_user: Callable[..., Any], client_for: Any
) -> None:
    client = client_for(make_user("Olaf Meldebehörde", roles=OFFICER))
    html = client.get("/backoffice/services/residence_registration").get_data(as_text=True)
    assert "Sachbearbeitung, Meldebehörde" in html
    assert not [key for key in KEYS if key in html]


def test_the_timeline_names_the_role_someone_acted_in(
    make_user: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    case = make_case()
    olaf = make_user("Olaf Meldebehörde", roles=OFFICER)
    clara = make_user("Clara Sachbearbeiterin", roles=["residence_registration:case_worker"])
    fire_transition(case, "start_review", Actor(**clara.as_actor_fields()))
    fire_transition(case, "approve", Actor(**olaf.as_actor_fields()))
    db.session.commit()
    html = client_for(olaf).get(f"/backoffice/cases/{case.id}").get_data(as_text=True)
    history = html.split('id="timeline-heading"', 1)[1]
    assert "Olaf Meldebehörde (Meldebehörde)" in history
    assert "Clara Sachbearbeiterin (Sachbearbeitung)" in history
    assert not [key for key in KEYS if key in html]


def test_the_people_pages_list_roles_per_service_by_title(
    make_user: Callable[..., Any], client_for: Any
) -> None:
    admin = make_user("Anna Admin", roles=["admin"])
    olaf = make_user("Olaf Meldebehörde", roles=[*OFFICER, "parking_permit:permit_officer"])
    client = client_for(admin)
    listing = client.get("/backoffice/people").get_data(as_text=True)
    assert (
        "Bewohnerparkausweis: Bewohnerparken; Wohnsitzanmeldung: Sachbearbeitung, Meldebehörde"
    ) in listing
    assert "Alle Verfahren: Administration" in listing
    page = client.get(f"/backoffice/people/{olaf.id}").get_data(as_text=True)
    assert "Bewohnerparkausweis: Bewohnerparken<br>Wohnsitzanmeldung:" in page
    assert not [key for key in KEYS if key in listing + page]


def _reasons(html: str) -> dict[str, str]:
    """Return the reason shown next to each disabled action, by transition name."""
    found = {}
    for part in html.split('<p class="reason" id="t-')[1:]:
        name, rest = part.split("-reason", 1)
        found[name] = rest.split(">", 1)[1].split("</p>", 1)[0]
    return found


def test_actions_a_person_cannot_take_say_why_next_to_the_button(
    make_user: Callable[..., Any], make_case: Callable[..., Case], client_for: Any
) -> None:
    parking = ["parking_permit:permit_officer", "parking_permit:case_worker"]
    olaf = make_user("Olaf Bewohnerparken", roles=parking)
    clara = make_user("Clara Sachbearbeiterin", roles=["parking_permit:case_worker"])
    no_waiver, waiver = make_case("parking_permit"), make_case("parking_permit", waiver=True)
    fire_transition(no_waiver, "start_review", Actor(**olaf.as_actor_fields()))
    fire_transition(waiver, "start_review", Actor(**olaf.as_actor_fields()))
    fire_transition(waiver, "propose_waiver", Actor(**olaf.as_actor_fields()), {"reason": "x"})
    db.session.commit()

    # The guard's own message.
    page = client_for(olaf).get(f"/backoffice/cases/{no_waiver.id}").get_data(as_text=True)
    assert _reasons(page)["propose_waiver"] == "Es wurde keine Gebührenbefreiung beantragt."
    # The role that is missing, by its title.
    page = client_for(clara).get(f"/backoffice/cases/{no_waiver.id}").get_data(as_text=True)
    assert _reasons(page)["approve"].startswith("Nur jemand mit der Rolle „Bewohnerparken“ darf „")
    # Four eyes.
    page = client_for(olaf).get(f"/backoffice/cases/{waiver.id}").get_data(as_text=True)
    assert _reasons(page)["approve_waiver"].startswith(
        "Vier-Augen-Prinzip: Sie haben bereits „Gebührenbefreiung vorschlagen“ ausgeführt"
    )
