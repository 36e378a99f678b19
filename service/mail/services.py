"""Public API of mail: compose a resident's e-mail for a case and deliver it.

The outbox queues `email.send` with {case_id, template, event_seq}; the handler renders
templates/email/<template>/ in the case's language and sends it over SMTP (`SMTP_URL`),
or, in the embedded default, writes the .eml file to INSTANCE_DIR/mail/ for /dev/mail.
A mail carries the applicant's name, the reference, the service and the state, and a
link to the portal: never other personal data. The Message-ID is derived from the
outbox key, so a mail sent again after a crash is recognisable as the same mail.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app

from service.extensions import db
from service.jobs import services as jobs
from service.mail.constants import MAIL_DIR

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    """A rendered e-mail to one recipient."""

    to: str
    subject: str
    text: str
    html: str
    message_id: str


def outbox_key(case_id: int, event_seq: int, template: str) -> str:
    """Return the outbox key `cases` uses for this mail (see cases.services._queue_effects)."""
    return f"email:{case_id}:{event_seq}:{template}"


def message_id_for(key: str) -> str:
    """Derive a stable Message-ID from the outbox key."""
    _name, sender = parseaddr(current_app.config["MAIL_FROM"])
    domain = sender.rpartition("@")[2] or "localhost"
    local = re.sub(r"[^A-Za-z0-9.-]", ".", key)
    return f"<amtsweg.{local}@{domain}>"


def case_link(case_id: int) -> str:
    """Return the portal address of the case (no personal data in it)."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}/cases/{case_id}"


def build_context(
    *,
    lang: str,
    name: str,
    reference: str,
    service_title: str,
    state_title: str,
    link: str,
    computed: dict[str, Any],
    decision: Any,
) -> dict[str, Any]:
    """Return everything an e-mail template may use (besides the global `city`)."""
    from service.forms.display import country_name

    return {
        "lang": lang,
        "name": name,
        "reference": reference,
        "service_title": service_title,
        "state_title": state_title,
        "link": link,
        # Computed values by key, in the case's language: `computed.fee.display`.
        "computed": computed,
        # The transition this mail is about (None for "submitted"): `decision.inputs.reason`.
        "decision": decision,
        # `country_name(code)`: "Österreich" / "Austria", never the code.
        "country_name": lambda code: country_name(code, lang),
    }


def compose(case: Any, template: str, event_seq: int) -> Mail | None:
    """Render the mail for `case`; None when the applicant has no e-mail address."""
    from service.auth.models import User
    from service.cases.computed import computed_of
    from service.cases.decisions import decision_at
    from service.cases.services import service_for
    from service.definitions.services import current_registry

    user = db.session.get(User, case.applicant_id)
    address = (user.email if user is not None else None) or (case.data or {}).get("email")
    if not address:
        return None
    service = service_for(case)
    lang = case.lang if case.lang in ("de", "en") else "de"
    try:
        state_title = service.workflow.state(case.state).title.get(lang)
    except KeyError:
        state_title = case.state
    context = build_context(
        lang=lang,
        name=case.applicant_name or (user.name if user is not None else ""),
        reference=case.reference,
        service_title=service.title.get(lang),
        state_title=state_title,
        link=case_link(case.id),
        computed={c.key: c for c in computed_of(case, lang)},
        decision=decision_at(case, event_seq, lang),
    )
    # The texts stored with the case's workflow version; the files for older versions.
    files = current_registry().template_files.get((case.service_key, case.workflow_version))
    subject = _render(f"email/{template}/subject.txt", files, **context)
    return Mail(
        to=str(address),
        subject=" ".join(subject.split()),
        text=_render(f"email/{template}/body.txt", files, **context),
        html=_render(f"email/{template}/body.html", files, **context),
        message_id=message_id_for(outbox_key(case.id, event_seq, template)),
    )


def to_message(mail: Mail) -> EmailMessage:
    """Build a multipart/alternative message (text first, HTML preferred)."""
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = mail.message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(mail.text)
    msg.add_alternative(mail.html, subtype="html")
    return msg


def deliver(msg: EmailMessage) -> None:
    """Send over SMTP_URL, or write the .eml under INSTANCE_DIR/mail/ without one."""
    url = current_app.config.get("SMTP_URL")
    if url:
        _send_smtp(url, msg)
        return
    folder = mail_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9.-]", "_", str(msg["Message-ID"]).strip("<>")) + ".eml"
    # Same Message-ID, same file: a resend overwrites instead of duplicating.
    (folder / name).write_bytes(bytes(msg))


def _send_smtp(url: str, msg: EmailMessage) -> None:
    """Send with smtplib: smtp:// (STARTTLS with ?starttls=1), smtps:// for implicit TLS."""
    parts = urlsplit(url)
    host, port = parts.hostname or "localhost", parts.port
    options = parse_qs(parts.query)
    context = ssl.create_default_context()
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, port or 465, timeout=30, context=context)
    else:
        client = smtplib.SMTP(host, port or 25, timeout=30)
    with client:
        if parts.scheme == "smtp" and options.get("starttls", ["0"])[0] in ("1", "true"):
            client.starttls(context=context)
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(msg)


def _render(template_name: str, files: dict[str, str] | None, /, **context: Any) -> str:
    # The app's Jinja environment without its context processors: a worker has no request.
    env = current_app.jinja_env
    source = (files or {}).get(template_name)
    template = env.from_string(source) if source is not None else env.get_template(template_name)
    return template.render(**context)


def mail_dir() -> Path:
    """Return the folder the embedded default writes mails to."""
    return Path(current_app.config["INSTANCE_DIR"]) / MAIL_DIR


@jobs.register("email.send")
def send_case_email(payload: dict[str, Any]) -> None:
    """Outbox handler: send the resident's mail about a case."""
    from service.cases.models import Case

    case = db.session.get(Case, payload["case_id"])
    if case is None or case.anonymised_at is not None:
        return
    mail = compose(case, payload["template"], int(payload["event_seq"]))
    if mail is None:
        log.info("case %s: no e-mail address, mail %s not sent", case.id, payload["template"])
        return
    try:
        deliver(to_message(mail))
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
        raise jobs.GiveUp(type(exc).__name__) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise jobs.Retry(type(exc).__name__) from None
