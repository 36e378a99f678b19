"""One view of what a case computes and flags, for the API, the back office and the portal.

Every face asks `case_view(case, viewer, lang)`, so an integrator, a case worker and the
resident never see different fees or a different late-registration flag; only what the
viewer may see differs (residents do not see the case workers' flags).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.cases.computed import computed_of, form_of
from service.cases.constants import CaseViewer
from service.cases.models import Case
from service.definitions.types import FormDefinition
from service.engine.types import Text

#: The viewers that see the flags a case's answers raised.
SEES_FLAGS = frozenset({CaseViewer.CLIENT, CaseViewer.STAFF})


@dataclass(frozen=True)
class CaseFlag:
    """A rule of severity "flag" the answers failed: the case was accepted and marked."""

    key: str
    message: Text


@dataclass(frozen=True)
class CaseComputed:
    """A value computed from the case's answers, e.g. a fee in cents."""

    key: str
    type: str
    value: Any
    label: Text
    #: The value as people read it in the view's language ("60,00 €").
    display: str
    currency: str | None = None


@dataclass(frozen=True)
class CaseView:
    """The computed values and flags of a case as one viewer may see them."""

    computed: list[CaseComputed]
    flags: list[CaseFlag]

    def as_json(self) -> dict[str, Any]:
        """Return `computed` and `flags` as the API's case view carries them."""
        computed = []
        for c in self.computed:
            item = {"key": c.key, "type": c.type, "value": c.value, "label": _text(c.label)}
            if c.currency:
                item["currency"] = c.currency
            computed.append(item)
        flags = [{"key": f.key, "message": _text(f.message)} for f in self.flags]
        return {"computed": computed, "flags": flags}


def case_view(
    case: Case, viewer: CaseViewer, lang: str, form: FormDefinition | None = None
) -> CaseView:
    """Return what `viewer` sees of the case's computed values and flags, texts in `lang`
    (`form`: the case's form version, when the caller has it)."""
    from service.forms.computed import compute, display

    form = form_of(case) if form is None else form
    values = compute(form, case.data or {}) if form.computed else {}
    computed = [
        CaseComputed(
            key=c.key,
            type=c.type,
            value=values[c.key],
            label=c.label,
            display=display(c.type, values[c.key], lang, c.currency),
            currency=c.currency,
        )
        for c in form.computed
    ]
    flags = [
        CaseFlag(
            key=str(f.get("key") or ""),
            message=Text(de=str(f.get("de") or ""), en=str(f.get("en") or f.get("de") or "")),
        )
        for f in (case.flags or [])
        if viewer in SEES_FLAGS
    ]
    return CaseView(computed=computed, flags=flags)


def client_view(case: Case, form: FormDefinition | None = None) -> dict[str, Any]:
    """Return the computed values, flags and country names of the API's case view (texts
    in both languages; `form`: the case's form version, when the caller has it)."""
    from service.forms.display import country_answers

    form = form_of(case) if form is None else form
    names = country_answers(form.fields, case.data or {})
    if not form.computed and not case.flags:
        # Most cases: nothing computed, nothing flagged (what `as_json` gives for them).
        return {"computed": [], "flags": [], "country_names": names}
    return case_view(case, CaseViewer.CLIENT, "en", form).as_json() | {"country_names": names}


def _text(text: Text) -> dict[str, str]:
    return {"de": text.de, "en": text.en}


def case_view_global(case: Case, viewer: str, lang: str) -> CaseView:
    """Return `case_view` for page templates, which name the viewer as text ("staff")."""
    return case_view(case, CaseViewer(viewer), lang)


def init_app(app: Any) -> None:
    """Let page templates show computed values and flags: `case_view(case, "staff", lang)`
    for a case and `computed_values(form, data, lang)` for a draft."""
    from service.forms.services import computed_values

    app.jinja_env.globals.update(
        computed_of=computed_of, computed_values=computed_values, case_view=case_view_global
    )
