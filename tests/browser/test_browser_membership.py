"""A new reader in the browser: signs up, verifies the address from the e-mail, starts
the 春割 trial on the join page, reads a paid article in full, and cancels."""

import re

import pytest
from django.core import mail

pytestmark = pytest.mark.browser

PASSWORD = "a long enough passphrase 2026"


def test_sign_up_verify_trial_read_and_cancel(page, demo_article, live_server, artifacts):
    from shinbun.newsroom.models import Article

    base = live_server.url
    paid = Article.objects.published().filter(access="paid").first()

    page.goto(f"{base}/accounts/signup/")
    page.fill("input[name=email]", "browser@example.jp")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/confirm-email/"))

    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mail.outbox[-1].body)
    page.goto(base + link.group(1))
    page.click("main form button[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{base}/join/")
    page.screenshot(path=artifacts / "join.png", full_page=True)
    page.click("button.cta:has-text('春割で無料体験する')")
    page.wait_for_url(re.compile(r"/join/confirm/"))
    page.click("button.confirm-button:has-text('無料体験を開始する')")
    page.wait_for_url(re.compile(r"/accounts/$"))
    assert page.locator(".plan-status").inner_text() == "無料体験中"
    page.screenshot(path=artifacts / "account.png", full_page=True)

    page.goto(base + paid.get_absolute_url())
    assert page.locator("aside.paywall").count() == 0
    assert page.locator("section.follow-panel").count() == 1

    page.goto(f"{base}/accounts/")
    page.click("a[href$='/subscription/cancel/']")
    page.wait_for_url(re.compile(r"/subscription/cancel/$"))
    page.click("form[action$='/subscription/cancel/'] button")
    page.wait_for_url(re.compile(r"/accounts/$"))
    assert "解約を取り消す" in page.content()
