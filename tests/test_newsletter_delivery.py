"""Sending an edition of 「ニュース5本」 to a real SMTP server on loopback (DESIGN flow 4):
a worker killed with SIGKILL at random moments and restarted still gives every subscriber
the edition, and at most one copy more per kill; a 4xx defers one delivery, a 5xx
bounces and suppresses its address; unsubscribed readers get nothing; planning twice adds
nobody twice; two workers at once never send one delivery twice."""

import logging
import random
import signal
import subprocess
import time
from collections import Counter
from datetime import timedelta
from email.parser import BytesHeaderParser
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from shinbun.newsletter import composing, delivery, services
from shinbun.newsletter.models import Delivery, Edition, EditionItem, Subscriber, Suppression
from tests.concurrency import at_once
from tests.processes import SHINBUN, environment, free_port


class Sink:
    """What an SMTP server took: (recipient, Message-ID) per message, in order of arrival.
    ``refuse`` maps an address to the reply its RCPT TO gets instead of 250."""

    def __init__(self):
        self.received: list[tuple[str, str]] = []
        self.refuse: dict[str, str] = {}
        self.port = free_port()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message_id = BytesHeaderParser().parsebytes(envelope.content)["Message-ID"]
        self.received.extend((rcpt, message_id) for rcpt in envelope.rcpt_tos)
        return "250 OK"

    def recipients(self) -> Counter:
        return Counter(rcpt for rcpt, _ in self.received)


@pytest.fixture
def sink(settings, caplog):
    caplog.set_level(logging.WARNING, logger="mail.log")  # aiosmtpd's line per command
    handler = Sink()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = handler.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield handler
    controller.stop()


def new_edition(make) -> Edition:
    edition = Edition.objects.create(
        subject="けさのニュース5本", send_at=timezone.now(), status=Edition.Status.SCHEDULED
    )
    for position in range(1, 6):
        EditionItem.objects.create(
            edition=edition, position=position, article=make.article(), note=f"ひとこと{position}"
        )
    return edition


@pytest.fixture
def edition(make) -> Edition:
    return new_edition(make)


def subscribe(count: int, status=Subscriber.Status.ACTIVE, prefix="reader") -> list[str]:
    addresses = [f"{prefix}{n}@example.jp" for n in range(count)]
    Subscriber.objects.bulk_create(
        Subscriber(email=address, email_key=address, status=status) for address in addresses
    )
    return addresses


def delivery_of(edition: Edition, address: str) -> Delivery:
    return Delivery.objects.get(edition=edition, subscriber__email_key=address)


def expected_message_ids(edition: Edition) -> dict[str, str]:
    rows = Delivery.objects.filter(edition=edition).values_list("subscriber__email_key", "pk")
    return {address: composing.message_id(edition.pk, pk) for address, pk in rows}


# A worker killed at random moments ------------------------------------------------------

SUBSCRIBERS = 1500
KILLS = 20


def database_url() -> str:
    """The test database, for a process that connects to it as it is (no test setup)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def kill_while_sending(worker: subprocess.Popen, sink: Sink, rng: random.Random) -> bool:
    """SIGKILL the worker at a random moment once it is sending (its start-up takes a
    second, and a kill there would prove little): after its n-th message, n at random,
    then somewhere in the few milliseconds a message takes — while it is sent, after the
    server took it but before it is recorded, in a claim. False if it had ended."""
    enough = len(sink.received) + rng.randint(1, 40)
    deadline = time.monotonic() + 60
    while len(sink.received) < enough and worker.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(rng.uniform(0, 0.01))
    if worker.poll() is not None:
        return False
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    return True


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_at_random_moments_still_sends_everyone_the_edition_once(
    sink, edition, tmp_path
):
    addresses = set(subscribe(SUBSCRIBERS))
    env = environment(tmp_path / "data")
    env.update(
        DATABASE_URL=database_url(),
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(sink.port),
        EMAIL_USE_TLS="false",
        EMAIL_USE_SSL="false",
        # Short leases and small batches: a killed worker's rows come back within a
        # second, and every restart gets somewhere.
        SHINBUN_NEWSLETTER_LEASE_SECONDS="1",
        SHINBUN_NEWSLETTER_BATCH="20",
    )
    command = [*SHINBUN, "manage", "newsletter_send", "--edition", str(edition.pk), "--now"]
    command.append("--no-progress")
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    print(f"seed {seed}")
    log_path = tmp_path / "worker.log"

    def log_tail() -> str:
        return f"seed {seed}; worker log:\n" + log_path.read_text()[-3000:]

    with log_path.open("ab") as log:
        for kill in range(1, KILLS + 1):
            before = len(sink.received)
            worker = subprocess.Popen(command, env=env, stdout=log, stderr=log)
            assert kill_while_sending(worker, sink, rng), f"ended before kill {kill}; {log_tail()}"
            print(f"kill {kill}: {len(sink.received) - before} messages in this run")
        assert Delivery.objects.filter(edition=edition, status__in=Delivery.OPEN).exists()
        final = subprocess.run(command, env=env, stdout=log, stderr=log, timeout=120)
    assert final.returncode == 0, log_tail()

    received = sink.recipients()
    assert set(received) == addresses, log_tail()
    duplicates = sum(received.values()) - len(received)
    print(f"{len(sink.received)} messages, {duplicates} duplicates after {KILLS} kills")
    assert duplicates <= KILLS, log_tail()
    # A copy sent again is the same message: its Message-ID names its delivery.
    expected = expected_message_ids(edition)
    assert all(message_id == expected[rcpt] for rcpt, message_id in sink.received)
    statuses = Delivery.objects.filter(edition=edition).values_list("status", flat=True)
    assert Counter(statuses) == {Delivery.Status.SENT: SUBSCRIBERS}
    edition.refresh_from_db()
    assert edition.status == Edition.Status.SENT and edition.finished_at is not None


# What the server answers ----------------------------------------------------------------


def test_a_temporary_refusal_defers_that_delivery_and_the_retry_sends_it(
    sink, edition, time_machine
):
    addresses = subscribe(5)
    sink.refuse[addresses[2]] = "451 4.3.0 Mailbox busy, try again later"
    delivery.plan(edition)
    before = timezone.now()
    assert delivery.send_edition(edition) == 4
    assert set(sink.recipients()) == set(addresses) - {addresses[2]}
    deferred = delivery_of(edition, addresses[2])
    assert deferred.status == Delivery.Status.DEFERRED and deferred.attempts == 1
    assert deferred.due_at >= before + delivery.RETRY_DELAYS[0]
    assert deferred.detail.startswith("451")
    edition.refresh_from_db()
    assert edition.status == Edition.Status.SENDING

    sink.refuse.clear()
    assert delivery.send_edition(edition) == 0  # not due yet
    time_machine.move_to(timezone.now() + timedelta(minutes=2))
    assert delivery.send_edition(edition) == 1
    assert sink.recipients() == dict.fromkeys(addresses, 1)
    retried = delivery_of(edition, addresses[2])
    assert retried.status == Delivery.Status.SENT and retried.attempts == 2
    edition.refresh_from_db()
    assert edition.status == Edition.Status.SENT


def test_a_permanent_refusal_bounces_and_the_address_is_never_planned_again(sink, edition, make):
    addresses = subscribe(3)
    sink.refuse[addresses[0]] = "550 5.1.1 No such user here"
    delivery.plan(edition)
    assert delivery.send_edition(edition) == 2
    bounced = delivery_of(edition, addresses[0])
    assert bounced.status == Delivery.Status.BOUNCED and bounced.detail.startswith("550")
    suppression = Suppression.objects.get(email_key=addresses[0])
    assert suppression.reason == Suppression.Reason.BOUNCED
    edition.refresh_from_db()
    assert edition.status == Edition.Status.SENT

    later = new_edition(make)
    assert delivery.plan(later) == 2
    assert not Delivery.objects.filter(edition=later, subscriber__email_key=addresses[0]).exists()
    delivery.send_edition(later)
    assert sink.recipients() == {addresses[1]: 2, addresses[2]: 2}


def test_a_refusal_of_the_content_fails_the_message_without_suppressing_the_address(sink, edition):
    addresses = subscribe(2)
    refusing = addresses[0]
    taken = sink.handle_DATA

    async def refuse_for_one(server, session, envelope):
        if envelope.rcpt_tos == [refusing]:
            return "554 5.6.0 Message content rejected"
        return await taken(server, session, envelope)

    sink.handle_DATA = refuse_for_one
    delivery.plan(edition)
    assert delivery.send_edition(edition) == 1
    failed = delivery_of(edition, refusing)
    assert failed.status == Delivery.Status.FAILED and failed.detail.startswith("554")
    assert not Suppression.objects.exists()


def test_a_batch_hands_back_what_is_left_before_its_lease_ends(db, edition, settings):
    # A lease of a second and a mail server that takes 0.3 s a message: the worker sends
    # until 80 % of the lease has passed and releases the rest for whoever claims next.
    import time as clock

    from django.core.mail.backends.locmem import EmailBackend

    class SlowServer(EmailBackend):
        def send_messages(self, messages):
            clock.sleep(0.3)
            return super().send_messages(messages)

    settings.NEWSLETTER_LEASE_SECONDS = 1
    subscribe(6)
    delivery.plan(edition)
    batch = delivery.claim(edition.pk, "worker-a")
    sent = delivery.send_batch(composing.render_edition(edition), batch, "worker-a", SlowServer())
    assert 1 <= sent < 6
    left = Delivery.objects.filter(edition=edition, status=Delivery.Status.PENDING)
    assert left.count() == 6 - sent
    assert not left.filter(claimed_until__isnull=False).exists()  # released at once


# Who gets it ----------------------------------------------------------------------------


def test_who_unsubscribed_before_planning_gets_nothing(sink, edition):
    addresses = subscribe(3)
    services.unsubscribe(Subscriber.objects.get(email_key=addresses[1]))
    assert delivery.plan(edition) == 2
    delivery.send_edition(edition)
    assert sink.recipients() == {addresses[0]: 1, addresses[2]: 1}


def test_who_unsubscribes_after_planning_gets_nothing(sink, edition):
    addresses = subscribe(3)
    delivery.plan(edition)
    services.unsubscribe(Subscriber.objects.get(email_key=addresses[1]), edition_id=edition.pk)
    assert delivery.send_edition(edition) == 2
    assert sink.recipients() == {addresses[0]: 1, addresses[2]: 1}
    assert delivery_of(edition, addresses[1]).status == Delivery.Status.SKIPPED


def test_planning_twice_adds_nobody_twice(db, edition):
    addresses = subscribe(4)
    subscribe(2, status=Subscriber.Status.PENDING, prefix="unconfirmed")
    assert delivery.plan(edition) == 4
    assert delivery.plan(edition) == 0
    planned = Delivery.objects.filter(edition=edition).values_list(
        "subscriber__email_key", flat=True
    )
    assert sorted(planned) == sorted(addresses)
    edition.refresh_from_db()
    assert edition.status == Edition.Status.SENDING and edition.planned_at is not None


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_never_send_one_delivery_twice(sink, edition, settings):
    settings.NEWSLETTER_BATCH = 10
    addresses = subscribe(300)
    delivery.plan(edition)
    sent = at_once(lambda: delivery.send_edition(edition), lambda: delivery.send_edition(edition))
    assert all(isinstance(n, int) and n > 0 for n in sent), sent
    assert sum(sent) == len(addresses)
    assert sink.recipients() == dict.fromkeys(addresses, 1)
    expected = expected_message_ids(edition)
    assert all(message_id == expected[rcpt] for rcpt, message_id in sink.received)
    edition.refresh_from_db()
    assert edition.status == Edition.Status.SENT
