"""Browser tests: Debian's Chromium driven through Playwright against pytest-django's
live_server. Playwright's sync API runs an event loop in this thread, which makes
Django refuse database access as "async unsafe"; the tests are synchronous code, so
that check is switched off here (and only here)."""

import os
from datetime import timedelta
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"], locale="ja-JP")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def _load_fallback_content():
    """A few articles written here, used only when the demo content file is absent."""
    from django.utils import timezone

    from shinbun.newsroom.models import Article, Column, Figure, Keyword, Section, Series

    politics = Section.objects.create(slug="politics", name="政治", position=0)
    economy = Section.objects.create(slug="economy", name="経済", position=1)
    series = Series.objects.create(slug="chiho-no-mirai", name="地方の未来")
    column = Column.objects.create(slug="keizai-memo", name="経済メモ", author="山田")
    keywords = [
        Keyword.objects.create(slug="chingin", name="賃金"),
        Keyword.objects.create(slug="bukka", name="物価"),
    ]
    Figure.objects.create(
        key="chingin-suii",
        title="実質賃金の推移",
        caption="前年同月比の増減率",
        credit="出所:架空統計局",
        chart={
            "type": "bar",
            "unit": "%",
            "labels": ["1月", "2月", "3月", "4月"],
            "series": [{"name": "実質賃金", "values": [-1.2, 0.3, 0.8, -0.4]}],
        },
    )
    now = timezone.now()
    main = Article.objects.create(
        headline="地方の中小企業で賃上げ広がる、人手不足が背景に",
        subheadline="物価上昇に追いつくかが焦点",
        lead="地方の中小企業で賃上げの動きが広がっている。人手不足が深刻になるなか、"
        "人材をつなぎとめるために賃金を引き上げる企業が増えた。",
        body_source="\n\n".join(
            [
                "ある部品メーカーでは、今春の賃上げ率が過去最高となった。社長は「人が来なければ"
                "仕事を受けられない」と話す。",
                "[[figure:chingin-suii]]",
                "一方で、原材料費の上昇を価格に転嫁できない企業も多い。専門家は、賃上げの持続性には"
                "生産性の向上が欠かせないと指摘する。",
            ]
        ),
        byline="経済部 佐藤花子",
        section=economy,
        series=series,
        column=column,
        access=Article.Access.FREE,
        status=Article.Status.PUBLISHED,
        published_at=now - timedelta(hours=3),
        updated_at=now - timedelta(hours=1),
    )
    main.keywords.set(keywords)
    other = Article.objects.create(
        headline="国会で予算案の審議始まる",
        lead="来年度予算案の審議が国会で始まった。",
        body_source="与野党の論戦は子育て支援の財源が焦点となる。",
        section=politics,
        access=Article.Access.PAID,
        status=Article.Status.PUBLISHED,
        published_at=now - timedelta(days=1),
    )
    main.related.set([other])


@pytest.fixture
def demo_article(transactional_db, live_server):
    """The article the tests open: a free demo article with a figure, so the whole body
    is shown. Returns (article, absolute URL on the live server)."""
    from django.core.cache import cache

    from shinbun.newsroom.demo import loader
    from shinbun.newsroom.models import Article

    if loader.CONTENT.exists():
        loader.load_content()
    else:
        _load_fallback_content()
    loader.load_accounts()
    # The page cache is keyed by path only; ids are reused between tests.
    cache.clear()
    article = (
        Article.objects.published()
        .filter(access=Article.Access.FREE, body_source__contains="[[figure:")
        .select_related("section")
        .first()
    )
    assert article is not None, "the demo content has no free article with a figure"
    return article, live_server.url + article.get_absolute_url()
