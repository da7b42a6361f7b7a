"""An edition as its subscribers get it: rendered once, then one message per subscriber
with their own address, unsubscribe link and Message-ID (DESIGN flow 4)."""

import secrets
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import sanitize_address
from django.urls import reverse
from django.utils.html import escape

from shinbun.core import mail
from shinbun.newsletter.models import Delivery, Edition

# Per-subscriber values in a rendered edition: ASCII markers that escaping leaves as they
# are, replaced for each message (rendering the templates once per edition).
TOKEN_SLOT = "NEWSLETTERSLOTTOKEN"
EMAIL_SLOT = "NEWSLETTERSLOTEMAIL"


# Rendering ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    """An edition rendered once, with slots for each subscriber's address and token: the
    composer of 「ニュース5本」 (the digest's, in digest.py, renders per member).

    ``prebuilt`` is the whole message as bytes with markers for the address, token and
    delivery id, built once: sending over SMTP fills the markers instead of building a
    MIME message per subscriber (the bulk of the per-message cost). None when a part is
    not 8-bit text (a line too long for SMTP makes Django quote the part, which could
    split a marker); then every message is built whole."""

    edition_id: int
    subject: str
    text: str
    html: str
    prebuilt: bytes | None = None

    def message(self, delivery: Delivery) -> EmailMultiAlternatives:
        subscriber = delivery.subscriber
        return message(self, subscriber.email, subscriber.token, delivery.pk)

    def raw(self, delivery: Delivery) -> tuple[str, bytes] | None:
        """(recipient, message bytes) from the prebuilt message, or None."""
        if self.prebuilt is None:
            return None
        subscriber = delivery.subscriber
        email = subscriber.email
        # A non-ASCII domain goes out in its IDNA form (as Django writes it).
        recipient = email if email.isascii() else sanitize_address(email, "utf-8")
        data = (
            self.prebuilt.replace(MARKS["header"], recipient.encode())
            .replace(MARKS["text"], email.encode())
            .replace(MARKS["html"], escape(email).encode())
            .replace(MARKS["token"], subscriber.token.encode())
            .replace(MARKS["delivery"], str(delivery.pk).encode())
        )
        return recipient, data


# The prebuilt message's markers: ASCII that no encoding step changes, the address one a
# valid address, so that Django writes the headers around it as for a real one.
MARKS = {
    "header": b"shinbun-slot-recipient@slot.invalid",
    "text": b"SHINBUNSLOTEMAILTEXT",
    "html": b"SHINBUNSLOTEMAILHTML",
    "token": TOKEN_SLOT.encode(),
    "delivery": b"SHINBUNSLOTDELIVERY",
}


def prebuild(edition_id: int, subject: str, text: str, html: str) -> bytes | None:
    msg = addressed(
        subject,
        text.replace(EMAIL_SLOT, MARKS["text"].decode()),
        html.replace(EMAIL_SLOT, MARKS["html"].decode()),
        MARKS["header"].decode(),
        TOKEN_SLOT,
        edition_id,
        MARKS["delivery"].decode(),
    )
    data = msg.message().as_bytes(linesep="\r\n")
    if b"quoted-printable" in data or b"Content-Transfer-Encoding: base64" in data:
        return None
    return data


def edition_items(edition: Edition) -> list[dict]:
    """The five articles as the mail shows them: headline, the lead (which every reader
    may read), the link and the editor's note."""
    items = edition.items.select_related("article").order_by("position")
    return [
        {
            "headline": item.article.headline,
            "lead": item.article.lead,
            "url": mail.absolute(item.article.get_absolute_url()),
            "note": item.note,
        }
        for item in items
    ]


def render_edition(edition: Edition) -> Rendered:
    subject, text, html = mail.render_message(
        "newsletter/mail/edition",
        {
            "edition": edition,
            "items": edition_items(edition),
            "unsubscribe_url": unsubscribe_url(TOKEN_SLOT, edition.pk),
            "email": EMAIL_SLOT,
        },
    )
    return Rendered(edition.pk, subject, text, html, prebuild(edition.pk, subject, text, html))


def unsubscribe_url(token: str, edition_id: int | None = None) -> str:
    url = mail.absolute(reverse("newsletter:unsubscribe", args=[token]))
    return url if edition_id is None else f"{url}?e={edition_id}"


def sender_domain() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"


def message_id(edition_id: int, delivery_id: int | str) -> str:
    return f"<news5.{edition_id}.{delivery_id}@{sender_domain()}>"


def list_unsubscribe(token: str, edition_id: int) -> str:
    links = [f"<{unsubscribe_url(token, edition_id)}>"]
    if settings.NEWSLETTER_UNSUBSCRIBE_MAILTO:
        links.append(
            f"<mailto:{settings.NEWSLETTER_UNSUBSCRIBE_MAILTO}?subject=unsubscribe%20{token}>"
        )
    return ", ".join(links)


def addressed(
    subject: str, text: str, html: str, email: str, token: str, edition_id, delivery_id
) -> EmailMultiAlternatives:
    """One subscriber's message with the list's headers: their own unsubscribe link
    (RFC 2369 List-Unsubscribe, RFC 8058 one-click) and the Message-ID of the delivery."""
    msg = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[email],
        headers={
            "Message-ID": message_id(edition_id, delivery_id),
            "List-Unsubscribe": list_unsubscribe(token, edition_id),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"<news5.{sender_domain()}>",
        },
    )
    msg.attach_alternative(html, "text/html")
    # Providers' webhooks (django-anymail) report bounces with this; SMTP ignores it.
    msg.metadata = {"delivery": str(delivery_id)}
    return msg


def message(rendered: Rendered, email: str, token: str, delivery_id: int | str):
    """The edition for one subscriber: the slots filled with their address and token."""

    def fill(content: str, address: str) -> str:
        return content.replace(TOKEN_SLOT, token).replace(EMAIL_SLOT, address)

    return addressed(
        rendered.subject,
        fill(rendered.text, email),
        fill(rendered.html, escape(email)),
        email,
        token,
        rendered.edition_id,
        delivery_id,
    )


def sample_message(edition: Edition, email: str):
    """The edition as a subscriber gets it, for the editor's own address (a test send:
    no delivery row, an unsubscribe link that names nobody)."""
    return message(render_edition(edition), email, "test", f"test-{secrets.token_hex(4)}")
