"""Translations shared by Flask-Babel and the Flask-free packages (forms, engine errors).

Message ids are English; German is the default language and lives in
`service/translations/de/LC_MESSAGES/messages.po`. The `.mo` file is compiled from the
`.po` file when it is missing or older, so a fresh checkout needs no build step.
"""

from __future__ import annotations

import gettext
import threading
from functools import lru_cache
from pathlib import Path

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"

_compile_lock = threading.Lock()


def ensure_compiled() -> None:
    """Compile every `.po` catalogue whose `.mo` is missing or stale."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with _compile_lock:
        for po_path in TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.po"):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            with po_path.open("rb") as f:
                catalog = read_po(f)
            tmp = mo_path.with_suffix(".mo.tmp")
            with tmp.open("wb") as f:
                write_mo(f, catalog)
            tmp.replace(mo_path)


@lru_cache(maxsize=8)
def translations(lang: str | None) -> gettext.NullTranslations:
    """Return the gettext translations for `lang` (German when unknown or None)."""
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    if lang == "en":
        return gettext.NullTranslations()
    ensure_compiled()
    return gettext.translation("messages", TRANSLATIONS_DIR, languages=[lang], fallback=True)


def gettext_for(lang: str | None) -> gettext.NullTranslations:
    """Return translations whose `.gettext(msgid)` gives the text in `lang`."""
    return translations(lang)
