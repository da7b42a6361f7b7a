"""Accounts over django-allauth: sign-up with verification, password and one-time-code
login, reset, logout, e-mail change, deletion; rate limits, no enumeration, CSRF, next=."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from shinbun.members.models import AuditLog, Receipt, Subscription, User
from tests.conftest import PASSWORD

NEW_PASSWORD = "a much longer passphrase 2026"


@pytest.fixture
def verified(free_member):
    EmailAddress.objects.create(
        user=free_member, email=free_member.email, verified=True, primary=True
    )
    return free_member


def link_in(message) -> str:
    """The path of the first link in a mail (links are on SHINBUN_BASE_URL)."""
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


def test_sign_up_sends_a_verification_link_that_logs_in(client, db):
    response = client.post(
        "/accounts/signup/",
        {"email": "new@example.jp", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@example.jp"]
    assert not EmailAddress.objects.get(email="new@example.jp").verified
    confirm = link_in(mail.outbox[0])
    page = client.get(confirm)
    assert page.status_code == 200 and "<form" in page.text
    assert client.post(confirm).status_code == 302
    assert EmailAddress.objects.get(email="new@example.jp").verified
    assert client.get("/accounts/").status_code == 200  # logged in


def test_sign_up_with_a_registered_address_looks_the_same(client, verified):
    response = client.post(
        "/accounts/signup/",
        {"email": verified.email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response.url == "/accounts/confirm-email/"
    assert User.objects.filter(email=verified.email).count() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [verified.email]  # told by e-mail


def test_password_login_and_logout(client, verified):
    response = client.post("/accounts/login/", {"login": verified.email, "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/accounts/").status_code == 200
    assert client.get("/accounts/logout/").status_code == 200  # asks; GET changes nothing
    assert client.get("/accounts/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/accounts/").status_code == 302


def test_wrong_password_says_nothing_about_the_address(client, verified):
    known = client.post("/accounts/login/", {"login": verified.email, "password": "wrong"})
    unknown = client.post("/accounts/login/", {"login": "nobody@example.jp", "password": "x"})
    assert known.status_code == unknown.status_code == 200
    error = re.compile(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', re.S)
    assert error.findall(known.text) == error.findall(unknown.text)


def test_wrong_passwords_are_rate_limited_per_account(verified):
    for n in range(5):
        Client(REMOTE_ADDR=f"10.0.0.{n}").post(
            "/accounts/login/", {"login": verified.email, "password": "wrong"}
        )
    late = Client(REMOTE_ADDR="10.0.1.1").post(
        "/accounts/login/", {"login": verified.email, "password": PASSWORD}
    )
    assert late.status_code in (200, 429)
    assert "_auth_user_id" not in late.client.session


def test_wrong_passwords_are_rate_limited_per_address(verified):
    client = Client(REMOTE_ADDR="10.9.9.9")
    for n in range(10):
        client.post("/accounts/login/", {"login": f"u{n}@example.jp", "password": "x"})
    late = client.post("/accounts/login/", {"login": verified.email, "password": PASSWORD})
    assert late.status_code in (200, 429)
    assert "_auth_user_id" not in client.session
    # Another address is not held up by it.
    other = Client(REMOTE_ADDR="10.9.9.10")
    other.post("/accounts/login/", {"login": verified.email, "password": PASSWORD})
    assert "_auth_user_id" in other.session


def test_login_by_code_sent_by_e_mail(client, verified):
    response = client.post("/accounts/login/code/", {"email": verified.email})
    assert response.status_code == 302
    assert (
        "シンブン電子版" in mail.outbox[0].body and "testserver をご利用" not in mail.outbox[0].body
    )
    code = re.search(r"^\s*([A-Z0-9-]{6,})\s*$", mail.outbox[0].body, re.M).group(1)
    response = client.post(response.url, {"code": code})
    assert response.status_code == 302
    assert client.get("/accounts/").status_code == 200


def test_login_code_for_an_unknown_address_looks_the_same(client, db):
    response = client.post("/accounts/login/code/", {"email": "nobody@example.jp"})
    assert response.status_code == 302 and response.url == "/accounts/login/code/confirm/"


def test_password_reset_never_tells_whether_the_address_is_known(client, verified):
    known = client.post("/accounts/password/reset/", {"email": verified.email})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.jp"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    reset = link_in(next(m for m in mail.outbox if m.to == [verified.email]))
    page = client.get(reset, follow=True)
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else reset
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    verified.refresh_from_db()
    assert verified.check_password(NEW_PASSWORD)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/articles/1/"])
def test_next_stays_on_the_site(client, verified, target):
    response = client.post(
        "/accounts/login/", {"login": verified.email, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response.url == (target if target.startswith("/a") else "/")


def test_every_state_change_needs_csrf(verified):
    client = Client(enforce_csrf_checks=True)
    assert (
        client.post("/accounts/login/", {"login": verified.email, "password": PASSWORD}).status_code
        == 403
    )
    client.force_login(verified)
    for url in (
        "/accounts/logout/",
        "/accounts/subscription/cancel/",
        "/accounts/delete/",
        "/join/subscribe/",
        "/accounts/tokens/",
    ):
        assert client.post(url).status_code == 403, url


def test_session_cookie_is_http_only_and_lax(client, verified):
    response = client.post("/accounts/login/", {"login": verified.email, "password": PASSWORD})
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_pages_are_japanese_in_the_sites_look(client, parse_html, db):
    for url in (
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/login/code/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        doc = parse_html(response)
        assert doc.one("html")["lang"] == "ja"
        assert doc.one("header", class_="masthead")
        assert "シンブン電子版" in doc.one("title")["text"]
    assert "ログイン" in client.get("/accounts/login/").text
    assert "Sign In" not in client.get("/accounts/login/").text


def test_e_mail_change_page(client_for, verified):
    response = client_for(verified).get("/accounts/email/")
    assert response.status_code == 200
    assert verified.email in response.text


def test_account_deletion_states_what_it_deletes_and_does_it(client_for, paid_member):
    client = client_for(paid_member)
    page = client.get("/accounts/delete/")
    assert "ご契約中のプラン" in page.text and "領収書" in page.text
    assert client.post("/accounts/delete/", {"password": "wrong"}).status_code == 400
    assert User.objects.filter(pk=paid_member.pk).exists()
    response = client.post("/accounts/delete/", {"password": PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(email="paid@example.jp").exists()
    assert not Subscription.objects.exists()
    receipt = Receipt.objects.get()
    assert receipt.user is None
    log = AuditLog.objects.get(action="account.deleted")
    assert log.subject is None and log.subject_email == ""
    assert client.get("/accounts/").status_code == 302
