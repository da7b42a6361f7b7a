"""The anonymous page cache (shinbun.core.pagecache): shared pages for visitors,
never a per-reader page for anyone else."""

import subprocess
import sys

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import path

from shinbun.core.pagecache import cache_anonymous_page
from shinbun.newsroom import publishing
from tests.conftest import BODY_MARKER

PUBLIC = "public, max-age=60, s-maxage=2"  # the defaults


@pytest.mark.parametrize(
    "url",
    ["/", "/sections/national/", "/feeds/rss/", "/sitemap.xml", "/sitemap-news.xml", "ARTICLE"],
)
def test_anonymous_pages_are_public_with_an_etag(visitor, make, url, settings):
    settings.PAGE_CACHE_SECONDS = 60
    article = make.article()
    url = article.get_absolute_url() if url == "ARTICLE" else url
    first = visitor.get(url)
    assert first.status_code == 200
    assert "public" in first["Cache-Control"]
    assert "max-age=60" in first["Cache-Control"]
    assert "s-maxage=2" in first["Cache-Control"]  # a CDN revalidates after 2 s
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')

    again = visitor.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag

    other = visitor.get(url, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200
    assert other.content == first.content


def test_logged_in_pages_are_private_and_never_stored(client_for, visitor, editor, make):
    article = make.article(access="paid")
    as_editor = client_for(editor)
    full = as_editor.get(article.get_absolute_url())
    assert BODY_MARKER in full.text
    assert "private" in full["Cache-Control"]
    assert "public" not in full["Cache-Control"]
    assert not full.has_header("ETag")
    assert BODY_MARKER in as_editor.get(f"/articles/{article.pk}/print/").text

    # The visitor who comes next must not receive the editor's page.
    for url in (article.get_absolute_url(), f"/articles/{article.pk}/print/"):
        page = visitor.get(url)
        assert page.status_code == 200
        assert BODY_MARKER not in page.text
        assert "public" in page["Cache-Control"]


def test_a_cached_visitor_page_is_not_served_to_a_reader(client_for, visitor, free_member, make):
    article = make.article(access="members")
    assert BODY_MARKER not in visitor.get(article.get_absolute_url()).text
    member_page = client_for(free_member).get(article.get_absolute_url())
    assert BODY_MARKER in member_page.text
    assert "無料 太郎" in member_page.text  # the member's own name in the header


def test_anonymous_pages_vary_on_cookie(visitor, make):
    """A visitor who logs in must not get the paywalled copy from the browser's cache."""
    article = make.article(access="members")
    for response in (
        visitor.get(article.get_absolute_url()),
        visitor.get(article.get_absolute_url()),  # from the cache
    ):
        assert "cookie" in response["Vary"].lower()


def test_editor_preview_of_a_draft_is_not_cached(client_for, visitor, editor, make):
    draft = make.article(status="draft")
    assert client_for(editor).get(draft.get_absolute_url()).status_code == 200
    assert visitor.get(draft.get_absolute_url()).status_code == 404


def test_unknown_query_parameters_bypass_the_cache(visitor, make):
    article = make.article()
    response = visitor.get(article.get_absolute_url(), {"utm_source": "x"})
    assert response.status_code == 200
    assert not response.has_header("ETag")


def test_changes_purge_every_page_the_article_is_on(
    visitor, make, django_capture_on_commit_callbacks
):
    series = make.series()
    column = make.column()
    keyword = make.keyword()
    article = make.article(headline="古い見出し", series=series, column=column, keywords=[keyword])
    urls = [
        article.get_absolute_url(),
        f"/articles/{article.pk}/print/",
        "/",
        article.section.get_absolute_url(),
        series.get_absolute_url(),
        column.get_absolute_url(),
        keyword.get_absolute_url(),
        "/feeds/rss/",
        "/feeds/atom/",
        f"/en/articles/{article.pk}/",
        "/en/",
    ]
    for url in urls:  # headlines carry <wbr> between phrases (core/phrases.py)
        assert "古い見出し" in visitor.get(url).text.replace("<wbr>", ""), url

    article.headline = "新しい見出し"
    with django_capture_on_commit_callbacks(execute=True):
        article.save()
        publishing.after_change(article.pk)
    for url in urls:
        text = visitor.get(url).text.replace("<wbr>", "")
        assert "新しい見出し" in text, url
        assert "古い見出し" not in text, url


@pytest.mark.parametrize("last", ["ja", "en"])
def test_unpublishing_removes_every_language_copy(
    visitor, make, django_capture_on_commit_callbacks, last
):
    article = make.article()
    japanese, english = f"/articles/{article.pk}/", f"/en/articles/{article.pk}/"
    urls = [english, japanese] if last == "ja" else [japanese, english]
    for url in urls:  # cached, and the last request leaves its language active
        assert visitor.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        publishing.unpublish(article)
    for url in urls:
        assert visitor.get(url).status_code == 404, url


def test_a_purge_in_one_process_reaches_every_other(visitor, make, django_assert_num_queries):
    """The page cache is the deployment's shared cache, never a process's memory: a page
    cached here is purged by another process (a worker publishing a correction)."""
    url = make.article().get_absolute_url()
    visitor.get(url)
    with django_assert_num_queries(0):
        visitor.get(url)  # from the cache
    purge = f"from shinbun.core.pagecache import purge_paths; purge_paths([{url!r}])"
    subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {purge}"], check=True, timeout=60
    )
    with CaptureQueriesContext(connection) as queries:
        assert visitor.get(url).status_code == 200
    assert len(queries) > 0  # rendered again


def test_parameters_a_page_does_not_read_are_never_cached(visitor, make, settings):
    settings.PAGE_CACHE_SECONDS = 60
    article = make.article()
    from django.core.cache import cache

    cache.clear()
    for value in range(5):
        page = visitor.get(article.get_absolute_url(), {"page": value})
        assert page.status_code == 200
        assert "public" not in page.get("Cache-Control", "")
        page = visitor.get(article.get_absolute_url(), {"before": value})
        assert "public" not in page.get("Cache-Control", "")
    assert visitor.get(article.get_absolute_url())["Cache-Control"] == PUBLIC
    # A listing reads its cursor: a cursor page is cached; a page number is not.
    section = article.section.get_absolute_url()
    assert "public" in visitor.get(section)["Cache-Control"]
    assert "public" not in visitor.get(section, {"page": 2}).get("Cache-Control", "")


def test_another_host_cannot_poison_the_cached_page(
    visitor, make, settings, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE_SECONDS = 60
    settings.ALLOWED_HOSTS = ["testserver", "www.example.jp", ".example.net"]
    article = make.article()
    url = article.get_absolute_url()
    from django.core.cache import cache

    cache.clear()
    # A request for another allowed name is answered with its own page (its host in the
    # links), kept apart from the others' copy or not kept at all.
    assert "www.example.jp" in visitor.get(url, headers={"host": "www.example.jp"}).text
    wildcard = visitor.get(url, headers={"host": "evil.example.net"})
    assert "evil.example.net" in wildcard.text
    assert "public" not in wildcard.get("Cache-Control", "")
    page = visitor.get(url)
    assert "http://testserver" + url in page.text
    assert "example" not in page.text.split("<body", 1)[0]
    # A correction purges the copy of every host a purge can name.
    with django_capture_on_commit_callbacks(execute=True):
        publishing.correct(article, "訂正の本文です。")
    for host in ("testserver", "www.example.jp"):
        assert "訂正の本文です。" in visitor.get(url, headers={"host": host}).text


def test_with_a_base_url_only_its_host_is_cached(visitor, make, settings):
    settings.PAGE_CACHE_SECONDS = 60
    settings.BASE_URL = "https://www.example.jp"
    settings.ALLOWED_HOSTS = ["testserver", "www.example.jp"]
    article = make.article()
    assert visitor.get(article.get_absolute_url()).get("Cache-Control") != PUBLIC
    page = visitor.get(article.get_absolute_url(), headers={"host": "www.example.jp"}, secure=True)
    assert page["Cache-Control"] == PUBLIC
    assert "https://www.example.jp" + article.get_absolute_url() in page.text


def test_shared_caches_hold_a_page_for_the_configured_seconds(visitor, make, settings):
    settings.PAGE_CACHE_SECONDS = 60
    settings.SHARED_CACHE_SECONDS = 10
    page = visitor.get(make.article().get_absolute_url())
    assert page["Cache-Control"] == "public, max-age=60, s-maxage=10"
    settings.PAGE_CACHE_SECONDS = 5  # never longer than the page's own TTL
    page = visitor.get(make.article().get_absolute_url())
    assert page["Cache-Control"] == "public, max-age=5, s-maxage=5"


@pytest.mark.parametrize("url", ["/", "/feeds/rss/", "/sitemap.xml", "ARTICLE", "/enARTICLE"])
def test_a_kept_page_is_answered_with_the_headers_of_the_fresh_one(visitor, make, url, settings):
    """Kept pages are answered before the session, language, CSRF and auth middleware
    run: the answer still carries every header the whole stack gave the first one."""
    settings.PAGE_CACHE_SECONDS = 60
    article = make.article()
    url = url.replace("ARTICLE", article.get_absolute_url())
    fresh = visitor.get(url)
    with CaptureQueriesContext(connection) as queries:
        kept = visitor.get(url)
    assert len(queries) == 0
    assert kept.content == fresh.content
    assert dict(kept.items()) == dict(fresh.items())
    for header in ("Content-Security-Policy", "X-Frame-Options", "Content-Language", "ETag"):
        assert kept.has_header(header), header


def test_the_language_of_a_kept_page_comes_from_its_path(visitor, make, settings):
    """An unprefixed page is Japanese whatever the browser asks for, an /en/ page English,
    so a copy kept for one visitor is right for every other."""
    settings.PAGE_CACHE_SECONDS = 60
    article = make.article()
    japanese, english = article.get_absolute_url(), f"/en{article.get_absolute_url()}"
    for url, language in ((japanese, "ja"), (english, "en")):
        for asked in ("en", "ja", "en"):
            page = visitor.get(url, headers={"accept-language": asked})
            assert page["Content-Language"] == language, (url, asked)
            assert f'<html lang="{language}"' in page.text, (url, asked)


def test_pages_no_view_marked_are_never_kept(visitor, make, settings):
    settings.PAGE_CACHE_SECONDS = 60
    make.article(headline="検索される記事")
    for _ in range(2):
        page = visitor.get("/search/", {"q": "検索"})
        assert page.status_code == 200
        assert not page.has_header("ETag")
        assert "public" not in page.get("Cache-Control", "")


def a_page_that_sets_a_cookie(request):
    response = HttpResponse("<p>ようこそ</p>")
    response.set_cookie("seen", "1")
    return response


urlpatterns = [path("welcome/", cache_anonymous_page(a_page_that_sets_a_cookie))]


@pytest.mark.urls(__name__)
def test_a_page_that_sets_a_cookie_is_private_and_never_kept(visitor, settings):
    """A marked view that answers a visitor with a cookie made a page for that visitor
    alone: no shared cache (this site's, a CDN's) may keep it or its Set-Cookie."""
    settings.PAGE_CACHE_SECONDS = 60
    for _ in range(2):
        page = visitor.get("/welcome/")
        assert page.status_code == 200 and "seen" in page.cookies
        assert page["Cache-Control"] == "private, max-age=60"
