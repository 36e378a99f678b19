"""Which marshmallow field loads which field type."""

from __future__ import annotations

from service.definitions.types import FieldDefinition
from service.forms.constants import FieldType
from service.forms.fields import (
    AnswerField,
    CheckboxesField,
    ChoiceField,
    DateField,
    EmailField,
    FileField,
    GroupField,
    MoneyField,
    NumberField,
    TextField,
    YesNoField,
)
from service.forms.identifiers import (
    CountryField,
    IbanField,
    LicencePlateField,
    PhoneField,
    PostalCodeField,
    TaxIdField,
)

FIELD_CLASSES: dict[str, type[AnswerField]] = {
    FieldType.TEXT: TextField,
    FieldType.TEXTAREA: TextField,
    FieldType.EMAIL: EmailField,
    FieldType.PHONE: PhoneField,
    FieldType.DATE: DateField,
    FieldType.NUMBER: NumberField,
    FieldType.MONEY: MoneyField,
    FieldType.SELECT: ChoiceField,
    FieldType.RADIO: ChoiceField,
    FieldType.CHECKBOXES: CheckboxesField,
    FieldType.YESNO: YesNoField,
    FieldType.POSTAL_CODE_DE: PostalCodeField,
    FieldType.IBAN: IbanField,
    FieldType.TAX_ID_DE: TaxIdField,
    FieldType.COUNTRY: CountryField,
    FieldType.LICENCE_PLATE: LicencePlateField,
    FieldType.FILE: FileField,
    FieldType.GROUP: GroupField,
}


def make_field(definition: FieldDefinition, lang: str) -> AnswerField:
    """Return the marshmallow field for `definition` speaking `lang`."""
    try:
        field_class = FIELD_CLASSES[definition.type]
    except KeyError:
        raise ValueError(f"unknown field type {definition.type!r} of {definition.key!r}") from None
    return field_class(definition, lang)
