"""Every e-mail the site sends is in its voice: Japanese, from the publication's name, a
text and an HTML part from one template family, the sender's address and contact in the
footer, and every link on SHINBUN_BASE_URL, never on the host a request came to."""

import re
from email import message_from_bytes, policy
from pathlib import Path

import allauth.account
import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.utils import timezone, translation

from shinbun.core.mail import absolute, build_message, render_message
from shinbun.env import ConfigError
from shinbun.members.accounts import send_account_mail
from tests.conftest import PASSWORD

BASE = "https://www.example.jp"
# The host the requests come to: a mail must never carry it.
HOST = "127.0.0.1:8811"
NEW_PASSWORD = "a much longer passphrase 2026"
LINK = re.compile(r"""(?:https?|mailto):[^\s"'<>]+""")
JAPANESE = r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]"
# Every account mail: the ones allauth sends (found in its code below) and the site's own.
ACCOUNT_MAILS = [
    "account_already_exists",
    "email_changed",
    "email_confirmation",
    "email_confirmation_signup",
    "email_deleted",
    "login_code",
    "password_changed",
    "password_reset",
    "password_reset_code",
    "password_reset_key",
    "password_set",
    "unknown_account",
    "account_deleted",
]


@pytest.fixture(autouse=True)
def _site(settings):
    settings.BASE_URL = BASE
    settings.PUBLISHER_ADDRESS = "〒104-0045 東京都中央区築地9-9-9 シンブンビル"
    settings.CONTACT = "support@example.jp"


@pytest.fixture
def visitor_at_host(db):
    return Client(HTTP_HOST=HOST)


@pytest.fixture
def verified(free_member):
    EmailAddress.objects.create(
        user=free_member, email=free_member.email, verified=True, primary=True
    )
    return free_member


def parts(message) -> tuple[str, str]:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return message.body, html


def assert_in_site_voice(message, *, language="ja"):
    """The checks every mail passes, on both parts (STYLE.md: assertEmailContains)."""
    parsed = message_from_bytes(message.message().as_bytes(), policy=policy.default)
    [sender] = parsed["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("シンブン電子版", "no-reply@example.jp")
    text, html = parts(message)
    for part in (text, html):
        assert "〒104-0045 東京都中央区築地9-9-9 シンブンビル" in part
        assert "support@example.jp" in part and "シンブン株式会社" in part
        for stock in ("こんにちは", "example.com", HOST, "testserver", "Hello from"):
            assert stock not in part, stock
        links = LINK.findall(part)
        assert links and all(
            link.startswith(BASE + "/") or link == "mailto:support@example.jp" for link in links
        ), links
    assert html.lstrip().startswith("<!doctype html>") and 'style="max-width:600px' in html
    assert "<script" not in html and "<link" not in html
    assert message.subject and "[" not in message.subject
    if language == "ja":
        body = text.split("――――")[0]
        assert re.search(r"(です|ます|ください|ました)。", body)
        # No stray spaces (「シンブン電子版 です」); a time after a date keeps its one.
        assert not re.search(rf"\S {JAPANESE}|{JAPANESE} [A-Za-z]", body), body
        assert not re.search(rf"{JAPANESE}[!?:()]|[!?:()]{JAPANESE}", text), "half-width"


def test_every_mail_allauth_can_send_has_the_sites_template():
    source = Path(allauth.account.__file__).parent
    sent = {
        name
        for path in source.rglob("*.py")
        for name in re.findall(r'"account/email/(\w+)"', path.read_text())
    }
    assert sent and sent <= set(ACCOUNT_MAILS)


@pytest.mark.parametrize("name", ACCOUNT_MAILS)
def test_every_account_mail_is_in_the_sites_voice(name, db):
    context = {
        # allauth builds these from the request's host.
        "activate_url": f"http://{HOST}/accounts/confirm-email/KEY/",
        "password_reset_url": f"http://{HOST}/accounts/password/reset/key/1-set/",
        "signup_url": f"http://{HOST}/accounts/signup/",
        "code": "ABC123",
        "timestamp": timezone.now(),
        "from_email": "old@example.jp",
        "to_email": "new@example.jp",
        "deleted_email": "old@example.jp",
        "plan_ended": True,
    }
    send_account_mail(name, "reader@example.jp", context)
    [message] = mail.outbox
    assert message.to == ["reader@example.jp"]
    assert_in_site_voice(message)


def test_sign_up_mail_links_to_the_base_url_and_confirms(visitor_at_host):
    response = visitor_at_host.post(
        "/accounts/signup/",
        {"email": "new@example.jp", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.subject == "会員登録のご確認"
    assert_in_site_voice(message)
    text, html = parts(message)
    link = re.search(rf"{re.escape(BASE)}(/accounts/confirm-email/\S+)", text).group(1)
    assert f'href="{BASE}{link}"' in html
    assert visitor_at_host.post(link).status_code == 302
    assert EmailAddress.objects.get(email="new@example.jp").verified


def test_sign_up_with_a_registered_address_is_told_by_mail(visitor_at_host, verified):
    visitor_at_host.post(
        "/accounts/signup/",
        {"email": verified.email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    [message] = mail.outbox
    assert message.subject == "このメールアドレスは登録済みです"
    assert_in_site_voice(message)
    text, html = parts(message)
    for part in (text, html):
        assert f"{BASE}/accounts/login/" in part and f"{BASE}/accounts/password/reset/" in part


def test_login_code_and_unknown_address(visitor_at_host, verified):
    visitor_at_host.post("/accounts/login/code/", {"email": verified.email})
    Client(HTTP_HOST=HOST).post("/accounts/login/code/", {"email": "nobody@example.jp"})
    code_mail, unknown = mail.outbox
    assert code_mail.subject == "ログインコードのお知らせ"
    text, html = parts(code_mail)
    code = re.search(r"^([A-Z0-9-]{6,})$", text, re.M).group(1)
    assert code in html and "コードの有効期限は3分です。" in text
    assert unknown.to == ["nobody@example.jp"]
    assert unknown.subject == "ご登録のないメールアドレスです"
    assert f"{BASE}/accounts/signup/" in parts(unknown)[0]
    for message in (code_mail, unknown):
        assert_in_site_voice(message)


def test_password_reset_link_and_the_notice_after_it(visitor_at_host, verified):
    visitor_at_host.post("/accounts/password/reset/", {"email": verified.email})
    [message] = mail.outbox
    assert message.subject == "パスワードの再設定"
    assert_in_site_voice(message)
    link = re.search(rf"{re.escape(BASE)}(/accounts/password/reset/key/\S+)", message.body)
    page = visitor_at_host.get(link.group(1), follow=True)
    form_url = page.redirect_chain[-1][0]
    visitor_at_host.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    notice = mail.outbox[-1]
    assert notice.subject == "パスワードが再設定されました" and notice.to == [verified.email]
    assert_in_site_voice(notice)


def test_changing_the_password_or_the_address_is_told(visitor_at_host, verified):
    client = visitor_at_host
    client.post("/accounts/login/", {"login": verified.email, "password": PASSWORD})
    client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    [changed] = mail.outbox
    assert changed.subject == "パスワードが変更されました"
    assert_in_site_voice(changed)

    client.post("/accounts/email/", {"action_add": "", "email": "moved@example.jp"})
    confirmation = mail.outbox[-1]
    assert confirmation.subject == "メールアドレスのご確認"
    assert confirmation.to == ["moved@example.jp"]
    assert_in_site_voice(confirmation)
    link = re.search(rf"{re.escape(BASE)}(/accounts/confirm-email/\S+)", confirmation.body)
    client.post(link.group(1))
    notice = mail.outbox[-1]
    assert notice.subject == "メールアドレスが変更されました"
    assert notice.to == [verified.email]  # the old address hears of it
    assert "free@example.jp" in notice.body and "moved@example.jp" in notice.body
    assert_in_site_voice(notice)


def test_deleting_the_account_is_confirmed_to_its_address(
    client_for, paid_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(paid_member).post("/accounts/delete/", {"password": PASSWORD})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["paid@example.jp"]
    assert message.subject == "退会手続き完了のお知らせ"
    text, html = parts(message)
    for part in (text, html):
        assert "ご契約中のプランは解約し、以後の請求はありません。" in part
    assert_in_site_voice(message)


def test_a_reader_on_the_english_site_gets_english_mail(db):
    Client(HTTP_HOST=HOST).post("/en/accounts/password/reset/", {"email": "nobody@example.jp"})
    [message] = mail.outbox
    assert message.subject == "No account uses this e-mail address"
    text, html = parts(message)
    assert "no account is registered with it" in text and f"{BASE}/en/accounts/signup/" in text
    assert 'lang="en"' in html
    assert_in_site_voice(message, language="en")


def test_the_japanese_sender_name_is_encoded_in_the_header(db):
    link = {"password_reset_url": f"{BASE}/accounts/password/reset/key/1-set/"}
    message = build_message("reader@example.jp", "mail/account/password_reset_key", link)
    data = message.message().as_bytes()
    header = next(line for line in data.splitlines() if line.startswith(b"From:"))
    assert header.isascii() and b"=?utf-8?" in header
    parsed = message_from_bytes(data, policy=policy.default)
    assert str(parsed["From"]) == "シンブン電子版 <no-reply@example.jp>"
    assert parsed.get_body(("plain",)).get_content() == message.body
    assert parsed.get_body(("html",)).get_content() == parts(message)[1]


def test_a_mail_in_the_active_language_with_the_shared_context(db):
    subject, text, html = render_message("mail/account/password_reset_key", {})
    assert subject == "パスワードの再設定"
    assert text.endswith(f"{BASE}/\n") and "\n\n\n" not in text
    with translation.override("en"):
        subject, text, html = render_message("mail/account/password_reset_key", {})
    assert subject == "Resetting your password" and "Contact：" not in text


def test_links_need_the_base_url_in_production(settings):
    assert absolute("/accounts/") == f"{BASE}/accounts/"
    settings.BASE_URL = ""
    settings.TESTING = settings.DEBUG = settings.DEMO = False
    with pytest.raises(ConfigError, match="SHINBUN_BASE_URL"):
        absolute("/accounts/")
    settings.DEMO = True
    assert absolute("/accounts/") == "http://127.0.0.1:8000/accounts/"
    with pytest.raises(ValueError):
        absolute("accounts/")
