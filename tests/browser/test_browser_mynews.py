"""The member buttons in a real browser: follow, save the article, save a figure, with the
one small script (no reload) and without JavaScript (plain forms), a failure that
changes nothing, and My News and the saved lists on a phone."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PAID = "paid@example.jp"


def followable_article(demo_article):
    """A demo article with a figure and keywords to follow."""
    from shinbun.newsroom.models import Article

    article, url = demo_article
    assert Article.objects.get(pk=article.pk).keywords.exists()
    return article, url


def test_buttons_work_without_a_reload(page, demo_article, live_server, log_in, artifacts):
    from shinbun.mynews.models import Follow, SavedArticle, SavedFigure

    article, url = followable_article(demo_article)
    saved_figures, follows = SavedFigure.objects.count(), Follow.objects.count()
    log_in(page, PAID)
    page.goto(url)
    reloads = []
    page.on("framenavigated", lambda frame: reloads.append(frame.url))

    save = page.locator("form.save-article")
    expect(save).to_have_attribute("data-state", "off")
    save.locator("button.when-off").click()
    expect(save).to_have_attribute("data-state", "on")
    expect(save.locator(".action-status")).to_have_text("記事を保存しました。")
    expect(save.locator("button.when-on")).to_be_visible()
    expect(save.locator("button.when-off")).to_be_hidden()

    action = page.locator("form.save-figure[data-state=off]").first.get_attribute("action")
    figure = page.locator(f"form.save-figure[action='{action}']")
    figure.locator("button.when-off").click()
    expect(figure).to_have_attribute("data-state", "on")

    # The demo member follows some of these already: one that is not followed yet.
    off = page.locator(".follow-panel form.member-action[data-state=off]").first
    target = off.locator("input[name=target]").get_attribute("value")
    follow = page.locator(".follow-panel form.member-action").filter(
        has=page.locator(f"input[name=target][value='{target}']")
    )
    follow.locator("button.when-off").click()
    expect(follow).to_have_attribute("data-state", "on")
    expect(follow.locator(".action-status")).to_contain_text("をフォローしました。")
    assert reloads == []
    page.screenshot(path=artifacts / "article-member-buttons.png", full_page=True)

    # The states are kept: after a reload they are still on; pressing again undoes.
    page.reload()
    expect(page.locator("form.save-article")).to_have_attribute("data-state", "on")
    page.locator("form.save-article button.when-on").click()
    expect(page.locator("form.save-article")).to_have_attribute("data-state", "off")
    assert not SavedArticle.objects.filter(article=article).exists()
    assert SavedFigure.objects.count() == saved_figures + 1
    assert Follow.objects.count() == follows + 1


def test_a_failure_says_so_and_changes_nothing(page, demo_article, live_server, log_in):
    from shinbun.mynews.models import SavedArticle

    _article, url = followable_article(demo_article)
    log_in(page, PAID)
    page.goto(url)
    page.route(re.compile(r".*/saved/articles/\d+/$"), lambda route: route.abort())
    save = page.locator("form.save-article")
    save.locator("button.when-off").click()
    expect(save.locator(".action-status")).to_have_text(
        "エラー: 操作を実行できませんでした。時間を空けて再度お試しください。"
    )
    expect(save).to_have_attribute("data-state", "off")
    assert not SavedArticle.objects.filter(article=_article).exists()
    # Trying again once the network is back works.
    page.unroute(re.compile(r".*/saved/articles/\d+/$"))
    save.locator("button.when-off").click()
    expect(save).to_have_attribute("data-state", "on")
    assert SavedArticle.objects.filter(article=_article).exists()


def test_buttons_without_javascript(browser, demo_article, live_server, log_in):
    from shinbun.mynews.models import Follow, SavedArticle

    article, url = followable_article(demo_article)
    follows = Follow.objects.count()
    context = browser.new_context(java_script_enabled=False, locale="ja-JP")
    try:
        page = context.new_page()
        log_in(page, PAID)
        page.goto(url)
        page.locator("form.save-article button.when-off").click()
        page.wait_for_url(re.compile(re.escape(article.get_absolute_url()) + r"$"))
        expect(page.locator(".messages")).to_contain_text("記事を保存しました。")
        expect(page.locator("form.save-article")).to_have_attribute("data-state", "on")
        expect(page.locator("form.save-article button.when-off")).to_be_hidden()
        page.locator(".follow-panel form[data-state=off] button.when-off").first.click()
        page.wait_for_load_state()
        expect(page.locator(".messages")).to_contain_text("をフォローしました。")
        assert SavedArticle.objects.filter(article=article).exists()
        assert Follow.objects.count() == follows + 1
    finally:
        context.close()


def test_my_news_and_saved_lists_on_a_phone(browser, demo_article, live_server, log_in, artifacts):
    from shinbun.members.entitlements import reader_for
    from shinbun.members.models import User
    from shinbun.mynews import services

    article, _url = followable_article(demo_article)
    user = User.objects.get(email=PAID)
    reader = reader_for(user)
    keyword = article.keywords.first()
    services.follow(user, reader, "keyword", keyword.slug)
    services.follow(user, reader, "word", "生成AI")
    services.save_article(user, reader, article.pk)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP")
    try:
        page = context.new_page()
        log_in(page, PAID)
        page.goto(f"{live_server.url}/mynews/")
        expect(page.locator("h1")).to_have_text("Myニュース")
        expect(page.locator(".mynews-articles .article-list li").first).to_be_visible()
        expect(page.locator(".follows")).to_contain_text(keyword.name)
        page.screenshot(path=artifacts / "mynews-phone.png", full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, "the page scrolls sideways on a phone"
        page.goto(f"{live_server.url}/saved/")
        expect(page.locator(".saved-list")).to_contain_text(article.headline)
        page.screenshot(path=artifacts / "saved-phone.png", full_page=True)
    finally:
        context.close()
