"""The newsletter box in a real browser: a visitor signs up on a paid article, sees the
SPEC's answer under the form (and, without JavaScript, on a page of its own), opens the
mail's link, confirms, and reads the article in full in that browser."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SENT = (
    "入力いただいたメールアドレスにメールを送付しました。"
    "メールのリンクをクリックすると記事全文をお読みいただけます。"
)


@pytest.fixture
def unlockable(demo_article, live_server):
    from shinbun.newsroom.models import Article

    article = Article.objects.published().filter(access="paid", newsletter_unlock=True).first()
    assert article is not None, "the demo has no paid article that the newsletter unlocks"
    return article, live_server.url + article.get_absolute_url()


def test_sign_up_confirm_and_read_in_full(page, unlockable, live_server, artifacts):
    article, url = unlockable
    page.goto(url)
    expect(page.locator(".paywall")).to_be_visible()
    box = page.locator(".newsletter-box")
    box.locator("input[name=email]").fill("browser-reader@example.jp")
    box.locator("button[type=submit]").click()
    expect(box.locator(".newsletter-outcome")).to_have_text(SENT)
    assert page.url == url  # no navigation: the answer came from a request of its own
    box.screenshot(path=str(artifacts / "newsletter-box.png"))

    [message] = [m for m in mail.outbox if m.to == ["browser-reader@example.jp"]]
    link = re.search(r"https?://\S+/newsletter/confirm/\S+/", message.body)[0]
    page.goto(live_server.url + re.sub(r"^https?://[^/]+", "", link))
    page.get_by_role("button", name="登録を完了して記事を読む").click()
    page.wait_for_url(re.compile(re.escape(article.get_absolute_url()) + r"$"))
    expect(page.locator(".article-body.paywalled")).to_have_count(0)
    expect(page.locator(".paywall")).to_have_count(0)


def test_without_javascript_the_answer_is_a_page(browser, unlockable):
    article, url = unlockable
    context = browser.new_context(java_script_enabled=False, locale="ja-JP")
    try:
        page = context.new_page()
        page.goto(url)
        box = page.locator(".newsletter-box")
        box.locator("input[name=email]").fill("nojs-reader@example.jp")
        box.locator("button[type=submit]").click()
        page.wait_for_load_state()
        expect(page.locator("main")).to_contain_text(SENT)
        expect(page.get_by_role("link", name="記事に戻る")).to_have_attribute(
            "href", article.get_absolute_url()
        )
    finally:
        context.close()
