"""ふりがな in the browser: hidden until the reader turns them on, then over the kanji,
remembered across pages and in the print view."""

import pytest
from playwright.sync_api import expect


@pytest.fixture
def article_url(transactional_db, live_server):
    from django.core.cache import cache

    from shinbun.newsroom.models import Article, Section

    cache.clear()
    section = Section.objects.create(slug="national", name="社会")
    article = Article.objects.create(
        headline="鬱蒼とした森に蜘蛛の噂",
        lead="森を歩いた記者が見たもの。",
        body_source="森の奥で蜘蛛の巣を見つけた。\n\n噂は本当だった。",
        section=section,
        status=Article.Status.PUBLISHED,
    )
    return live_server.url + article.get_absolute_url()


def rt_shown(page) -> bool:
    return page.locator(".headline rt").first.evaluate("e => getComputedStyle(e).display != 'none'")


def test_the_reader_turns_furigana_on_and_it_is_remembered(page, article_url, artifacts):
    page.goto(article_url)
    headline = page.locator("h1.headline")
    assert headline.inner_text() == "鬱蒼とした森に蜘蛛の噂"  # the readings are not shown
    assert not rt_shown(page)
    plain_height = headline.bounding_box()["height"]
    toggle = page.get_by_role("button", name="ふりがな")
    expect(toggle).to_have_attribute("aria-pressed", "false")

    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert rt_shown(page)
    # Ruby above the kanji: the reading sits over its base, higher on the page.
    base = page.locator(".headline ruby").first.bounding_box()
    reading = page.locator(".headline rt").first.bounding_box()
    assert reading["y"] < base["y"] + base["height"] / 2
    assert headline.bounding_box()["height"] >= plain_height
    page.screenshot(path=str(artifacts / "furigana-on.png"))

    page.reload()
    expect(page.get_by_role("button", name="ふりがな")).to_have_attribute("aria-pressed", "true")
    assert rt_shown(page)
    page.goto(article_url + "print/")
    assert rt_shown(page)

    page.get_by_role("button", name="ふりがな").click()
    assert not rt_shown(page)
    page.goto(article_url)
    assert not rt_shown(page)
