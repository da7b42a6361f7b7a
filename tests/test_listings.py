"""Home, section, series, column and keyword pages; pagination; the Japanese 404."""

from urllib.parse import unquote

import pytest

from shinbun.newsroom.models import Article

NOT_FOUND = "ページが見つかりません"


def article_links(response, parse_html) -> list[str]:
    return [
        a["href"]
        for a in parse_html(response).all("a", class_="headline")
        if a["href"].startswith("/articles/")
    ]


def test_home_shows_top_stories_and_sections(visitor, make, parse_html):
    politics = make.section(slug="politics", name="政治")
    economy = make.section(slug="economy", name="経済")
    make.section(slug="empty", name="空のセクション")
    # the twelve newest fill the top stories and 新着; the boxes show the rest
    newer = [make.article(section=economy) for _ in range(12)]
    old = make.article(section=politics, headline="古い政治記事")
    pinned = make.article(section=economy, headline="トップに掲載する記事", pinned=True)
    newest = make.article(section=economy, headline="最新の経済記事")
    newest.published_at = pinned.published_at.replace(year=pinned.published_at.year)  # same
    make.article(section=economy, status=Article.Status.DRAFT, headline="下書き")
    response = visitor.get("/")
    assert response.status_code == 200
    doc = parse_html(response)
    assert (
        doc.one("article", class_="lead-story")["text"].strip().startswith("トップに掲載する記事")
    )
    boxes = {
        box["text"].split()[0]: box["text"] for box in doc.all("section", class_="section-box")
    }
    assert set(boxes) == {"政治", "経済"}
    assert "古い政治記事" in boxes["政治"]
    assert "トップに掲載する記事" not in boxes["経済"]  # each story once
    assert newer[0].headline not in boxes["経済"]
    assert "下書き" not in response.text
    assert old.get_absolute_url() in article_links(response, parse_html)


@pytest.fixture
def topic_pages(make):
    """One section, series, column and keyword, each with 25 articles (page size 20)."""
    section = make.section(slug="economy", name="経済")
    series = make.series(slug="wages", name="賃上げの行方")
    column = make.column(slug="keizai", name="経済教室")
    keyword = make.keyword(slug="賃金", name="賃金")
    articles = [
        make.article(section=section, series=series, column=column, keywords=[keyword])
        for _ in range(25)
    ]
    make.article(headline="ほかの記事")  # elsewhere: listed on none of the four pages
    return {
        "section": (section, "/sections/economy/"),
        "series": (series, "/series/wages/"),
        "column": (column, "/columns/keizai/"),
        "keyword": (keyword, "/keywords/賃金/"),
    }, articles


def walk(client, path, parse_html, query="", rel="next") -> list[list[str]]:
    """The pages of the listing at `path`, following its 次へ (or 前へ) links to the end."""
    pages = []
    while query is not None and len(pages) < 50:
        response = client.get(path + query)
        assert response.status_code == 200, query
        pages.append(article_links(response, parse_html))
        links = parse_html(response).all("a", rel=rel)
        query = links[0]["href"] if links else None
    return pages


@pytest.mark.parametrize("kind", ["section", "series", "column", "keyword"])
def test_topic_page_pagination(visitor, topic_pages, kind, parse_html, settings):
    settings.PAGE_SIZE = 20
    pages, articles = topic_pages
    obj, url = pages[kind]
    assert unquote(obj.get_absolute_url()) == url
    expected = [a.get_absolute_url() for a in articles]  # newest first

    first = visitor.get(url)
    assert first.status_code == 200
    assert parse_html(first).one("h1")["text"] == obj.name
    assert article_links(first, parse_html) == expected[:20]
    assert not parse_html(first).all("a", rel="prev")
    older = parse_html(first).one("a", rel="next")["href"]
    assert older.startswith("?before=")

    second = visitor.get(url + older)
    assert second.status_code == 200
    assert article_links(second, parse_html) == expected[20:]
    assert not parse_html(second).all("a", rel="next")
    assert "ほかの記事" not in first.text + second.text
    # 前へ leads back to the newest page, full.
    newer = parse_html(second).one("a", rel="prev")["href"]
    assert newer.startswith("?after=")
    assert article_links(visitor.get(url + newer), parse_html) == expected[:20]


def test_keyset_walk_has_no_duplicates_or_gaps(visitor, make, parse_html, settings):
    """Articles sharing a publication time are told apart by id, in both directions."""
    settings.PAGE_SIZE = 4
    section = make.section(slug="ties")
    moment = make.article(section=section).published_at
    articles = [make.article(section=section, published_at=moment) for _ in range(9)]
    articles += [make.article(section=section) for _ in range(4)]
    newest_first = Article.objects.filter(section=section).order_by("-published_at", "-id")
    expected = [a.get_absolute_url() for a in newest_first]
    forward = walk(visitor, "/sections/ties/", parse_html)
    assert [len(page) for page in forward] == [4, 4, 4, 2]
    assert [url for page in forward for url in page] == expected
    # From the last page back to the first by 前へ.
    last = parse_html(visitor.get("/sections/ties/")).one("a", rel="next")["href"]
    for _ in range(2):
        last = parse_html(visitor.get("/sections/ties/" + last)).one("a", rel="next")["href"]
    backward = walk(visitor, "/sections/ties/", parse_html, query=last, rel="prev")
    assert [url for page in reversed(backward) for url in page] == expected


@pytest.mark.parametrize(
    "query",
    [
        {"before": "abc"},
        {"before": ""},
        {"before": "1.5-2"},
        {"before": "-1-2"},
        {"before": "１２-３"},
        {"before": "9" * 400},
        {"before": "9" * 18 + "-1"},  # beyond the year 9999
        {"before": f"1-{2**63}"},
        {"before": "1-1"},  # a cursor before every article: nothing older
        {"before": ["1744329600000000-1", "1744329600000000-2"]},
        {"before": "1744329600000000-1", "after": "1744329600000000-1"},
        {"after": "abc"},
        {"page": "2"},
    ],
)
def test_bad_cursors_are_a_japanese_404(visitor, topic_pages, query):
    response = visitor.get("/sections/economy/", query)
    if "page" in query:  # not a parameter of listings: ignored, the first page
        assert response.status_code == 200
        return
    assert response.status_code == 404, query
    assert NOT_FOUND in response.text
    assert "カーソル" in response.text or "この先に記事はありません" in response.text


def test_cursor_pages_are_cached_for_anonymous_readers(visitor, topic_pages, parse_html, settings):
    settings.PAGE_SIZE = 20
    older = parse_html(visitor.get("/sections/economy/")).one("a", rel="next")["href"]
    first = visitor.get("/sections/economy/" + older)
    assert first.status_code == 200 and first["Cache-Control"].startswith("public")
    again = visitor.get("/sections/economy/" + older, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_listing_query_count_does_not_grow_with_depth(
    visitor, make, parse_html, settings, django_assert_max_num_queries
):
    settings.PAGE_SIZE = 2
    settings.PAGE_CACHE_SECONDS = 0
    section = make.section(slug="deep")
    for _ in range(9):
        make.article(section=section)
    url = "/sections/deep/"
    for _ in range(4):
        with django_assert_max_num_queries(4):
            response = visitor.get(url)
        url = "/sections/deep/" + parse_html(response).one("a", rel="next")["href"]


def test_empty_section_has_one_page(visitor, make, parse_html):
    section = make.section()
    response = visitor.get(section.get_absolute_url())
    assert response.status_code == 200
    assert "記事はまだありません。" in response.text
    assert not parse_html(response).all("nav", class_="pager")
    assert visitor.get(section.get_absolute_url(), {"before": "1-1"}).status_code == 404


def test_section_page_links_its_feeds(visitor, make, parse_html):
    section = make.section(slug="tech", name="テック")
    doc = parse_html(visitor.get("/sections/tech/"))
    feeds = {link["type"]: link["href"] for link in doc.all("link", rel="alternate")}
    assert feeds["application/rss+xml"] in ("/sections/tech/rss/", "/feeds/rss/")
    hrefs = [a["href"] for a in doc.all("a")]
    assert "/sections/tech/rss/" in hrefs
    assert "/sections/tech/atom/" in hrefs
    assert section.name in doc.one("h1")["text"]


@pytest.mark.parametrize(
    "url",
    [
        "/sections/no-such-section/",
        "/series/no-such-series/",
        "/columns/no-such-column/",
        "/keywords/存在しない/",
        "/articles/999999/",
        "/articles/999999/print/",
        f"/articles/{10**30}/",
        f"/articles/{2**63}/print/",
        "/articles/abc/",
        "/articles/-1/",
        "/no/such/page/",
        "/sections/<script>/",
        "/sections/no-such-section/rss/",
        "/sections/no-such-section/atom/",
    ],
)
def test_japanese_404(visitor, db, url):
    response = visitor.get(url)
    assert response.status_code == 404
    if not url.endswith(("rss/", "atom/")):
        assert NOT_FOUND in response.text
        assert "お探しのページは削除されたか" in response.text
    assert "<script>" not in response.text


def test_post_to_a_page_is_refused(visitor, make):
    article = make.article()
    assert visitor.post(article.get_absolute_url()).status_code == 405
