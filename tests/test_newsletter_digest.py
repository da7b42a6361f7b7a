"""The daily My News digest: a paid member turns it on on the account page; each morning
the articles that reached their My News since yesterday go out through the newsletter's
planning and delivery; nothing new, or a lapsed membership, sends nothing."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail

from shinbun.core.timefmt import JST
from shinbun.members.entitlements import Reader, ReaderKind
from shinbun.mynews import services as mynews
from shinbun.newsletter import delivery, digest, services, tasks
from shinbun.newsletter.models import Consent, Delivery, Edition, Subscriber
from shinbun.newsroom import publishing
from shinbun.newsroom.models import Article
from tests.test_mail import parts

PAID = Reader(ReaderKind.PAID, 1)
MORNING = datetime(2026, 12, 8, 6, 31, tzinfo=JST)


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    def run(article):
        with django_capture_on_commit_callbacks(execute=True):
            publishing.publish(article)
        return article

    return run


def test_a_paid_member_turns_the_digest_on_and_off(client_for, paid_member):
    client = client_for(paid_member)
    page = client.get("/accounts/").content.decode()
    assert "Myニュースのまとめメール" in page and "まとめメールを受け取る" in page
    for _ in range(2):  # again: harmless
        response = client.post("/newsletter/digest/", {"state": "on"})
        assert response.status_code == 302
    subscriber = Subscriber.objects.get(kind="digest")
    assert subscriber.user == paid_member and subscriber.status == "active"
    assert Consent.objects.filter(subscriber=subscriber).count() == 1
    assert "受け取る設定になっています" in client.get("/accounts/").content.decode()
    client.post("/newsletter/digest/", {"state": "off"})
    assert Subscriber.objects.get(kind="digest").status == "unsubscribed"
    assert client.post("/newsletter/digest/", {"state": "maybe"}).status_code == 400


def test_a_free_member_cannot_and_a_visitor_must_log_in(client_for, free_member, visitor):
    client = client_for(free_member)
    assert "有料会員の方は" in client.get("/accounts/").content.decode()
    response = client.post("/newsletter/digest/", {"state": "on"})
    assert response.status_code == 403 and "有料会員の方のみ" in response.content.decode()
    assert visitor.post("/newsletter/digest/", {"state": "on"}).status_code == 302
    assert not Subscriber.objects.filter(kind="digest").exists()


def test_the_morning_digest_holds_what_arrived_since_yesterday(
    paid_member, free_member, make, publish, settings
):
    settings.BASE_URL = "https://news.example.jp"
    series = make.series()
    mynews.follow(paid_member, PAID, "series", series.slug)
    services.set_digest(paid_member, True)
    # A member without follows who turned it on while paid gets nothing (nothing new).
    services.set_digest(free_member, True)
    draft = Article.Status.DRAFT
    with time_machine.travel(MORNING - timedelta(days=2), tick=False):
        old = publish(make.article(status=draft, series=series, headline="古い記事"))
    with time_machine.travel(MORNING - timedelta(hours=5), tick=False):
        new = publish(make.article(status=draft, series=series, headline="新しい記事"))
    with time_machine.travel(MORNING - timedelta(minutes=2), tick=False):
        tasks.send_due_editions.call_local()  # before its time: no digest yet
        assert not Edition.objects.filter(kind="digest").exists()
    with time_machine.travel(MORNING, tick=False):
        tasks.send_due_editions.call_local()
        tasks.send_due_editions.call_local()  # a second run makes no second edition
    edition = Edition.objects.get(kind="digest")
    assert edition.status == "sent"
    [message] = [m for m in mail.outbox if m.to == [paid_member.email]]
    for part in parts(message):  # the text and the HTML say the same
        assert "新しい記事" in part and "古い記事" not in part
        assert f"https://news.example.jp{new.get_absolute_url()}" in part
        assert "https://news.example.jp/mynews/" in part
    headers = message.extra_headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = Subscriber.objects.get(kind="digest", user=paid_member).token
    assert token in headers["List-Unsubscribe"]
    assert not [m for m in mail.outbox if m.to == [free_member.email]]
    assert delivery.counts(edition)["sent"] == 1 and delivery.counts(edition)["skipped"] == 1
    assert old.pk  # published two days ago: before the digest's window


def test_a_lapsed_membership_gets_no_digest(paid_member, make, publish):
    series = make.series()
    mynews.follow(paid_member, PAID, "series", series.slug)
    services.set_digest(paid_member, True)
    paid_member.subscriptions.update(status="canceled")
    from shinbun.members.entitlements import forget_reader

    forget_reader(paid_member.pk)
    with time_machine.travel(MORNING - timedelta(hours=1), tick=False):
        publish(make.article(status=Article.Status.DRAFT, series=series))
    with time_machine.travel(MORNING, tick=False):
        edition = digest.todays_edition()
        delivery.plan(edition)
        digest.send(edition)
    assert mail.outbox == []
    assert Delivery.objects.get().status == "skipped"


def test_the_newsletter_and_the_digest_are_separate_lists(paid_member):
    Subscriber.objects.create(email=paid_member.email, status="active")
    services.set_digest(paid_member, True)
    assert Subscriber.objects.filter(email_key=paid_member.email.lower()).count() == 2
    news5 = Edition.objects.create(subject="5本", send_at=MORNING, status="scheduled")
    assert delivery.plan(news5) == 1
    assert Delivery.objects.get().subscriber.kind == "news5"


def test_deleting_the_account_ends_the_digest_and_keeps_the_consent(paid_member, editor):
    from shinbun.members.accounts import delete_account

    services.set_digest(paid_member, True)
    delete_account(paid_member, actor=editor, reason="test")
    subscriber = Subscriber.objects.get(kind="digest")
    assert subscriber.user is None and subscriber.status == "unsubscribed"
    assert Consent.objects.filter(subscriber=subscriber).exists()
