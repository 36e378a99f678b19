"""The city is data: another city.yaml changes every page, document and e-mail, no Python."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from factories import parking_permit_data

from service.definitions.services import load_definitions
from service.documents import rendering

ROOT = Path(__file__).resolve().parents[2]

OTHER_CITY = """\
name: {de: Stadt Musterstadt, en: Town of Musterstadt}
short_name: {de: Musterstadt, en: Musterstadt}
title: {de: Stadt, en: Town}
address: {street: Rathausplatz 1, postal_code: "12345", town: Musterstadt}
contact: {email: buergerbuero@musterstadt.example, website: www.musterstadt.example}
departments:
  - key: buergerbuero
    name: {de: Bürgerbüro Musterstadt, en: Citizens' office}
  - key: verkehr
    name: {de: Straßenverkehrsamt Musterstadt, en: Road traffic office}
  - key: steueramt
    name: {de: Steueramt Musterstadt, en: Tax office}
  - key: sondernutzung
    name: {de: Tiefbauamt Musterstadt (Sondernutzungen), en: Civil engineering office}
seal: {organisation: Stadt Musterstadt}
"""


def copy_definitions(root: Path, city: str | None = OTHER_CITY) -> Path:
    for folder in ("forms", "workflows", "templates"):
        shutil.copytree(ROOT / folder, root / folder)
    if city is not None:
        (root / "city.yaml").write_text(city)
    return root


def test_no_city_is_named_in_python() -> None:
    pattern = re.compile("duesseldorf|düsseldorf", re.IGNORECASE)
    named = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "service").rglob("*")
        if path.is_file()
        and path.suffix in (".py", ".po", ".css", ".js", ".html", ".txt")
        and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert named == []


def test_a_missing_city_file_is_reported(tmp_path: Path) -> None:
    problems = [str(p) for p in load_definitions(copy_definitions(tmp_path, None))[1]]
    assert problems == [
        "city.yaml:1: city.yaml is missing: it names the city that runs the services"
    ]


def test_a_mistake_in_the_city_file_is_reported_at_its_line(tmp_path: Path) -> None:
    city = OTHER_CITY.replace("seal: {", "sael: {")
    problems = [str(p) for p in load_definitions(copy_definitions(tmp_path, city))[1]]
    assert len(problems) == 1
    assert problems[0].startswith("city.yaml:15: unknown key 'sael' in city")


def test_the_court_of_the_city_file_is_read_and_its_keys_checked(tmp_path: Path) -> None:
    court = 'court:\n  name: VG Musterstadt\n  adress: {street: A 1, postal_code: "1", town: M}\n'
    problems = [str(p) for p in load_definitions(copy_definitions(tmp_path, OTHER_CITY + court))[1]]
    assert len(problems) == 2
    assert problems[0] == "city.yaml:17: court is missing 'address'"
    assert problems[1].startswith("city.yaml:18: unknown key 'adress' in court")

    fixed = court.replace("adress", "address")
    registry, problems = load_definitions(copy_definitions(tmp_path / "ok", OTHER_CITY + fixed))
    assert problems == []
    assert str(registry.city.court) == "VG Musterstadt, A 1, 1 M"


def test_another_city_shows_in_the_portal_documents_and_e_mails(
    make_app: Any, tmp_path: Path
) -> None:
    root = copy_definitions(tmp_path / "defs")
    app = make_app(DEFINITIONS_ROOT=str(root))
    with app.app_context():
        page = app.test_client().get("/").get_data(as_text=True)
        assert "Stadt Musterstadt" in page and "Düsseldorf" not in page.split("<main")[0]

        mail = app.jinja_env.get_template("email/decided/body.txt").render(
            lang="de", name="Erika", reference="BP-1", service_title="X", state_title="Y",
            link="https://x.example",
        )  # fmt: skip
        assert "Mit freundlichen Grüßen\nStadt Musterstadt" in mail

        registry = app.extensions["amtsweg.definitions"]
        context = rendering.build_context(
            data=parking_permit_data(),
            reference="BP-2026-000001",
            service_title="Bewohnerparkausweis",
            document_title="Bewohnerparkausweis",
            submitted_at=datetime.now(UTC),
            issued_at=datetime.now(UTC),
            verification_code="ABCD",
            verify_url="https://x.example/verify/ABCD",
            form=registry.form("parking_permit"),
            city=registry.city,
        )
        html = rendering.render_html(root / "templates" / "pdf", "parking_permit", context)
        assert '<span class="city-name">Musterstadt</span>' in html
        assert "12345 Musterstadt" in html and "www.musterstadt.example" in html
        assert "Düsseldorf" not in html.split("</header>")[0]
