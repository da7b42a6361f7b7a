"""Every e-mail the site sends, in one voice.

A mail is three templates, ``<prefix>_subject.txt``, ``<prefix>.txt`` and ``<prefix>.html``,
whose bodies extend ``mail/base.txt`` and ``mail/base.html``: they fill ``{% block body %}``
and, where the reason differs from an action on the account, ``{% block why %}``; the base
adds the footer (the sender's name, postal address and contact). Every template gets the
shared context of ``shared_context()``. Links are absolute on SHINBUN_BASE_URL
(``absolute``), never on a request's host.

``OutboxBackend`` is the demo's e-mail backend: each message a ``.eml`` file in
``DATA_DIR/outbox/``, which staff read at /outbox/ (``core/outbox.py``).
"""

import os
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.utils import timezone

from shinbun.env import ConfigError

# Where runserver and `shinbun demo` listen by default: the links of e-mails sent in
# development, in tests and by a demo served on every interface, without SHINBUN_BASE_URL.
LOCAL_BASE_URL = "http://127.0.0.1:8000"


def base_url() -> str:
    """The site's address for links in e-mail. In production SHINBUN_BASE_URL must be set:
    a mail cannot ask the reader's browser where the site is."""
    if settings.BASE_URL:
        return settings.BASE_URL
    if settings.DEBUG or settings.TESTING or settings.DEMO:
        return LOCAL_BASE_URL
    raise ConfigError("SHINBUN_BASE_URL must be set to send e-mail: its links are absolute")


def absolute(path: str) -> str:
    """An absolute link to a path of this site, on SHINBUN_BASE_URL. Never on the Host of a
    request: a forged one would put its own address into a password-reset link."""
    if not path.startswith("/"):
        raise ValueError(f"a path on this site starts with '/': {path!r}")
    return base_url() + path


def contact_url(contact: str) -> str:
    """The link of the contact in the footer: a URL as it is, an address as mailto:."""
    if "://" in contact:
        return contact
    return f"mailto:{contact}" if "@" in contact else ""


def shared_context() -> dict:
    """What every mail template knows: who sends it, from where, and how to reach them."""
    return {
        "site_name": settings.SITE_NAME,
        "publisher_name": settings.PUBLISHER_NAME,
        "publisher_address": settings.PUBLISHER_ADDRESS,
        "contact": settings.CONTACT,
        "contact_url": contact_url(settings.CONTACT),
        "base_url": base_url(),
    }


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def _tidy(text: str) -> str:
    """Template tags leave blank lines and trailing spaces; a mail keeps one blank line
    between paragraphs."""
    lines = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return re.sub(r"\n{3,}", "\n\n", lines) + "\n"


def render_message(template_prefix: str, context: dict) -> tuple[str, str, str]:
    """(subject, text, html) of one mail, rendered in the active language from
    ``<prefix>_subject.txt``, ``<prefix>.txt`` and ``<prefix>.html``; the bodies also get
    the subject, as ``subject``."""
    context = {**shared_context(), **context}
    subject = _one_line(render_to_string(f"{template_prefix}_subject.txt", context))
    context["subject"] = subject
    text = _tidy(render_to_string(f"{template_prefix}.txt", context))
    html = render_to_string(f"{template_prefix}.html", context)
    return subject, text, html


def build_message(
    to: str | list[str],
    template_prefix: str,
    context: dict,
    *,
    headers: dict[str, str] | None = None,
    from_email: str | None = None,
) -> EmailMultiAlternatives:
    """One mail, ready to send: the text part with the HTML as its alternative, from the
    site (DEFAULT_FROM_EMAIL) unless ``from_email`` says otherwise."""
    subject, text, html = render_message(template_prefix, context)
    message = EmailMultiAlternatives(
        subject,
        text,
        from_email or settings.DEFAULT_FROM_EMAIL,
        [to] if isinstance(to, str) else list(to),
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message


# The outbox -------------------------------------------------------------------------

# <UTC time to the microsecond>Z-<random>: names sort in the order the mails were sent.
MAIL_ID = re.compile(r"\d{8}T\d{12}Z-[0-9a-f]{8}")
_ID_TIME = "%Y%m%dT%H%M%S%f"
OUTBOX_BACKEND = "shinbun.core.mail.OutboxBackend"


def outbox_dir() -> Path:
    return Path(settings.DATA_DIR) / "outbox"


def outbox_in_use() -> bool:
    return settings.EMAIL_BACKEND == OUTBOX_BACKEND


def sent_at(mail_id: str) -> datetime:
    """When the outbox received a mail, from its id."""
    return datetime.strptime(mail_id[:21], _ID_TIME).replace(tzinfo=UTC)


class OutboxBackend(BaseEmailBackend):
    """Writes each message as a .eml file to DATA_DIR/outbox/ instead of sending it (the
    demo: staff read them at /outbox/). A file appears whole or not at all."""

    def send_messages(self, email_messages) -> int:
        folder = outbox_dir()
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            mail_id = f"{timezone.now().astimezone(UTC):{_ID_TIME}}Z-{secrets.token_hex(4)}"
            part = folder / f".{mail_id}.part"
            try:
                folder.mkdir(parents=True, exist_ok=True)
                part.write_bytes(message.message().as_bytes())
                os.replace(part, folder / f"{mail_id}.eml")
            except OSError:
                if not self.fail_silently:
                    raise
                continue
            sent += 1
        return sent
