"""Pages that list things pin their query count: more articles never mean more queries."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shinbun.newsroom import publishing
from shinbun.newsroom.models import Article
from shinbun.search.indexing import index_articles

# Ceilings for a site with three sections, as a visitor (a logged-in reader adds three:
# the session, the user and the subscription). HTML pages include the running campaign
# (cached for a minute; these tests clear the cache).
CEILINGS = {
    "home": 9,
    "article": 10,  # Think!'s posts and count: two when not cached
    "print": 6,
    "section": 4,
    "keyword": 4,
    "rss": 1,
    "api_list": 2,
    "api_detail": 3,
    "news_sitemap": 3,
    "search": 8,
    "api_search": 5,
}
# PostgreSQL counts a search's matches with the sequential scan switched off for that
# one statement (search/backends.py): a savepoint, SET LOCAL, RESET and its release.
POSTGRES_EXTRA = {"search": 4, "api_search": 4}


def grow(make, sections, keyword, figure, count):
    """`count` articles, each with a keyword, a figure, related articles and a correction,
    all in the search index."""
    latest = None
    for i in range(count):
        latest = make.article(
            section=sections[i % len(sections)],
            keywords=[keyword],
            body_source=f"本文。\n\n[[figure:{figure.key}]]\n\n続き。",
            related=[latest] if latest else [],
            pinned=i % 5 == 0,
        )
        publishing.correct(latest, f"訂正{i}")
    index_articles(list(Article.objects.all()))
    return latest


def urls_for(article, section, keyword) -> dict:
    return {
        "home": "/",
        "article": article.get_absolute_url(),
        "print": f"/articles/{article.pk}/print/",
        "section": section.get_absolute_url(),
        "keyword": keyword.get_absolute_url(),
        "rss": "/feeds/rss/",
        "api_list": "/api/v1/articles",
        "api_detail": f"/api/v1/articles/{article.pk}",
        "news_sitemap": "/sitemap-news.xml",
        "search": "/search/?q=見出し",
        "api_search": "/api/v1/search?q=見出し",
    }


def count_queries(client, url) -> int:
    cache.clear()  # measure the rendering, not the page cache
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("reader", ["visitor", "free_member"])
def test_query_counts_do_not_grow_with_articles(
    request, reader, make, client_for, django_assert_max_num_queries
):
    user = None if reader == "visitor" else request.getfixturevalue(reader)
    client = client_for(user)
    sections = [make.section() for _ in range(3)]
    keyword = make.keyword()
    figure = make.figure()

    article = grow(make, sections, keyword, figure, 3)
    client.get("/search/?q=見出し")  # what a process looks up once (the index's kind)
    few = {
        name: count_queries(client, url)
        for name, url in urls_for(article, sections[0], keyword).items()
    }

    article = grow(make, sections, keyword, figure, 40)
    many = {
        name: count_queries(client, url)
        for name, url in urls_for(article, sections[0], keyword).items()
    }
    assert many == few

    session_queries = 0 if user is None else 3
    for name, url in urls_for(article, sections[0], keyword).items():
        cache.clear()
        # a member's article page reads the article's access and version first (the key
        # of its cached variant, core/variantcache.py); this is the variant's first render
        extra = 1 if user is not None and name == "article" else 0
        if connection.vendor == "postgresql":
            extra += POSTGRES_EXTRA.get(name, 0)
        with django_assert_max_num_queries(CEILINGS[name] + session_queries + extra):
            client.get(url)


def test_home_and_article_exact_counts(visitor, make, django_assert_num_queries):
    sections = [make.section() for _ in range(3)]
    keyword = make.keyword()
    figure = make.figure()
    article = grow(make, sections, keyword, figure, 12)
    # nav sections, campaign, pinned, latest, sections, one list per section
    with django_assert_num_queries(8):
        visitor.get("/")
    cache.clear()
    # nav sections, campaign, article, keywords, corrections, figures, related,
    # recommendations, Think!'s count and posts
    with django_assert_num_queries(10):
        visitor.get(article.get_absolute_url())
    # a page from the cache costs nothing
    with django_assert_num_queries(0):
        visitor.get(article.get_absolute_url())


def test_a_members_lists_do_not_grow_with_what_they_hold(paid_member, make, client_for):
    """My News, the saved lists, the follows and the account page (with its receipts) cost
    the same queries for a member with a few items as for one with many."""
    from shinbun.members.entitlements import Reader, ReaderKind
    from shinbun.mynews import services as mynews

    reader = Reader(ReaderKind.PAID, paid_member.pk)
    client = client_for(paid_member)
    series = make.series()

    def hold(count):
        for _ in range(count):
            figure = make.figure()
            article = make.article(series=series, body_source=f"本文。\n\n[[figure:{figure.key}]]")
            mynews.save_article(paid_member, reader, article.pk)
            mynews.save_figure(paid_member, reader, figure.pk, article.pk)
            mynews.follow(paid_member, reader, "keyword", make.keyword().slug)
        mynews.follow(paid_member, reader, "series", series.slug)

    urls = [
        "/mynews/",
        "/saved/",
        "/saved/figures/",
        "/accounts/",
        series.get_absolute_url(),
        "/api/v1/mynews",
        "/api/v1/follows",
        "/api/v1/saved/articles",
        "/api/v1/saved/figures",
    ]
    hold(2)
    for url in urls:
        client.get(url)  # what a process looks up once
    few = {url: count_queries(client, url) for url in urls}
    hold(25)
    assert {url: count_queries(client, url) for url in urls} == few
