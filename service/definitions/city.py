"""The city as data: `city.yaml` beside workflows/ and forms/ names who runs the services.

Its name, departments, address, contact, logo and seal text appear in every document,
e-mail, portal page and on /verify; nothing about a particular city is written in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.definitions import schemas
from service.definitions.errors import Problems
from service.definitions.yamlio import LineDict, YamlProblem, load
from service.engine.types import Text

CITY_FILE = "city.yaml"


@dataclass(frozen=True)
class Address:
    """A postal address."""

    street: str
    postal_code: str
    town: str

    def lines(self) -> list[str]:
        """Return the address as printed lines."""
        return [line for line in (self.street, f"{self.postal_code} {self.town}") if line]


@dataclass(frozen=True)
class Department:
    """An office of the city that issues documents (`department:` of a document)."""

    key: str
    name: Text
    address: Address | None = None


@dataclass(frozen=True)
class Court:
    """The competent administrative court, named in the legal remedy of a notice."""

    name: str
    address: Address

    def __str__(self) -> str:
        """Return the court as one line: name, street, postal code and town."""
        return ", ".join([self.name, *self.address.lines()])


@dataclass(frozen=True)
class City:
    """Who runs the services: shown in documents, e-mails, the portal and /verify."""

    name: Text
    short_name: Text
    title: Text
    address: Address
    email: str = ""
    phone: str = ""
    website: str = ""
    departments: tuple[Department, ...] = ()
    logo: str | None = None
    seal_organisation: str = ""
    seal_text: Text | None = None
    #: The Verwaltungsgericht a resident may sue at (`city.court` in templates), if named.
    court: Court | None = None

    def department(self, key: str | None) -> Department | None:
        """Return the department called `key` (the first one when `key` is None)."""
        if key is None:
            return self.departments[0] if self.departments else None
        return next((d for d in self.departments if d.key == key), None)


def load_city(root: Path) -> tuple[City | None, list[Any]]:
    """Read `city.yaml` under `root`; return the city and the problems found."""
    path = root / CITY_FILE
    problems = Problems(CITY_FILE)
    if not path.is_file():
        problems.add(1, f"{CITY_FILE} is missing: it names the city that runs the services")
        return None, problems.items
    text = path.read_text(encoding="utf-8")
    problems = Problems(CITY_FILE, text)
    try:
        doc = load(text)
    except YamlProblem as exc:
        problems.add(exc.line, exc.message)
        return None, problems.items
    city = _parse(doc, problems)
    return city, problems.items


def _parse(doc: Any, problems: Problems) -> City | None:
    from service.definitions.reader import Reader as _Reader

    r = _Reader(problems)
    if not r.keys(doc, "city", schemas.CITY):
        return None
    departments = []
    for line, item in r.items(doc, "departments", "city"):
        if r.keys(item, "department", schemas.DEPARTMENT, line):
            key = r.name(item, "key", "department")
            departments.append(
                Department(
                    key=key,
                    name=r.text(item, "name", f"department '{key}'") or Text(key),
                    address=_address(r, item.get("address"), f"department '{key}'"),
                )
            )
    contact = doc.get("contact") or LineDict()
    r.keys(contact, "contact", schemas.CONTACT)
    seal = doc.get("seal") or LineDict()
    r.keys(seal, "seal", schemas.SEAL)
    name = r.text(doc, "name", "city") or Text("")
    return City(
        name=name,
        short_name=r.text(doc, "short_name", "city") or Text(""),
        title=r.text(doc, "title", "city") or Text(""),
        address=_address(r, doc.get("address"), "city") or Address("", "", ""),
        email=str(contact.get("email") or ""),
        phone=str(contact.get("phone") or ""),
        website=str(contact.get("website") or ""),
        departments=tuple(departments),
        logo=r.string(doc, "logo", "city"),
        seal_organisation=str(seal.get("organisation") or name.de),
        seal_text=r.text(seal, "text", "seal", required=False) if seal else None,
        court=_court(r, doc.get("court")),
    )


def _court(r: Any, obj: Any) -> Court | None:
    if obj is None or not r.keys(obj, "court", schemas.COURT):
        return None
    address = _address(r, obj.get("address"), "court")
    return Court(str(obj.get("name") or ""), address or Address("", "", ""))


def _address(r: Any, obj: Any, what: str) -> Address | None:
    if obj is None:
        return None
    if not r.keys(obj, f"address of {what}", schemas.ADDRESS):
        return None
    return Address(
        street=str(obj.get("street") or ""),
        postal_code=str(obj.get("postal_code") or ""),
        town=str(obj.get("town") or ""),
    )
