"""Sending an edition: planning, claiming, sending, recording (DESIGN flow 4).

Planning writes one Delivery per active, unsuppressed subscriber (unique per edition and
subscriber, so planning twice adds nobody twice). Workers claim batches of open rows
for a lease — ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL; on SQLite the claim's
transaction takes the database's write lock at BEGIN, so claims run one after another —
send them over one SMTP connection, and record each result as soon as the server has
answered it. A worker that dies leaves at most the one message it was sending
unrecorded; its other claimed rows come back when the lease ends, and whoever takes
them sends them once. Every message's Message-ID derives from its delivery, so a resent
one is recognisable.
"""

import logging
import os
import secrets
import smtplib
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
from django.db import connection, transaction
from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from shinbun.core import mail
from shinbun.newsletter import services
from shinbun.newsletter.models import Delivery, Edition, Subscriber, Suppression

log = logging.getLogger(__name__)

# A deferred message is tried again after these waits; after the last one it has failed.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=3),
)

# Per-subscriber values in a rendered edition: ASCII markers that escaping leaves as they
# are, replaced for each message (rendering the templates once per edition).
TOKEN_SLOT = "NEWSLETTERSLOTTOKEN"
EMAIL_SLOT = "NEWSLETTERSLOTEMAIL"


# Planning -------------------------------------------------------------------------------


def plan(edition: Edition, now: datetime | None = None) -> int:
    """Write the edition's deliveries (once per subscriber, whatever runs it again) and
    mark it as sending. Returns how many rows this call added."""
    now = now or timezone.now()
    delivery = Delivery._meta.db_table
    subscriber = Subscriber._meta.db_table
    suppression = Suppression._meta.db_table
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {delivery} "
                "(edition_id, subscriber_id, status, attempts, due_at, claimed_by, detail) "
                f"SELECT %s, s.id, %s, 0, %s, '', '' FROM {subscriber} s "
                "WHERE s.status = %s AND s.kind = %s AND NOT EXISTS "
                f"(SELECT 1 FROM {suppression} x WHERE x.email_key = s.email_key) "
                "ON CONFLICT (edition_id, subscriber_id) DO NOTHING",
                [
                    edition.pk,
                    Delivery.Status.PENDING,
                    # As the ORM writes it (SQLite compares the text).
                    Delivery._meta.get_field("due_at").get_db_prep_value(now, connection),
                    Subscriber.Status.ACTIVE,
                    edition.kind,
                ],
            )
            added = cursor.rowcount
        Edition.objects.filter(pk=edition.pk, planned_at__isnull=True).update(planned_at=now)
        Edition.objects.filter(pk=edition.pk).exclude(status=Edition.Status.SENT).update(
            status=Edition.Status.SENDING
        )
    edition.refresh_from_db(fields=["status", "planned_at"])
    return added


def due_editions(now: datetime | None = None):
    return Edition.objects.filter(
        status=Edition.Status.SCHEDULED, send_at__lte=now or timezone.now()
    )


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


def message_id(edition_id: int, delivery_id: int | str) -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<news5.{edition_id}.{delivery_id}@{domain}>"


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
            "List-Id": f"<news5.{message_id(0, 0).rpartition('@')[2].rstrip('>')}>",
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


# Claiming and sending -------------------------------------------------------------------


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def _claimable(edition_id: int, now: datetime):
    return Delivery.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        edition_id=edition_id,
        status__in=Delivery.OPEN,
        due_at__lte=now,
    )


def claim(edition_id: int, worker: str, size: int | None = None) -> list[Delivery]:
    """Take up to ``size`` open deliveries that nobody holds, for the lease."""
    now = timezone.now()
    with transaction.atomic():
        rows = _claimable(edition_id, now).order_by("due_at", "id")
        ids = list(
            rows.select_for_update(skip_locked=True).values_list("pk", flat=True)[
                : size or settings.NEWSLETTER_BATCH
            ]
        )
        if not ids:
            return []
        Delivery.objects.filter(pk__in=ids).update(
            claimed_by=worker,
            claimed_until=now + timedelta(seconds=settings.NEWSLETTER_LEASE_SECONDS),
        )
    return list(
        Delivery.objects.filter(pk__in=ids, claimed_by=worker)
        .select_related("subscriber")
        .order_by("id")
    )


def _settle(delivery: Delivery, worker: str, **fields) -> bool:
    """Record a result, if this worker still holds the row."""
    fields.setdefault("claimed_until", None)
    return bool(
        Delivery.objects.filter(pk=delivery.pk, claimed_by=worker, status__in=Delivery.OPEN).update(
            **fields
        )
    )


def smtp_code(error: Exception) -> int | None:
    """The mail server's reply code for this recipient, or None (no answer: the
    connection failed)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused) and error.recipients:
        return next(iter(error.recipients.values()))[0]
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code
    return None


class ConnectionLost(Exception):
    """The mail server went away: the batch stops, its rows come back soon."""


def _defer(delivery: Delivery, worker: str, detail: str, now: datetime) -> None:
    attempts = delivery.attempts + 1
    if attempts > len(RETRY_DELAYS):
        _settle(delivery, worker, status=Delivery.Status.FAILED, attempts=attempts, detail=detail)
        return
    _settle(
        delivery,
        worker,
        status=Delivery.Status.DEFERRED,
        attempts=attempts,
        due_at=now + RETRY_DELAYS[attempts - 1],
        detail=detail,
    )


def _record_sent(cursor, delivery: Delivery, worker: str, now: datetime) -> None:
    """The one write per message sent, kept to one plain UPDATE on the batch's cursor (it
    is in the hot loop: the server's answer is recorded before the next message goes)."""
    cursor.execute(
        RECORD_SENT,
        [
            Delivery.Status.SENT,
            connection.ops.adapt_datetimefield_value(now),
            delivery.pk,
            worker,
            *Delivery.OPEN,
        ],
    )


RECORD_SENT = (
    f"UPDATE {Delivery._meta.db_table} SET status = %s, attempts = attempts + 1, "
    "sent_at = %s, detail = '', claimed_until = NULL "
    "WHERE id = %s AND claimed_by = %s AND status IN (%s, %s)"
)


def _refused(delivery: Delivery, worker: str, error: Exception, now: datetime) -> None:
    """Settle a message the server refused: 4xx waits for a retry; 5xx for the recipient
    (at RCPT) bounced and suppresses the address; another 5xx (the content, at DATA)
    failed without blaming the address."""
    code = smtp_code(error) or 0
    detail = f"{code} {error}".strip()[:300]
    if code < 500:
        _defer(delivery, worker, detail, now)
        return
    attempts = delivery.attempts + 1
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        _settle(delivery, worker, status=Delivery.Status.BOUNCED, attempts=attempts, detail=detail)
        services.suppress(delivery.subscriber.email, Suppression.Reason.BOUNCED, detail)
    else:
        _settle(delivery, worker, status=Delivery.Status.FAILED, attempts=attempts, detail=detail)


def send_batch(composer, batch: list[Delivery], worker: str, mailer=None) -> int:
    """Send a claimed batch over one connection; returns the messages the server took.
    ``composer.message(delivery)`` makes each message (None: nothing to send to them);
    over SMTP, a composer with ``raw(delivery)`` gives the bytes instead. The batch stops
    (and hands back what is left) before its lease runs out."""
    suppressed = set(
        Suppression.objects.filter(
            email_key__in=[d.subscriber.email_key for d in batch]
        ).values_list("email_key", flat=True)
    )
    lease = timedelta(seconds=settings.NEWSLETTER_LEASE_SECONDS)
    stop_at = timezone.now() + lease * 0.8
    mailer = mailer or get_connection()
    raw = getattr(composer, "raw", None) if isinstance(mailer, SmtpBackend) else None
    sender = sanitize_address(settings.DEFAULT_FROM_EMAIL, "utf-8")
    sent = 0
    with mailer, connection.cursor() as cursor:
        for index, delivery in enumerate(batch):
            subscriber = delivery.subscriber
            now = timezone.now()
            if now >= stop_at:  # another worker may take these from the lease's end
                release(batch[index:], worker, now)
                break
            if subscriber.status != Subscriber.Status.ACTIVE or subscriber.email_key in suppressed:
                _settle(delivery, worker, status=Delivery.Status.SKIPPED)
                continue
            try:
                prepared = raw(delivery) if raw is not None else None
                msg = None if prepared is not None else composer.message(delivery)
            except Exception as error:  # one member's message must not stop the others
                log.exception("newsletter: delivery %s could not be composed", delivery.pk)
                _settle(delivery, worker, status=Delivery.Status.FAILED, detail=str(error)[:300])
                continue
            if prepared is None and msg is None:
                _settle(delivery, worker, status=Delivery.Status.SKIPPED)
                continue
            try:
                if prepared is not None:
                    mailer.connection.sendmail(sender, [prepared[0]], prepared[1])
                else:
                    mailer.send_messages([msg])
            except (smtplib.SMTPException, OSError) as error:
                if smtp_code(error) is None or isinstance(error, smtplib.SMTPSenderRefused):
                    # Not this recipient's doing: everything left waits a minute.
                    detail = str(error)[:300]
                    release(batch[index:], worker, now + RETRY_DELAYS[0], detail)
                    raise ConnectionLost(detail) from error
                _refused(delivery, worker, error, now)
                continue
            _record_sent(cursor, delivery, worker, now)
            sent += 1
    return sent


def release(batch: list[Delivery], worker: str, due_at: datetime, detail: str = "") -> None:
    Delivery.objects.filter(
        pk__in=[d.pk for d in batch], claimed_by=worker, status__in=Delivery.OPEN
    ).update(claimed_until=None, due_at=due_at, detail=detail[:300])


def send_edition(
    edition: Edition,
    *,
    composer=None,
    worker: str | None = None,
    wait_for_leases: bool = False,
    progress=None,
) -> int:
    """Send what is open of a planned edition until nothing is left to claim; returns the
    messages sent. ``wait_for_leases``: also wait for rows another worker holds (the
    command does, to finish an edition a crashed worker left; the queue's tasks do not).
    ``progress(n)`` is called with each batch's count of settled rows."""
    worker = worker or worker_name()
    composer = composer or render_edition(edition)
    sent = 0
    while True:
        batch = claim(edition.pk, worker)
        if batch:
            sent += send_batch(composer, batch, worker)
            if progress is not None:
                progress(len(batch))
            continue
        held_until = Delivery.objects.filter(
            edition=edition, status__in=Delivery.OPEN, claimed_until__gte=timezone.now()
        ).aggregate(until=Min("claimed_until"))["until"]
        if held_until is None or not wait_for_leases:
            break
        time.sleep(min(max((held_until - timezone.now()).total_seconds(), 0.05), 1.0))
    finish_if_done(edition)
    return sent


def finish_if_done(edition: Edition) -> bool:
    if Delivery.objects.filter(edition=edition, status__in=Delivery.OPEN).exists():
        return False
    Edition.objects.filter(pk=edition.pk, status=Edition.Status.SENDING).update(
        status=Edition.Status.SENT, finished_at=timezone.now()
    )
    return True


def counts(edition: Edition) -> dict[str, int]:
    """What the admin shows after sending: each status's count and the unsubscribes the
    edition's link brought."""
    rows = Delivery.objects.filter(edition=edition).values("status").annotate(n=Count("id"))
    result = dict.fromkeys(Delivery.Status.values, 0)
    result.update({row["status"]: row["n"] for row in rows})
    result["total"] = sum(result.values())
    result["unsubscribed"] = Subscriber.objects.filter(unsubscribed_from=edition).count()
    return result


def sample_message(edition: Edition, email: str):
    """The edition as a subscriber gets it, for the editor's own address (a test send:
    no delivery row, an unsubscribe link that names nobody)."""
    return message(render_edition(edition), email, "test", f"test-{secrets.token_hex(4)}")
