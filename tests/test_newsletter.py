"""The newsletter 「ニュース5本」: the box's three outcomes, double opt-in that opens the
article in the confirming browser, consent records, unsubscribing without logging in."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from shinbun.newsletter import services
from shinbun.newsletter.models import Consent, Subscriber
from tests.processes import free_port
from tests.test_mail import parts

SENT = (
    "入力いただいたメールアドレスにメールを送付しました。"
    "メールのリンクをクリックすると記事全文をお読みいただけます。"
)
NOT_ELIGIBLE = "ニュースレターの登録に失敗しました。ご覧頂いている記事は、対象外になっています。"
ALREADY = (
    "入力いただきましたメールアドレスは既に登録済みとなっております。"
    "ニュースレターの配信をお待ち下さい。"
)
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def unlockable(make):
    return make.article(access="paid", newsletter_unlock=True)


@pytest.fixture
def sign_up(django_capture_on_commit_callbacks):
    """POST the box's form as its script does; the confirmation mail goes once the
    sign-up is committed."""

    def post(client, email, article=None, **extra):
        data = {"email": email}
        if article is not None:
            data["article"] = str(article.pk)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/newsletter/signup/", data, **{**JSON, **extra})

    return post


def confirm_link(message) -> str:
    return re.search(r"https?://\S+/newsletter/confirm/\S+/", message.body)[0]


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_the_box_is_on_the_article_page_and_enabled(visitor, unlockable):
    page = visitor.get(unlockable.get_absolute_url()).content.decode()
    assert 'action="/newsletter/signup/"' in page
    assert f'name="article" value="{unlockable.pk}"' in page
    assert "準備中" not in page
    assert "これらメール配信の目的に限りメールアドレスを利用します。" in page


def test_sign_up_confirms_and_opens_the_article_in_that_browser(
    sign_up, client, visitor, unlockable
):
    answer = sign_up(visitor, "reader@example.jp", unlockable)
    assert answer.status_code == 200 and answer.json()["message"] == SENT
    [message] = mail.outbox
    assert message.to == ["reader@example.jp"]
    text, html = parts(message)
    assert unlockable.headline in text and unlockable.headline in html
    assert confirm_link(message) in html  # the same link in both parts
    link = path_of(confirm_link(message))
    # The link's page asks for a click (mail scanners open links); it confirms nothing.
    assert visitor.get(link).status_code == 200
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING
    response = visitor.post(link)
    assert response.status_code == 302 and response.url == unlockable.get_absolute_url()
    page = visitor.get(unlockable.get_absolute_url()).content.decode()
    assert "本文だけに書かれた一文" in page
    subscriber = Subscriber.objects.get()
    assert subscriber.status == Subscriber.Status.ACTIVE
    # Another browser (no session) still sees the lead only.
    from django.test import Client

    assert (
        "本文だけに書かれた一文" not in Client().get(unlockable.get_absolute_url()).content.decode()
    )


def test_the_newsletter_page_signs_up_with_no_article_and_no_account(
    sign_up, visitor, django_user_model
):
    page = visitor.get("/newsletter/")
    assert page.status_code == 200 and 'action="/newsletter/signup/"' in page.text
    assert 'name="article"' not in page.text
    answer = sign_up(visitor, "reader@example.jp")
    # No article to open: the 'sent' text says what the link does instead.
    assert answer.json()["message"] == str(services.SENT_WITHOUT_ARTICLE)
    assert Consent.objects.get().form_url.endswith("/newsletter/")
    response = visitor.post(path_of(confirm_link(mail.outbox[0])))
    assert response.status_code == 200 and "ご登録ありがとうございます" in response.text
    assert Subscriber.objects.get().status == Subscriber.Status.ACTIVE
    assert not django_user_model.objects.exists()  # no account anywhere (SPEC §5)


def test_consent_is_recorded_as_the_law_asks(sign_up, visitor, unlockable):
    sign_up(visitor, "Reader@Example.jp", unlockable)
    consent = Consent.objects.get()
    assert consent.email == "Reader@Example.jp"
    assert consent.form_url.endswith(unlockable.get_absolute_url())
    assert consent.text == services.consent_text()
    assert "これらメール配信の目的に限りメールアドレスを利用します。" in consent.text
    visitor.post(path_of(confirm_link(mail.outbox[0])))
    consent.refresh_from_db()
    assert consent.confirmed_at is not None
    subscriber = Subscriber.objects.get()
    services.unsubscribe(subscriber)
    assert Consent.objects.filter(pk=consent.pk).exists()


def test_article_not_eligible(sign_up, visitor, make):
    closed = make.article(access="paid", newsletter_unlock=False)
    answer = sign_up(visitor, "reader@example.jp", closed)
    assert answer.status_code == 422 and answer.json()["message"] == NOT_ELIGIBLE
    assert mail.outbox == [] and not Subscriber.objects.exists()


def test_already_registered_is_said_only_to_the_owner(
    sign_up, client_for, visitor, free_member, unlockable
):
    subscriber = Subscriber.objects.create(email=free_member.email, status="active")
    # A stranger typing the address is told what everyone is told; the mail says the rest.
    answer = sign_up(visitor, free_member.email, unlockable)
    assert answer.json()["message"] == SENT
    [message] = mail.outbox
    assert "すでに" in message.body and "登録されています" in message.body
    # The logged-in owner of the verified address is told.
    EmailAddress.objects.create(
        user=free_member, email=free_member.email, verified=True, primary=True
    )
    answer = sign_up(client_for(free_member), free_member.email.upper(), unlockable)
    assert answer.json()["message"] == ALREADY
    assert len(mail.outbox) == 1
    subscriber.refresh_from_db()
    assert subscriber.status == "active"


def test_one_confirmation_mail_per_address_per_hour(sign_up, visitor, unlockable):
    for _ in range(3):
        assert sign_up(visitor, "flood@example.jp", unlockable).json()["message"] == SENT
    assert len(mail.outbox) == 1


def test_a_flood_from_one_client_is_stopped(sign_up, visitor, unlockable):
    answers = [sign_up(visitor, f"r{n}@example.jp", unlockable) for n in range(12)]
    assert [a.status_code for a in answers][-1] == 429
    assert "しばらくしてから" in answers[-1].json()["message"]
    assert len(mail.outbox) == 10


@pytest.mark.parametrize(
    "address, status",
    [
        ("not an address", 400),
        ("a" * 290 + "@example.jp", 400),
        ("", 400),
        ("reader@例え.jp", 200),  # an internationalised domain
        ("読者@example.jp", 400),  # a non-ASCII mailbox needs SMTPUTF8, which we do not use
        ('"john..doe"@example.jp', 200),  # two dots are valid only quoted
    ],
)
def test_addresses(sign_up, visitor, unlockable, address, status):
    answer = sign_up(visitor, address, unlockable)
    assert answer.status_code == status
    assert answer.json()["message"]
    assert len(mail.outbox) == (1 if status == 200 else 0)


def test_without_javascript_the_outcome_is_a_page(visitor, unlockable):
    response = visitor.post(
        "/newsletter/signup/", {"email": "x@example.jp", "article": unlockable.pk}
    )
    assert response.status_code == 200
    assert SENT in response.content.decode()


@pytest.mark.parametrize("token", ["garbage", "1:2:3", "W1swLCJ4Il0:1abc:sig"])
def test_forged_confirmation_links(db, visitor, token):
    for method in (visitor.get, visitor.post):
        response = method(f"/newsletter/confirm/{token}/")
        assert response.status_code == 400
        assert "リンク" in response.content.decode()


def test_reused_and_expired_links(sign_up, visitor, unlockable, time_machine):
    sign_up(visitor, "reader@example.jp", unlockable)
    link = path_of(confirm_link(mail.outbox[0]))
    visitor.post(link)
    # The same browser again: the article, as before.
    assert visitor.get(link).status_code == 302
    from django.test import Client

    other = Client()
    assert other.get(link).status_code == 410
    # Pressing the button in another browser opens nothing there either.
    assert other.post(link).status_code == 410
    assert "本文だけに書かれた一文" not in other.get(unlockable.get_absolute_url()).content.decode()
    # Expired.
    time_machine.move_to("2031-01-01")
    assert other.get(link).status_code == 400
    assert "有効期限" in other.get(link).content.decode()


def test_unsubscribe_without_login_and_one_click(db, visitor):
    subscriber = Subscriber.objects.create(email="reader@example.jp", status="active")
    page = visitor.get(f"/newsletter/unsubscribe/{subscriber.token}/")
    assert page.status_code == 200 and "配信を停止する" in page.content.decode()
    # RFC 8058: a POST with List-Unsubscribe=One-Click, no cookies, no CSRF token.
    from django.test import Client

    one_click = Client(enforce_csrf_checks=True).post(
        f"/newsletter/unsubscribe/{subscriber.token}/",
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert one_click.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == "unsubscribed" and subscriber.unsubscribed_at
    # Again: harmless.
    assert visitor.post(f"/newsletter/unsubscribe/{subscriber.token}/").status_code == 200


def test_a_tampered_unsubscribe_token(db, visitor):
    Subscriber.objects.create(email="reader@example.jp", status="active")
    response = visitor.post("/newsletter/unsubscribe/notatoken/")
    assert response.status_code == 404
    assert "正しくありません" in response.content.decode()
    assert Subscriber.objects.get().status == "active"


def test_a_sign_up_while_the_shared_cache_is_down_still_works(
    sign_up, visitor, unlockable, settings
):
    # Redis unreachable: django-redis ignores the errors (IGNORE_EXCEPTIONS), counters read 0.
    from shinbun.settings import redis_cache

    settings.CACHES = {"default": redis_cache(f"redis://127.0.0.1:{free_port()}/0")}
    answer = sign_up(visitor, "down@example.jp", unlockable)
    assert answer.status_code == 200 and answer.json()["message"] == SENT
    assert len(mail.outbox) == 1
