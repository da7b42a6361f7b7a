"""The demo's outbox in a real browser: a new reader signs up, the operator opens the mail
at /outbox/, sees its HTML drawn with its own styles in the sandboxed frame (the site's
strict policy refuses nothing), and the verification link in it opens the site."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "a long enough passphrase 2026"


@pytest.fixture
def outbox_site(settings, tmp_path, live_server, demo_article):
    settings.DATA_DIR = tmp_path
    settings.BASE_URL = live_server.url
    settings.EMAIL_BACKEND = "shinbun.core.mail.OutboxBackend"
    return live_server.url


def test_the_editor_reads_a_sign_up_mail_and_follows_its_link(
    browser, outbox_site, log_in, artifacts
):
    base = outbox_site
    reader_context, editor_context = (browser.new_context(locale="ja-JP") for _ in range(2))
    try:
        reader = reader_context.new_page()
        reader.goto(f"{base}/accounts/signup/")
        reader.fill("input[name=email]", "outbox@example.jp")
        reader.fill("input[name=password1]", PASSWORD)
        reader.fill("input[name=password2]", PASSWORD)
        reader.click("form button[type=submit]")
        reader.wait_for_url(re.compile(r"/accounts/confirm-email/"))

        editor = editor_context.new_page()
        refused = []
        editor.on(
            "console",
            lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
        )
        log_in(editor, "operator@example.jp")
        editor.click("header .account-menu summary")  # staff links sit in the account menu
        editor.click("header a:has-text('送信メール')")
        editor.click("table.outbox-list a:has-text('会員登録のご確認')")
        expect(editor.locator("h1")).to_have_text("会員登録のご確認")

        button = editor.frame_locator("iframe.outbox-html").locator(
            "a:has-text('メールアドレスを確認する')"
        )
        expect(button).to_be_visible()
        # Drawn with the mail's own inline styles, which the preview's policy allows.
        assert button.evaluate("a => getComputedStyle(a).backgroundColor") == "rgb(179, 84, 30)"
        editor.locator("iframe.outbox-html").screenshot(path=artifacts / "outbox-mail.png")
        button.click()
        editor.wait_for_url(re.compile(r"/accounts/confirm-email/[^/]+/$"))
        expect(editor.locator("main form button[type=submit]")).to_be_visible()
        assert refused == []
    finally:
        reader_context.close()
        editor_context.close()
