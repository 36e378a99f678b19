"""Templates to PDF: Jinja (autoescaped) for the HTML, segno for the QR code, WeasyPrint.

Document templates live in `templates/pdf/<template>/document.html` (+ `style.css`) and
extend `templates/pdf/_layout.html`, which holds the letterhead, the fonts shipped in
`templates/pdf/_fonts/` and the verification block. Templates see only what
`build_context` gives them: the case data, the reference, titles, dates and the
verification code.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from service.definitions.types import FieldDefinition, FormDefinition
from service.forms.display import country_name, day_filter, day_time_filter

BERLIN = ZoneInfo("Europe/Berlin")
PDF_VARIANT = "pdf/a-3b"

_environments: dict[str, jinja2.Environment] = {}
_environments_lock = threading.Lock()


# ------------------------------------------------------------------ filters


def _as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(BERLIN)
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def date_de(value: Any) -> str:
    """Format a date (ISO text, date or datetime) the German way: TT.MM.JJJJ."""
    day = _as_date(value)
    return day.strftime("%d.%m.%Y") if day is not None else ""


def add_years(value: Any, years: int) -> date | None:
    """Return the date `years` later (29 February becomes 28 February)."""
    day = _as_date(value)
    if day is None:
        return None
    try:
        return day.replace(year=day.year + int(years))
    except ValueError:
        return day.replace(year=day.year + int(years), day=28)


def add_days(value: Any, days: int) -> date | None:
    """Return the date `days` later (negative: earlier)."""
    day = _as_date(value)
    return day + timedelta(days=int(days)) if day is not None else None


# ------------------------------------------------------------------ environment


#: The filters documents have besides Jinja's own.
FILTERS = ("date_de", "add_years", "add_days", "day", "day_time")


def environment(root: Path) -> jinja2.Environment:
    """Return the Jinja environment of the document templates under `root` (one per root)."""
    key = str(root)
    with _environments_lock:
        env = _environments.get(key)
        if env is None:
            env = jinja2.Environment(
                loader=jinja2.FileSystemLoader(key),
                # Every value is escaped: a name like "</p><script>" prints as text.
                autoescape=True,
                trim_blocks=True,
                lstrip_blocks=True,
                auto_reload=False,
            )
            env.filters.update(
                date_de=date_de,
                add_years=add_years,
                add_days=add_days,
                day=day_filter,
                day_time=day_time_filter,
            )
            _environments[key] = env
        return env


def _find_field(form: FormDefinition, path: str) -> FieldDefinition | None:
    head, _, rest = path.partition(".")
    try:
        field = form.field(head)
    except KeyError:
        return None
    if not rest:
        return field
    return next((f for f in field.fields if f.key == rest), None)


def option_labeller(form: FormDefinition, lang: str) -> Any:
    """Return `option_label(field, value)`: the label of a chosen option, as the form says."""

    def option_label(path: str, value: Any) -> str:
        field = _find_field(form, path)
        if field is not None:
            for option in field.options:
                if option.value == value:
                    return option.label.get(lang)
        return "" if value is None else str(value)

    return option_label


def qr_data_uri(url: str) -> str:
    """Return a QR code of `url` as an SVG data URI."""
    import segno

    return str(segno.make(url, error="m", micro=False).svg_data_uri(border=0, omitsize=True))


def build_context(
    *,
    data: Mapping[str, Any],
    reference: str,
    service_title: str,
    document_title: str,
    submitted_at: datetime,
    issued_at: datetime,
    verification_code: str,
    verify_url: str,
    form: FormDefinition,
    lang: str = "de",
    computed: Mapping[str, Any] | None = None,
    city: Any = None,
    department: str | None = None,
    decision: Any = None,
) -> dict[str, Any]:
    """Return everything a document template may use, and nothing more."""
    office = city.department(department) if city is not None else None
    return {
        "data": data,
        "reference": reference,
        "service_title": service_title,
        "document_title": document_title,
        "submitted_on": date_de(submitted_at),
        "issued_on": date_de(issued_at),
        "verification_code": verification_code,
        "verify_url": verify_url,
        "qr_code": qr_data_uri(verify_url),
        # The city of city.yaml: `city.name.de`, `city.address.lines()`, `city.website`.
        "city": city,
        "issuer": city.name.get(lang) if city is not None else "",
        "issuer_department": office.name.get(lang) if office is not None else "",
        "lang": lang,
        "option_label": option_labeller(form, lang),
        # `country_name(data.previous_country)`: "Österreich", not "AT".
        "country_name": lambda code: country_name(code, lang),
        # Computed values by key: `computed.fee.display` prints "150,00 €".
        "computed": dict(computed or {}),
        # The transition that issued the document: `decision.inputs.reason`,
        # `decision.role_title`, `decision.at|day_time`; None outside a transition.
        "decision": decision,
    }


def render_html(
    root: Path,
    template: str,
    context: Mapping[str, Any],
    source: str | None = None,
    files: Mapping[str, str] | None = None,
) -> str:
    """Render `templates/pdf/<template>/document.html` with `context`.

    `source` is the template's text as stored with the case's workflow version; the file
    is read when there is none. `files` (`{"_layout.html": text, "<template>/style.css":
    text}`) are the shared files stored with that version: what the document extends
    and includes is taken from them first, from the folder otherwise.
    """
    env = environment(root)
    if files:
        assert env.loader is not None  # environment() always sets one
        env = env.overlay(
            loader=jinja2.ChoiceLoader([jinja2.DictLoader(dict(files)), env.loader]),
            cache_size=0,
        )
    if source is not None:
        return env.from_string(source).render(context)
    return env.get_template(f"{template}/document.html").render(context)


def _fetcher(root: Path) -> Any:
    """Let WeasyPrint load files under the template root and data URIs, nothing remote."""
    from weasyprint.urls import URLFetcher

    allowed = root.resolve().as_uri() + "/"

    class _LocalFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not (url.startswith("data:") or url.startswith(allowed)):
                raise ValueError("document templates may only load their own files")
            return super().fetch(url, headers)

    return _LocalFetcher(allowed_protocols=("file", "data"))


def _srgb_profile() -> Any:
    """Return a fresh sRGB output intent for PDF/A (WeasyPrint's own leaks an open file)."""
    import weasyprint.pdf
    from weasyprint.css import ColorProfile

    global _srgb_icc
    if _srgb_icc is None:
        _srgb_icc = (Path(weasyprint.pdf.__file__).parent / "sRGB2014.icc").read_bytes()
    return ColorProfile(
        io.BytesIO(_srgb_icc), "sRGB2014.icc", "relative-colorimetric", (["r"], ["g"], ["b"])
    )


_srgb_icc: bytes | None = None
OUTPUT_INTENT = "amtsweg-srgb"


def pdf_options() -> dict[str, Any]:
    """Return the WeasyPrint options of every document: tagged PDF/A with an sRGB intent."""
    return {
        "pdf_variant": PDF_VARIANT,
        "pdf_tags": True,
        "output_intent": OUTPUT_INTENT,
        "color_profiles": {OUTPUT_INTENT: _srgb_profile()},
    }


def html_to_pdf(root: Path, html: str) -> bytes:
    """Render HTML to a tagged PDF/A file; title and language come from the HTML."""
    import weasyprint

    document = weasyprint.HTML(
        string=html, base_url=root.resolve().as_uri() + "/", url_fetcher=_fetcher(root)
    )
    pdf = document.write_pdf(**pdf_options())
    assert pdf is not None  # write_pdf without a target returns bytes
    return bytes(pdf)
