"""Questions cut down to one type: what walks over the answers (countries, files) visit."""

from __future__ import annotations

from service.definitions.types import FieldDefinition
from service.engine.types import Text
from service.forms.constants import FieldType
from service.forms.display import country_answers
from service.forms.files import file_answers
from service.forms.typed_fields import fields_of_type


def _field(key: str, type_: str, *fields: FieldDefinition) -> FieldDefinition:
    return FieldDefinition(key=key, type=type_, label=Text(de=key), fields=tuple(fields))


FIELDS = (
    _field("name", "text"),
    _field("country", FieldType.COUNTRY),
    _field("plain_group", FieldType.GROUP, _field("a", "text"), _field("b", "date")),
    _field(
        "persons",
        FieldType.GROUP,
        _field("family_name", "text"),
        _field("citizenship", FieldType.COUNTRY),
        _field("documents", FieldType.GROUP, _field("no", "text"), _field("issuer", "country")),
        _field("passport", FieldType.FILE),
    ),
    _field("origin", FieldType.COUNTRY),
)


def test_only_the_fields_of_the_type_and_the_groups_holding_one_are_kept_in_order() -> None:
    cut = fields_of_type(FIELDS, FieldType.COUNTRY)

    assert [f.key for f in cut] == ["country", "persons", "origin"]
    persons = cut[1]
    assert [f.key for f in persons.fields] == ["citizenship", "documents"]
    assert [f.key for f in persons.fields[1].fields] == ["issuer"]
    assert persons.label == FIELDS[3].label  # the group is otherwise the same
    assert [f.key for f in fields_of_type(FIELDS, FieldType.FILE)] == ["persons"]
    assert fields_of_type(FIELDS, FieldType.MONEY) == ()


def test_the_cut_is_made_once_per_tuple_of_questions() -> None:
    assert fields_of_type(FIELDS, FieldType.COUNTRY) is fields_of_type(FIELDS, FieldType.COUNTRY)
    other = tuple(FIELDS)[:2] + tuple(FIELDS)[2:]  # equal, but another tuple
    assert other is not FIELDS
    assert fields_of_type(other, FieldType.COUNTRY) == fields_of_type(FIELDS, FieldType.COUNTRY)


def test_walks_over_the_cut_questions_find_what_they_found_over_all() -> None:
    data = {
        "name": "x",
        "country": "AT",
        "plain_group": [{"a": "DE"}],
        "persons": [
            {
                "citizenship": "DE",
                "documents": [{"no": "1", "issuer": "FR"}, {"no": "2"}],
                "passport": {"id": "u1", "name": "p.pdf"},
            },
            {"family_name": "y"},
            "not a mapping",
        ],
        "origin": "",
    }

    names = country_answers(FIELDS, data)

    assert names == {
        "country": {"code": "AT", "name": {"de": "Österreich", "en": "Austria"}},
        "persons": [
            {
                "citizenship": {"code": "DE", "name": {"de": "Deutschland", "en": "Germany"}},
                "documents": [
                    {"issuer": {"code": "FR", "name": {"de": "Frankreich", "en": "France"}}},
                    {},
                ],
            },
            {},
            {},
        ],
    }
    form = type("Form", (), {"fields": FIELDS})()
    assert [(a.path, a.upload_id) for a in file_answers(form, data)] == [
        ("persons[0].passport", "u1")
    ]
