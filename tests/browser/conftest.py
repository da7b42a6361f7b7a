"""Browser tests: Debian's Chromium driven through Playwright against pytest-django's
live_server. Playwright's sync API runs an event loop in this thread, which makes
Django refuse database access as "async unsafe"; the tests are synchronous code, so
that check is switched off here (and only here)."""

import os
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


@pytest.fixture
def demo_article(transactional_db, live_server):
    """The article the tests open: a free demo article with a figure, so the whole body
    is shown. Returns (article, absolute URL on the live server)."""
    from django.core.cache import cache

    from shinbun.newsroom.demo import loader
    from shinbun.newsroom.models import Article

    loader.load_content()
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


@pytest.fixture
def log_in(live_server):
    """Logs a demo reader in through the login form, as a person would:
    log_in(page, "paid@example.jp"). Every demo account has the demo password."""

    def log_in(page, email: str, password: str = "shinbun-demo") -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=login]", email)
        page.fill("input[name=password]", password)
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        assert "/accounts/login/" not in page.url, f"{email} could not log in"

    return log_in
