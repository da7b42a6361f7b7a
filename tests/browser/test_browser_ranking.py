"""アクセスランキング in a real browser: opening an article sends one beacon, a reload in
the same session sends none, another session counts again, and the home page lists the
article once the ranking task has run."""

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from shinbun.newsroom import ranking

pytestmark = pytest.mark.browser


def reads_of(article) -> int:
    hour = int(timezone.now().timestamp() // 3600)
    keys = [ranking.counter_key(article.pk, h) for h in (hour - 1, hour)]
    return sum(cache.get_many(keys).values())


def is_beacon(article):
    path = f"/reads/{article.pk}/"
    return lambda response: response.url.endswith(path) and response.request.method == "POST"


def test_an_article_counts_once_a_session(browser, page, demo_article, live_server, artifacts):
    article, url = demo_article
    beacons = []
    page.on("request", lambda request: "/reads/" in request.url and beacons.append(request))

    with page.expect_response(is_beacon(article)) as answer:
        page.goto(url)
    assert answer.value.status == 204
    assert reads_of(article) == 1

    page.reload()
    page.wait_for_load_state("networkidle")
    assert len(beacons) == 1  # the same session: sessionStorage remembers the read
    assert reads_of(article) == 1

    other = browser.new_context(locale="ja-JP")  # another reader (a new session)
    try:
        other_page = other.new_page()
        with other_page.expect_response(is_beacon(article)):
            other_page.goto(url)
    finally:
        other.close()
    assert reads_of(article) == 2

    ranking.refresh_ranking()
    for width, height, name in ((1280, 900, "desktop"), (390, 844, "phone")):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(live_server.url + "/")
        box = page.locator("section.ranking")
        expect(box.locator("ol.ranking-list li").first).to_contain_text(article.headline[:8])
        box.screenshot(path=str(artifacts / f"home-ranking-{name}.png"))
