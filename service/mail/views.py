"""/dev/mail: the mails the embedded default wrote instead of sending (development only)."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

from flask import Blueprint, Flask, abort, current_app, render_template_string
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from service.mail.services import mail_dir

bp = Blueprint("dev_mail", __name__, url_prefix="/dev/mail")

LIST = """<!DOCTYPE html><html lang="{{ lang }}"><head><meta charset="utf-8">
<title>{{ title }}</title></head><body><main><h1>{{ title }}</h1>
{% if mails %}<ul>{% for m in mails %}<li><a href="{{ url_for('dev_mail.show', name=m.name) }}">
{{ m.subject }}</a> - {{ m.to }} - {{ m.date }}</li>{% endfor %}</ul>
{% else %}<p>{{ empty }}</p>{% endif %}</main></body></html>"""

SHOW = """<!DOCTYPE html><html lang="{{ lang }}"><head><meta charset="utf-8">
<title>{{ subject }}</title></head><body><main>
<p><a href="{{ url_for('dev_mail.index') }}">{{ back }}</a></p><h1>{{ subject }}</h1>
<dl>{% for k, v in headers %}<dt>{{ k }}</dt><dd>{{ v }}</dd>{% endfor %}</dl>
<pre>{{ text }}</pre>
{% if html %}<iframe title="HTML" sandbox="" style="width:100%;height:40em" srcdoc="{{ html }}">
</iframe>{% endif %}</main></body></html>"""


@bp.before_request
def _development_only() -> None:
    if current_app.config.get("AMTSWEG_ENV") == "production":
        abort(404)


def _read(name: str) -> EmailMessage:
    folder = mail_dir()
    path = (folder / name).resolve()
    if path.parent != folder.resolve() or path.suffix != ".eml" or not path.is_file():
        abort(404)
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


@bp.get("/")
def index() -> ResponseReturnValue:
    """List the written mails, newest first."""
    folder = mail_dir()
    files = (
        sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True)
        if folder.is_dir()
        else []
    )
    mails = []
    for path in files:
        msg = _read(path.name)
        mails.append(
            {"name": path.name, "subject": msg["Subject"], "to": msg["To"], "date": msg["Date"]}
        )
    return render_template_string(
        LIST,
        mails=mails,
        title=_("Mails written in development"),
        empty=_("No mails yet."),
        lang="en",
    )


@bp.get("/<name>")
def show(name: str) -> ResponseReturnValue:
    """Show one mail: headers, text part and HTML part."""
    msg = _read(name)
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    return render_template_string(
        SHOW,
        subject=msg["Subject"],
        headers=[(k, msg[k]) for k in ("From", "To", "Date", "Message-ID")],
        text=text.get_content() if text is not None else "",
        html=html.get_content() if html is not None else "",
        back=_("All mails"),
        lang="en",
    )


def init_app(app: Flask) -> None:
    """Show written mails at /dev/mail (development only)."""
    from service.config import is_production
    from service.forms.display import day_filter, day_time_filter

    # `decision.at|day_time(lang)` in e-mail templates, as in documents.
    app.add_template_filter(day_filter, "day")
    app.add_template_filter(day_time_filter, "day_time")

    # Not even registered in production (create_app refuses any /dev route there).
    if not is_production(app.config):
        app.register_blueprint(bp)
