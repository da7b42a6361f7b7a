"""Editions of 「ニュース5本」: what editors make and see in the admin, what a subscriber
receives (both parts, the sender, why, the unsubscribe headers), and the schedule."""

import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta
from email import message_from_bytes, policy

import pytest
import time_machine
from django.core import mail
from django.test import Client

from shinbun.core.timefmt import JST
from shinbun.newsletter import delivery, editions, tasks
from shinbun.newsletter.models import Delivery, Edition, EditionItem, Subscriber, Suppression
from tests.conftest import PASSWORD


@pytest.fixture
def editor_client(editor):
    client = Client()
    assert (
        client.post(
            "/admin/login/?next=/admin/", {"username": editor.email, "password": PASSWORD}
        ).status_code
        == 302
    )
    return client


@pytest.fixture
def edition(make, db):
    found = Edition.objects.create(
        subject="けさの5本",
        intro="おはようございます。",
        send_at=datetime(2026, 12, 7, 7, tzinfo=JST),
    )
    for position in range(1, 6):
        EditionItem.objects.create(
            edition=found,
            position=position,
            article=make.article(headline=f"見出し{position}号", lead=f"リード{position}"),
            note=f"ひとこと{position}",
        )
    return found


@pytest.fixture
def subscribers(db):
    return [Subscriber.objects.create(email=f"r{n}@example.jp", status="active") for n in range(3)]


def test_next_send_time_is_a_weekday_morning_in_japan(settings):
    settings.NEWSLETTER_SEND_TIME = "07:00"
    friday_night = datetime(2026, 12, 4, 22, tzinfo=JST)
    assert editions.next_send_time(friday_night) == datetime(2026, 12, 7, 7, tzinfo=JST)
    monday_early = datetime(2026, 12, 7, 6, 59, tzinfo=JST)
    assert editions.next_send_time(monday_early) == datetime(2026, 12, 7, 7, tzinfo=JST)


def test_scheduling_needs_five_published_articles(edition, make):
    edition.items.filter(position=5).delete()
    with pytest.raises(editions.EditionError, match="5本"):
        editions.schedule(edition)
    EditionItem.objects.create(
        edition=edition, position=5, article=make.article(status="draft", published_at=None)
    )
    with pytest.raises(editions.EditionError, match="公開されていません"):
        editions.schedule(edition)
    edition.items.filter(position=5).update(article=make.article())
    editions.schedule(edition)
    assert Edition.objects.get(pk=edition.pk).status == "scheduled"


def test_each_subscriber_gets_the_edition_with_their_own_unsubscribe_link(
    edition, subscribers, settings
):
    settings.BASE_URL = "https://news.example.jp"
    edition.status = "scheduled"
    edition.save()
    assert delivery.plan(edition) == 3
    assert delivery.plan(edition) == 0  # planning again adds nobody twice
    delivery.send_edition(edition)
    assert len(mail.outbox) == 3
    for subscriber in subscribers:
        [message] = [m for m in mail.outbox if m.to == [subscriber.email]]
        raw = message_from_bytes(message.message().as_bytes(), policy=policy.default)
        text = raw.get_body(("plain",)).get_content()
        html = raw.get_body(("html",)).get_content()
        for n in range(1, 6):
            assert f"見出し{n}号" in text and f"リード{n}" in text and f"ひとこと{n}" in html
        assert "https://news.example.jp/articles/" in text
        unsubscribe = f"https://news.example.jp/newsletter/unsubscribe/{subscriber.token}/"
        assert unsubscribe in text and unsubscribe in html
        assert raw["List-Unsubscribe"].strip().startswith(f"<{unsubscribe}?e={edition.pk}>")
        assert raw["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        delivery_id = Delivery.objects.get(subscriber=subscriber).pk
        assert raw["Message-ID"].startswith(f"<news5.{edition.pk}.{delivery_id}@")
        # The sender, their address and contact, and why the reader gets it.
        assert settings.PUBLISHER_ADDRESS in text and settings.CONTACT in text
        assert subscriber.email in text and "ご登録いただいた" in text
        assert "シンブン電子版" in str(raw["From"])
    edition.refresh_from_db()
    assert edition.status == "sent" and delivery.counts(edition)["sent"] == 3


def test_unsubscribing_from_an_edition_is_counted_and_takes_effect(edition, subscribers, visitor):
    edition.status = "scheduled"
    edition.save()
    delivery.plan(edition)
    first = subscribers[0]
    visitor.post(f"/newsletter/unsubscribe/{first.token}/?e={edition.pk}")
    delivery.send_edition(edition)
    assert sorted(m.to[0] for m in mail.outbox) == [s.email for s in subscribers[1:]]
    found = delivery.counts(edition)
    assert found["unsubscribed"] == 1 and found["skipped"] == 1 and found["sent"] == 2


def test_the_periodic_task_sends_what_is_due(edition, subscribers):
    edition.status = "scheduled"
    edition.save()
    with time_machine.travel(datetime(2026, 12, 7, 6, 59, tzinfo=JST), tick=False):
        tasks.send_due_editions.call_local()
        assert mail.outbox == []
    with time_machine.travel(datetime(2026, 12, 7, 7, 0, 30, tzinfo=JST), tick=False):
        tasks.send_due_editions.call_local()
    assert len(mail.outbox) == 3
    assert Edition.objects.get(pk=edition.pk).status == "sent"


def test_the_command_sends_a_given_edition(edition, subscribers, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="draft"):
        call_command("newsletter_send", edition=edition.pk, no_progress=True)
    edition.status = "scheduled"
    edition.save()
    # The day before the edition's morning: it is not due yet, so sending it needs --now.
    day_before = time_machine.travel(edition.send_at - timedelta(days=1), tick=False)
    with day_before, pytest.raises(CommandError, match="--now"):
        call_command("newsletter_send", edition=edition.pk, no_progress=True)
    call_command("newsletter_send", edition=edition.pk, now=True, no_progress=True)
    assert len(mail.outbox) == 3
    assert "sent 3" in capsys.readouterr().out


def test_the_editor_previews_test_sends_and_schedules_in_the_admin(editor_client, editor, edition):
    preview = editor_client.get(f"/admin/newsletter/edition/{edition.pk}/preview/")
    assert preview.status_code == 200
    assert "見出し1号" in preview.content.decode() and "ひとこと1" in preview.content.decode()
    action = {"_selected_action": [edition.pk]}
    editor_client.post("/admin/newsletter/edition/", {**action, "action": "send_test"})
    [message] = mail.outbox
    assert message.to == [editor.email] and message.subject == "けさの5本"
    editor_client.post("/admin/newsletter/edition/", {**action, "action": "schedule"})
    assert Edition.objects.get(pk=edition.pk).status == "scheduled"
    change = editor_client.get(f"/admin/newsletter/edition/{edition.pk}/change/")
    assert change.status_code == 200 and "配信予約" in change.content.decode()
    add = editor_client.get("/admin/newsletter/edition/add/")
    assert add.status_code == 200


def test_readers_cannot_reach_the_edition_admin(client_for, free_member, edition):
    response = client_for(free_member).get(f"/admin/newsletter/edition/{edition.pk}/preview/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# Bounces and complaints from a provider (django-anymail's Mailgun webhook, signed) ------


def mailgun_post(client, key, event_data, *, signature=None):
    token, timestamp = "t" * 50, str(int(time.time()))
    expected = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    body = {
        "signature": {"token": token, "timestamp": timestamp, "signature": signature or expected},
        "event-data": event_data,
    }
    return client.post(
        "/anymail/mailgun/tracking/",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz",  # user:pass
    )


@pytest.fixture
def anymail_settings(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "user:pass", "MAILGUN_WEBHOOK_SIGNING_KEY": "k" * 32}
    return settings


def failed_event(recipient, delivery_id, severity="permanent", event="failed"):
    return {
        "event": event,
        "severity": severity,
        "recipient": recipient,
        "timestamp": time.time(),
        "id": "abc",
        "user-variables": {"delivery": str(delivery_id)},
        "message": {"headers": {"message-id": "x@mailgun"}},
        "delivery-status": {"code": 550, "message": "no such user", "description": ""},
    }


def test_a_signed_bounce_suppresses_the_address(client, anymail_settings, edition, subscribers):
    edition.status = "scheduled"
    edition.save()
    delivery.plan(edition)
    delivery.send_edition(edition)
    target = Delivery.objects.get(subscriber=subscribers[0])
    response = mailgun_post(client, "k" * 32, failed_event(subscribers[0].email, target.pk))
    assert response.status_code == 200
    assert Suppression.objects.filter(email_key=subscribers[0].email_key, reason="bounced").exists()
    assert Delivery.objects.get(pk=target.pk).status == "bounced"
    # The next edition does not go to it.
    second = Edition.objects.create(subject="次の号", send_at=edition.send_at, status="scheduled")
    delivery.plan(second)
    assert not Delivery.objects.filter(edition=second, subscriber=subscribers[0]).exists()


def test_a_complaint_suppresses_and_a_bad_signature_changes_nothing(
    client, anymail_settings, subscribers
):
    forged = mailgun_post(
        client, "k" * 32, failed_event(subscribers[1].email, 0), signature="0" * 64
    )
    assert forged.status_code == 400
    assert not Suppression.objects.exists()
    complaint = {"event": "complained", "recipient": subscribers[1].email, "timestamp": time.time()}
    assert mailgun_post(client, "k" * 32, complaint).status_code == 200
    assert Suppression.objects.get().reason == "complained"


def test_the_demo_has_a_scheduled_edition_and_loads_twice_the_same(db):
    from shinbun.newsroom.demo import loader

    loader.load_content()
    loader.load_accounts()
    loader.load_accounts()
    edition = Edition.objects.get()
    assert edition.status == "scheduled" and edition.items.count() == 5
    assert Subscriber.objects.filter(status="active").count() == 2
    assert editions.problems(edition) == []


@pytest.mark.parametrize("provider", ["mailgun", "sendgrid", "postmark"])
@pytest.mark.parametrize("secret", [None, "user:pass"])
def test_a_provider_not_configured_is_a_404_not_an_error(client, db, settings, provider, secret):
    # Without the webhooks' secret nothing is taken; with it, a provider needing keys it
    # lacks is refused too. Either way nobody is suppressed by an unauthenticated post.
    settings.ANYMAIL = {"WEBHOOK_SECRET": secret} if secret else {}
    auth = {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"}
    body = json.dumps(failed_event("victim@example.jp", 0))
    response = client.post(
        f"/anymail/{provider}/tracking/", body, content_type="application/json", **auth
    )
    if secret and provider != "mailgun":
        assert response.status_code in (200, 400)  # configured: anymail's own answer
    else:
        assert response.status_code == 404
        assert "受け付けていません" in response.content.decode()
    assert not Suppression.objects.exists()


def test_the_provider_gets_each_deliverys_id_and_suppressed_addresses_show_in_the_admin(
    settings, edition, subscribers, client_for, operator
):
    # anymail's own test backend records what a provider's API would receive.
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    edition.status = "scheduled"
    edition.save()
    delivery.plan(edition)
    delivery.send_edition(edition)
    sent = {m.to[0]: m for m in mail.outbox}
    for row in Delivery.objects.select_related("subscriber"):
        assert sent[row.subscriber.email].metadata == {"delivery": str(row.pk)}
    from shinbun.newsletter import services

    services.suppress(subscribers[2].email, Suppression.Reason.COMPLAINED, "test")
    page = client_for(operator).get("/admin/newsletter/suppression/").content.decode()
    assert subscribers[2].email_key in page


def test_send_now_brings_a_scheduled_edition_forward(editor_client, edition, subscribers):
    action = {"_selected_action": [edition.pk], "action": "send_now"}
    editor_client.post("/admin/newsletter/edition/", action)
    assert Edition.objects.get(pk=edition.pk).status == "draft"  # a draft is not sent
    editions.schedule(edition)
    with time_machine.travel(datetime(2026, 12, 1, 9, tzinfo=JST), tick=False):
        editor_client.post("/admin/newsletter/edition/", action)
        tasks.send_due_editions.call_local()
    assert len(mail.outbox) == 3
