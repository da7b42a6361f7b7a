"""アクセスランキング: the article page's beacon counts a read in the shared cache (never in
the database), a periodic task ranks the last 24 hours, and the home page shows the ten
most read beside each story once. Run on the embedded cache and, where redis-server is
installed, on Redis as production configures it."""

import re
import shutil
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shinbun.newsroom import ranking, tasks
from shinbun.newsroom.models import Article
from shinbun.settings import redis_cache
from tests.processes import free_port
from tests.test_redis_outage import RedisServer

NOT_FOUND = "記事が見つかりません。"


@pytest.fixture(params=["embedded", "redis"])
def shared_cache(request, settings):
    """The cache the site is configured with: diskcache (the default) or Redis."""
    if request.param == "embedded":
        yield request.param
        return
    if shutil.which("redis-server") is None:
        pytest.skip("no redis-server")
    server = RedisServer(free_port())
    server.start()
    settings.CACHES = {"default": redis_cache(f"redis://127.0.0.1:{server.port}/0")}
    yield request.param
    server.stop()


def beacon(client, article_id) -> int:
    return client.post(f"/reads/{article_id}/").status_code


def reads_of(article: Article) -> int:
    """The article's counted reads of this hour and the one before."""
    hour = int(timezone.now().timestamp() // 3600)
    keys = [ranking.counter_key(article.pk, h) for h in (hour - 1, hour)]
    return sum(cache.get_many(keys).values())


def writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]


# The beacon ---------------------------------------------------------------------------


def test_each_beacon_counts_one_read(shared_cache, make, visitor):
    article = make.article()
    other = make.article()
    assert beacon(visitor, article.pk) == 204
    assert reads_of(article) == 1
    assert beacon(visitor, article.pk) == 204
    assert beacon(Client(REMOTE_ADDR="10.9.0.1"), article.pk) == 204
    assert reads_of(article) == 3
    assert reads_of(other) == 0


@pytest.mark.parametrize("reader", ["visitor", "paid_member"])
def test_a_beacon_writes_nothing_to_the_database(request, reader, make, client_for):
    user = None if reader == "visitor" else request.getfixturevalue(reader)
    client = client_for(user)
    article = make.article(access="paid")
    client.get(article.get_absolute_url())  # a member's visit writes its own rows first
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            assert beacon(client, article.pk) == 204
        assert writes(queries) == []
    assert reads_of(article) == 3


def test_a_visitors_beacon_reads_the_article_from_the_cache(make, visitor):
    article = make.article()
    beacon(visitor, article.pk)  # the first one keeps the article's state in the cache
    with CaptureQueriesContext(connection) as queries:
        assert beacon(visitor, article.pk) == 204
    assert len(queries) == 0


def test_only_a_post_counts(make, visitor):
    article = make.article()
    assert visitor.get(f"/reads/{article.pk}/").status_code == 405
    assert visitor.head(f"/reads/{article.pk}/").status_code == 405
    assert reads_of(article) == 0


def test_the_beacon_needs_no_csrf_token(make):
    article = make.article()
    client = Client(enforce_csrf_checks=True)
    assert beacon(client, article.pk) == 204
    assert reads_of(article) == 1


@pytest.mark.parametrize(
    "state",
    [
        {"status": Article.Status.DRAFT},
        {"status": Article.Status.SCHEDULED, "published_at": timezone.now() + timedelta(days=1)},
    ],
    ids=["draft", "scheduled"],
)
def test_an_unpublished_article_is_not_counted(state, make, visitor, editor, client_for):
    article = make.article(**state)
    for client in (visitor, client_for(editor)):  # an editor's preview does not count
        response = client.post(f"/reads/{article.pk}/")
        assert response.status_code == 404
        assert NOT_FOUND in response.text
    assert reads_of(article) == 0


@pytest.mark.parametrize("raw", ["999999", "abc", "-1", "1.5", "99999999999999999999999999"])
def test_an_unknown_or_malformed_id_is_a_404(raw, make, visitor):
    make.article()
    response = visitor.post(f"/reads/{raw}/")
    assert response.status_code == 404
    assert "見つかりません" in response.text


def test_a_client_counts_a_limited_number_of_reads(make, monkeypatch):
    monkeypatch.setattr(ranking, "READ_LIMIT", 3)
    article = make.article()
    client = Client(REMOTE_ADDR="10.9.1.1")
    assert [beacon(client, article.pk) for _ in range(4)] == [204, 204, 204, 429]
    response = client.post(f"/reads/{article.pk}/")
    assert response.status_code == 429 and response["Retry-After"]
    assert "短い時間" in response.text
    assert reads_of(article) == 3
    assert beacon(Client(REMOTE_ADDR="10.9.1.2"), article.pk) == 204  # another reader
    assert reads_of(article) == 4


# The ranking ---------------------------------------------------------------------------


def read(article, times: int, now=None) -> None:
    for _ in range(times):
        ranking.count_read(article.pk, now)


def test_the_task_ranks_by_reads_of_the_last_24_hours(shared_cache, make):
    now = timezone.now()
    quiet, busy, middling, unread = (make.article() for _ in range(4))
    read(quiet, 1)
    read(busy, 2, now - timedelta(hours=23))
    read(busy, 3)
    read(middling, 3)
    read(quiet, 9, now - timedelta(hours=25))  # a day ago: no longer counted
    assert ranking.most_read(now) == [busy.pk, middling.pk, quiet.pk]
    assert unread.pk not in ranking.most_read(now)

    tasks.refresh_ranking.call_local()
    assert ranking.ranked_ids() == [busy.pk, middling.pk, quiet.pk]


def test_ties_go_to_the_newer_article_and_ten_are_ranked(make):
    articles = [make.article() for _ in range(12)]
    for article in articles:
        read(article, 2)
    read(articles[5], 1)
    ids = ranking.refresh_ranking()
    newest_first = sorted((a.pk for a in articles if a != articles[5]), reverse=True)
    assert ids == [articles[5].pk] + newest_first[:9]


def test_candidates_are_the_last_week_and_the_current_ranking(make):
    now = timezone.now()
    lasting = make.article(published_at=now - timedelta(days=6, hours=23))
    old = make.article(published_at=now - timedelta(days=30))
    read(lasting, 2)
    read(old, 5)
    # An article of a month ago only stays where it already was; here it never entered.
    assert ranking.refresh_ranking(now) == [lasting.pk]
    # Once ranked, an article keeps its place after its first week.
    assert ranking.refresh_ranking(now + timedelta(hours=12)) == [lasting.pk]
    cache.set(ranking.RANKING_KEY, [old.pk, lasting.pk])
    assert ranking.refresh_ranking(now) == [old.pk, lasting.pk]


def test_an_unpublished_article_leaves_the_ranking(make):
    kept, withdrawn = make.article(), make.article()
    read(kept, 1)
    read(withdrawn, 5)
    assert ranking.refresh_ranking() == [withdrawn.pk, kept.pk]
    Article.objects.filter(pk=withdrawn.pk).update(status=Article.Status.DRAFT)
    assert [a.pk for a in ranking.ranked_articles()] == [kept.pk]  # before the task runs
    assert ranking.refresh_ranking() == [kept.pk]


# The home page -------------------------------------------------------------------------


def headline_links(html: str) -> list[str]:
    return re.findall(r'<a class="headline" href="(/articles/\d+/)"', html)


def without_ranking(html: str) -> str:
    return re.sub(r'<section class="ranking".*?</section>', "", html, flags=re.S)


def ranking_box(response) -> str:
    return re.search(r'<section class="ranking".*?</section>', response.text, re.S)[0]


def test_the_home_page_shows_each_story_once(make, visitor, parse_html):
    sections = [make.section() for _ in range(3)]
    articles = [make.article(section=sections[i % 3], pinned=i in (4, 20)) for i in range(30)]
    for article in articles[:10]:
        read(article, 1)
    ranking.refresh_ranking()
    response = visitor.get("/")
    assert response.status_code == 200
    shown = headline_links(without_ranking(response.text))
    assert len(shown) == len(set(shown))
    # 5 top stories and 7 in 新着, then each section's 5 newest of the rest
    assert len(shown) == 12 + 3 * 5
    assert articles[20].get_absolute_url() in shown[:5]  # pinned
    boxes = parse_html(response).all("section", class_="section-box")
    assert len(boxes) == 3
    # the ranking lists the most read, whether or not they are shown above
    ranked = headline_links(re.search(r'<ol class="ranking-list">.*?</ol>', response.text, re.S)[0])
    assert len(ranked) == 10


def test_the_ranking_box(make, visitor, parse_html):
    economy = make.section(name="経済")
    first = make.article(section=economy, headline="最も読まれた記事")
    second = make.article(headline="二番目に読まれた記事")
    make.article(headline="読まれていない記事")
    read(first, 3)
    read(second, 2)
    ranking.refresh_ranking()
    box = parse_html(ranking_box(visitor.get("/")))
    assert box.one("h2")["text"] == "アクセスランキング"
    assert box.one("ol", class_="ranking-list")  # numbered: 1, 2, ...
    ranked = [item["text"].split() for item in box.all("li")]
    assert ranked == [["最も読まれた記事", "経済"], ["二番目に読まれた記事", "社会"]]
    assert [a["href"] for a in box.all("a")] == [
        first.get_absolute_url(),
        second.get_absolute_url(),
    ]


def test_before_the_first_count_the_box_says_so(make, visitor):
    make.article()
    assert "集計中です。" in ranking_box(visitor.get("/"))
    english = visitor.get("/en/")
    assert "Most read" in english.text and "The ranking is being compiled." in english.text


def test_the_home_page_stays_cached_with_its_ranking(make, visitor, django_assert_num_queries):
    sections = [make.section() for _ in range(3)]
    articles = [make.article(section=sections[i % 3]) for i in range(20)]
    for article in articles:
        read(article, 1)
    ranking.refresh_ranking()
    # nav sections, campaign, pinned, latest, sections, one list per section, the ranking
    with django_assert_num_queries(9):
        first = visitor.get("/")
    for article in articles:
        beacon(visitor, article.pk)  # reads change nothing in the cached page
    with django_assert_num_queries(0):
        again = visitor.get("/")
    assert again.content == first.content


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="no redis-server")
def test_with_redis_down_nothing_is_counted_and_nothing_fails(make, visitor, settings):
    server = RedisServer(free_port())
    server.start()
    settings.CACHES = {"default": redis_cache(f"redis://127.0.0.1:{server.port}/0")}
    article = make.article()
    read(article, 2)
    ranking.refresh_ranking()
    server.stop()
    assert beacon(visitor, article.pk) == 204  # the article is read from the database
    assert beacon(visitor, 999999) == 404
    assert cache.get_many(["x"]) == {}  # what the beacon loaded stays out of other answers
    assert ranking.refresh_ranking() == []
    response = visitor.get("/")
    assert response.status_code == 200 and "集計中です。" in response.text
