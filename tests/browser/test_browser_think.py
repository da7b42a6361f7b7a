"""Think! in a real browser: an expert posts under an article with the plain form, a
member reads the post, a visitor sees the count and the invitation."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

POST = "ブラウザから投稿した解説です。賃上げの定着には中小企業の価格転嫁が鍵になります。"


def test_an_expert_posts_and_members_read_it(browser, demo_article, live_server, log_in, artifacts):
    article, url = demo_article
    contexts = [browser.new_context(locale="ja-JP") for _ in range(3)]
    try:
        expert, member, visitor = (context.new_page() for context in contexts)
        log_in(expert, "expert@example.jp")
        expert.goto(url)
        form = expert.locator("#think form.think-form")
        expect(form).to_be_visible()  # open for an expert
        form.locator("textarea[name=body]").fill(POST)
        form.locator("button[type=submit]").click()
        expert.wait_for_url(re.compile(re.escape(article.get_absolute_url()) + "#think$"))
        expect(expert.locator("#think .think-post").first).to_contain_text(POST)

        log_in(member, "free@example.jp")
        member.goto(url)
        member.locator("#think summary").click()
        expect(member.locator("#think")).to_contain_text(POST)
        member.screenshot(path=artifacts / "think-member.png", full_page=True)

        visitor.goto(url)
        think = visitor.locator("#think")
        expect(think.locator("summary")).to_contain_text("Think! の投稿を読む")
        think.locator("summary").click()
        expect(think).to_contain_text("会員の方のみご利用になれます。")
        expect(think).not_to_contain_text(POST)
    finally:
        for context in contexts:
            context.close()
