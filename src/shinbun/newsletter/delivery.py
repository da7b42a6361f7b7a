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

import contextlib
import logging
import os
import secrets
import smtplib
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
from django.db import connection, connections, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from shinbun.newsletter import services
from shinbun.newsletter.composing import render_edition
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
                    connection.ops.adapt_datetimefield_value(now),
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


def _record_sent(delivery_id: int, worker: str, now: datetime) -> None:
    """The one write per message sent, one plain UPDATE (it is in the hot loop), on the
    calling thread's connection."""
    with connection.cursor() as cursor:
        cursor.execute(
            RECORD_SENT,
            [
                Delivery.Status.SENT,
                connection.ops.adapt_datetimefield_value(now),
                delivery_id,
                worker,
                *Delivery.OPEN,
            ],
        )


RECORD_SENT = (
    f"UPDATE {Delivery._meta.db_table} SET status = %s, attempts = attempts + 1, "
    "sent_at = %s, detail = '', claimed_until = NULL "
    "WHERE id = %s AND claimed_by = %s AND status IN (%s, %s)"
)


class Recorder:
    """Records that a message was sent, on a connection of its own in a thread, while the
    next message's envelope (MAIL FROM, RCPT TO) goes to the mail server; the next
    message's content is sent only once the record is committed (``wait``), so a worker
    that dies still leaves at most the message in flight unrecorded. Inside a transaction
    (the tests' database) the record is written inline, where that transaction sees it."""

    def __init__(self, worker: str):
        self.worker = worker
        self.pool = None if connection.in_atomic_block else ThreadPoolExecutor(1)
        self.pending = None

    def record(self, delivery: Delivery, now: datetime) -> None:
        if self.pool is None:
            _record_sent(delivery.pk, self.worker, now)
            return
        self.wait()
        self.pending = self.pool.submit(_record_sent, delivery.pk, self.worker, now)

    def wait(self) -> None:
        if self.pending is not None:
            pending, self.pending = self.pending, None
            pending.result()  # a failed record fails here, before anything more is sent

    def close(self) -> None:
        try:
            self.wait()
        finally:
            if self.pool is not None:
                self.pool.submit(connections.close_all).result()
                self.pool.shutdown()
                self.pool = None


def _reset(smtp, code: int) -> None:
    """Back to a clean state after a refusal, as smtplib's sendmail does."""
    with contextlib.suppress(smtplib.SMTPServerDisconnected):
        smtp.close() if code == 421 else smtp.rset()


def send_raw(smtp, sender: str, recipient: str, data: bytes, before_content) -> None:
    """One message over an open smtplib connection, as ``sendmail`` sends it, calling
    ``before_content()`` between the envelope and the content; raises smtplib's errors."""
    smtp.ehlo_or_helo_if_needed()
    options = [f"size={len(data)}"] if smtp.does_esmtp and smtp.has_extn("size") else []
    code, answer = smtp.mail(sender, options)
    if code != 250:
        _reset(smtp, code)
        raise smtplib.SMTPSenderRefused(code, answer, sender)
    code, answer = smtp.rcpt(recipient)
    if code not in (250, 251):
        _reset(smtp, code)
        raise smtplib.SMTPRecipientsRefused({recipient: (code, answer)})
    before_content()
    code, answer = smtp.data(data)
    if code != 250:
        _reset(smtp, code)
        raise smtplib.SMTPDataError(code, answer)


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


def send_batch(
    composer, batch: list[Delivery], worker: str, mailer=None, recorder: Recorder | None = None
) -> int:
    """Send a claimed batch over one connection; returns the messages the server took.
    ``composer.message(delivery)`` makes each message (None: nothing to send to them);
    over SMTP, a composer with ``raw(delivery)`` gives the bytes instead. The batch stops
    (and hands back what is left) before its lease runs out."""
    mailer = mailer or get_connection()
    own_recorder = recorder is None
    recorder = recorder or Recorder(worker)
    try:
        with mailer:
            return _send_each(composer, batch, worker, mailer, recorder)
    finally:
        recorder.close() if own_recorder else recorder.wait()


def _send_each(composer, batch: list[Delivery], worker: str, mailer, recorder) -> int:
    suppressed = set(
        Suppression.objects.filter(
            email_key__in=[d.subscriber.email_key for d in batch]
        ).values_list("email_key", flat=True)
    )
    stop_at = timezone.now() + timedelta(seconds=settings.NEWSLETTER_LEASE_SECONDS) * 0.8
    raw = getattr(composer, "raw", None) if isinstance(mailer, SmtpBackend) else None
    sender = sanitize_address(settings.DEFAULT_FROM_EMAIL, "utf-8")
    sent = 0
    for index, delivery in enumerate(batch):
        subscriber = delivery.subscriber
        now = timezone.now()
        if now >= stop_at:  # another worker may take these from the lease's end
            recorder.wait()
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
                send_raw(mailer.connection, sender, *prepared, recorder.wait)
            else:
                recorder.wait()
                mailer.send_messages([msg])
        except (smtplib.SMTPException, OSError) as error:
            if smtp_code(error) is None or isinstance(error, smtplib.SMTPSenderRefused):
                # Not this recipient's doing: everything left waits a minute.
                detail = str(error)[:300]
                recorder.wait()
                release(batch[index:], worker, now + RETRY_DELAYS[0], detail)
                raise ConnectionLost(detail) from error
            _refused(delivery, worker, error, now)
            continue
        recorder.record(delivery, now)
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
    recorder = Recorder(worker)
    sent = 0
    try:
        while True:
            batch = claim(edition.pk, worker)
            if batch:
                sent += send_batch(composer, batch, worker, recorder=recorder)
                if progress is not None:
                    progress(len(batch))
                continue
            held_until = Delivery.objects.filter(
                edition=edition, status__in=Delivery.OPEN, claimed_until__gte=timezone.now()
            ).aggregate(until=Min("claimed_until"))["until"]
            if held_until is None or not wait_for_leases:
                break
            time.sleep(min(max((held_until - timezone.now()).total_seconds(), 0.05), 1.0))
    finally:
        recorder.close()
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
