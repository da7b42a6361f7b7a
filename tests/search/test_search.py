"""Searching the archive as a reader does: through the search service, the /search/ page
and /api/v1/search. Every test runs on the database it is given (SQLite FTS5 or
PostgreSQL), so running the suite on both covers both backends."""

import importlib
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shinbun.newsroom import publishing
from shinbun.newsroom.models import Article
from shinbun.search import backends, engine, indexing, services
from shinbun.search.engine import MAX_KEY, MIN_KEY, Engine
from shinbun.search.engines import postgres, sqlite
from shinbun.search.engines.postgres import PostgresEngine, uses_rum
from shinbun.search.engines.sqlite import SQLiteEngine
from shinbun.search.facets import SECTION, facet_marker
from shinbun.search.models import SearchDocument, TermStat
from shinbun.search.query import parse_query
from tests.corpus import corpus_articles
from tests.search.conftest import ON_POSTGRES

CHANNELS = ["service", "page", "api"]


@pytest.fixture(params=CHANNELS)
def find(request, visitor, page_ids, api_ids):
    """Ids of what a visitor finds, newest first, through one channel."""

    def find_(q, **params):
        if request.param == "page":
            return page_ids(visitor, q=q, **params)
        if request.param == "api":
            return api_ids(visitor, q=q, **params)
        filters = services.Filters(
            section=params.get("section"),
            series=params.get("series"),
            column=params.get("column"),
            keyword=params.get("keyword"),
            date_from=date.fromisoformat(params["from"]) if "from" in params else None,
            date_to=date.fromisoformat(params["to"]) if "to" in params else None,
        )
        page = services.search(q, filters, sort=params.get("sort", "newest"))
        return [hit.article.pk for hit in page.hits]

    return find_


@pytest.fixture
def news(make, index):
    """A small archive: made newest first (each article a minute older than the last)."""
    economy = make.section(slug="economy", name="経済")
    politics = make.section(slug="politics", name="政治")
    wages = make.series(slug="wages", name="賃金を考える")
    column = make.column(slug="keizai-no-me", name="経済の目")
    keyword = make.keyword(slug="chingin", name="賃金")
    a = {
        "budget": make.article(
            section=economy,
            series=wages,
            keywords=[keyword],
            headline="東京都が予算案を発表",
            lead="東京都は来年度の予算案を発表した。",
        ),
        "weather": make.article(
            section=politics,
            column=column,
            headline="東京の天気",
            lead="東京は晴れる見込み。",
        ),
        "osaka": make.article(
            section=economy,
            column=column,
            keywords=[keyword],
            headline="大阪府の予算",
            lead="大阪府は予算を組んだ。",
        ),
        "phrase": make.article(
            section=economy,
            headline="中小企業の賃上げが広がる",
            lead="中小企業の賃上げが地方でも広がっている。",
        ),
        "apart": make.article(
            section=politics,
            headline="大企業が先行",
            lead="賃上げは大企業が先行し、中小企業は慎重だ。",
        ),
    }
    index(*a.values())
    return {k: v.pk for k, v in a.items()}


def test_words_are_anded(find, news):
    assert find("東京 予算") == [news["budget"]]
    assert find("東京") == [news["budget"], news["weather"]]
    assert find("予算") == [news["budget"], news["osaka"]]
    assert find("東京 予算 大阪") == []


def test_quoted_phrase_is_precise(find, news):
    assert find("中小企業 賃上げ") == [news["phrase"], news["apart"]]
    assert find('"中小企業の賃上げ"') == [news["phrase"]]
    assert find("「中小企業の賃上げ」") == [news["phrase"]]  # Japanese quotes too
    assert find('"賃上げ 中小企業"') == []  # the words, but not in this order


def test_minus_excludes_a_word_or_a_phrase(find, news):
    assert find("予算 -大阪") == [news["budget"]]
    assert find('賃上げ -"中小企業の賃上げ"') == [news["apart"]]
    assert find("-大阪") == []  # nothing to look for is not "everything"


def test_a_remembered_query_is_parsed_as_a_new_one_and_handed_out_afresh():
    from shinbun.search import query as query_module

    raw = '中小企業 "賃上げの動き" -大阪'
    query_module._parsed.cache_clear()
    first = parse_query(raw)
    assert query_module._parsed.cache_info().misses == 1
    first.include.append(("改ざん",))
    first.facets.append("zzsec1")
    again = parse_query(raw)
    assert query_module._parsed.cache_info().hits == 1
    include, exclude = query_module._parse(raw)
    assert again == query_module.ParsedQuery(include=list(include), exclude=list(exclude))
    assert again.include == [("中小", "企業"), ("賃上げ", "の", "動き")]
    assert again.exclude == [("大阪",)] and again.facets == []
    long = "賃上げ " * (query_module.CACHED_CHARS // 4 + 1)  # too long to be remembered
    assert parse_query(long).include == [("賃上げ",)]
    assert query_module._parsed.cache_info().currsize == 1


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"section": "economy"}, ["budget", "osaka"]),
        ({"section": "politics"}, []),
        ({"series": "wages"}, ["budget"]),
        ({"column": "keizai-no-me"}, ["osaka"]),
        ({"keyword": "chingin"}, ["budget", "osaka"]),
        ({"section": "economy", "column": "keizai-no-me"}, ["osaka"]),
        ({"section": "no-such-section"}, []),
    ],
)
def test_filters(find, news, params, expected):
    assert find("予算", **params) == [news[name] for name in expected]


def test_unknown_filter_says_so(visitor, news):
    page = services.search("予算", services.Filters(section="no-such-section"))
    assert page.count == 0 and "絞り込み" in page.hint
    response = visitor.get("/search/", {"q": "予算", "section": "no-such-section"})
    assert response.status_code == 200 and "絞り込み" in response.text


@pytest.fixture
def month_end(make, index):
    """Articles either side of midnight on 31 March / 1 April, Japan time (UTC+9)."""
    jst = timezone.get_fixed_timezone(9 * 60)
    times = {
        "march": datetime(2025, 3, 31, 23, 59, 59, tzinfo=jst),
        "april": datetime(2025, 4, 1, 0, 0, 0, tzinfo=jst),  # 31 March 15:00 UTC
        "may": datetime(2025, 5, 1, 0, 0, 0, tzinfo=jst),
    }
    made = {
        name: make.article(headline=f"月末の決算{name}", published_at=when)
        for name, when in times.items()
    }
    index(*made.values())
    return {name: article.pk for name, article in made.items()}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["may", "april", "march"]),
        ({"from": "2025-04-01"}, ["may", "april"]),
        ({"to": "2025-03-31"}, ["march"]),
        ({"from": "2025-03-31", "to": "2025-03-31"}, ["march"]),
        ({"from": "2025-04-01", "to": "2025-04-30"}, ["april"]),
        ({"from": "2025-05-01"}, ["may"]),
        ({"to": "2025-03-30"}, []),
    ],
)
def test_date_range_in_japan_time(find, month_end, params, expected):
    assert find("決算", **params) == [month_end[name] for name in expected]


def test_reversed_date_range_finds_nothing_and_says_why(visitor, month_end):
    page = services.search(
        "決算", services.Filters(date_from=date(2025, 5, 1), date_to=date(2025, 4, 1))
    )
    assert page.hits == [] and "期間" in page.hint
    response = visitor.get(
        "/api/v1/search", {"q": "決算", "from": "2025-05-01", "to": "2025-04-01"}
    )
    assert response.status_code == 200 and response.json()["count"] == 0


def test_invalid_dates_are_ignored_on_the_page_and_refused_by_the_api(visitor, month_end):
    response = visitor.get("/search/", {"q": "決算", "from": "2025-13-45", "to": "昨日"})
    assert response.status_code == 200
    assert response.text.count('class="headline"') == 3
    assert visitor.get("/api/v1/search", {"q": "決算", "from": "2025-13-45"}).status_code == 422


@pytest.fixture
def ranked(make, index):
    """An older article all about 円安, a newer one mentioning it once in passing."""
    about = make.article(
        headline="円安が止まらない",
        lead="円安が進んだ。円安で輸入物価が上がり、円安対策が議論される。",
        published_at=timezone.now() - timedelta(days=3),
    )
    passing = make.article(
        headline="地方の観光客が増加",
        lead="観光地はにぎわった。"
        + "旅館は満室で、商店街も人出が多く、交通機関も混雑した。" * 5
        + "背景には円安もある。",
        published_at=timezone.now() - timedelta(days=1),
    )
    index(about, passing)
    return about.pk, passing.pk


def test_newest_first_by_default_and_relevance_on_request(find, ranked):
    about, passing = ranked
    assert find("円安") == [passing, about]
    assert find("円安", sort="newest") == [passing, about]
    assert find("円安", sort="relevance") == [about, passing]


def test_unknown_sort_falls_back_to_newest(visitor, ranked, page_ids):
    about, passing = ranked
    assert page_ids(visitor, q="円安", sort="bm25") == [passing, about]
    assert services.search("円安", sort="bm25").hits[0].article.pk == passing
    assert visitor.get("/api/v1/search", {"q": "円安", "sort": "bm25"}).status_code == 422


@pytest.fixture
def many(make, index):
    articles = [make.article(headline=f"選挙の話題その{n}") for n in range(7)]
    index(*articles)
    return [a.pk for a in articles]  # newest first


def test_counts_and_limit_offset(visitor, many):
    page = services.search("選挙", limit=3, offset=0)
    assert page.count == 7 and [h.article.pk for h in page.hits] == many[:3]
    page = services.search("選挙", limit=3, offset=6)
    assert page.count == 7 and [h.article.pk for h in page.hits] == many[6:]
    data = visitor.get("/api/v1/search", {"q": "選挙", "limit": 2, "offset": 3}).json()
    assert data["count"] == 7 and not data["count_capped"]
    assert [item["id"] for item in data["items"]] == many[3:5]
    data = visitor.get("/api/v1/search", {"q": "選挙", "offset": 10}).json()
    assert data["count"] == 7 and data["items"] == []


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"offset": 10_001}, {"q": "あ" * 10_001}],
)
def test_api_refuses_values_outside_its_limits(visitor, params):
    response = visitor.get("/api/v1/search", {"q": "選挙", **params})
    assert response.status_code == 422
    assert "detail" in response.json()


def test_page_count_and_pagination(visitor, many, settings, parse_html, page_ids):
    settings.PAGE_SIZE = 3
    first = visitor.get("/search/", {"q": "選挙"})
    assert "7件" in parse_html(first).one("p", class_="result-count")["text"]
    assert page_ids(visitor, q="選挙") == many[:3]
    assert page_ids(visitor, q="選挙", page=2) == many[3:6]
    assert page_ids(visitor, q="選挙", page=3) == many[6:]
    assert page_ids(visitor, q="選挙", page=4) == []
    html = parse_html(first)
    assert html.all("a", rel="prev") == []
    assert "page=2" in html.one("a", rel="next")["href"]
    last = parse_html(visitor.get("/search/", {"q": "選挙", "page": 3}))
    assert last.all("a", rel="next") == []
    assert "page=2" in last.one("a", rel="prev")["href"]
    # A page number that is not one, or beyond the bound, is a Japanese 404.
    for bad in ("二", "-1", "0", "101", "1.5", "", "9" * 400):
        response = visitor.get("/search/", {"q": "選挙", "page": bad})
        assert response.status_code == 404, bad
        assert "ページ番号は1から100までの数字で指定してください。" in response.text


def test_pager_keeps_the_query_and_filters(visitor, many, settings, parse_html):
    settings.PAGE_SIZE = 3
    response = visitor.get("/search/", {"q": "選挙", "sort": "relevance", "section": "national"})
    href = parse_html(response).one("a", rel="next")["href"]
    assert "sort=relevance" in href and "section=national" in href and "page=2" in href


def test_no_hits_and_empty_query_give_a_japanese_hint(visitor, news):
    response = visitor.get("/search/", {"q": "存在しない言葉ですよ"})
    assert response.status_code == 200 and "見つかりませんでした" in response.text
    data = visitor.get("/api/v1/search", {"q": "、。!?"}).json()
    assert data["count"] == 0 and data["items"] == [] and data["hint"]
    assert visitor.get("/search/").status_code == 200


@pytest.mark.parametrize(
    ("written", "usual"),
    [
        ("ｻﾝｸﾄﾍﾟﾃﾙﾌﾞﾙｸ", "サンクトペテルブルク"),
        ("附属病院", "付属病院"),
        ("ウィルス", "ウイルス"),
        ("２０２５年", "2025年"),
        ("ＡＩ", "AI"),
        ("國學院", "国学院"),
        ("櫻", "桜"),
        ("コンピュータ", "コンピューター"),
    ],
)
def test_a_word_in_another_form_finds_what_its_usual_form_finds(find, make, index, written, usual):
    as_written = make.article(headline=f"{written}の話題", lead="本文。")
    as_usual = make.article(headline="別の記事", lead=f"地元の{usual}が話題になった。")
    make.article(headline="関係のない記事", lead="天気は晴れ。")
    index(*Article.objects.all())
    expected = [as_written.pk, as_usual.pk]
    assert find(usual) == expected
    assert find(written) == expected
    assert find(f'"{written}"') == expected


@pytest.mark.parametrize("written", ["国学院について。", "國學院について。", "国学院が"])
def test_a_name_is_found_whatever_follows_it(find, make, index, written):
    # In 国学院について the dictionary reads 国学 + 院; the analysis joins them again.
    article = make.article(headline="大学の話題", lead=written)
    index(article)
    assert find("国学院") == [article.pk]
    assert find("國學院") == [article.pk]


@pytest.mark.parametrize("query", ["トランプ", "トランプ氏"])
def test_a_name_finds_its_compounds(find, make, index, query):
    president = make.article(headline="トランプ大統領が演説")
    government = make.article(headline="トランプ政権の方針")
    other = make.article(headline="大統領選の行方")
    index(president, government, other)
    expected = [president.pk, government.pk] if query == "トランプ" else []
    assert find(query) == expected


def test_search_within_headline_subheadline_and_body(find, make, index):
    headline = make.article(headline="半導体の新工場")
    subheadline = make.article(headline="見出し", subheadline="半導体が不足")
    body = make.article(body_source="本文で半導体に触れる。")
    index(headline, subheadline, body)
    assert find("半導体") == [headline.pk, subheadline.pk, body.pk]


# What is never found -------------------------------------------------------------------


def test_drafts_scheduled_and_unpublished_are_never_found(find, make, index):
    future = timezone.now() + timedelta(days=1)
    published = make.article(headline="非公開テスト 公開済み")
    draft = make.article(headline="非公開テスト 下書き", status=Article.Status.DRAFT)
    scheduled = make.article(headline="非公開テスト 予約", published_at=future)
    assert scheduled.status == Article.Status.SCHEDULED
    assert index(published, draft, scheduled) == 1
    assert find("非公開テスト") == [published.pk]
    assert find("下書き") == [] and find("予約") == []


def test_results_are_found_by_the_ids_their_keys_were_made_from_or_else_by_their_keys(
    find, make, index
):
    """A result's article is read by the id its index key was made from; when that is
    not the article (an id past ID_SPACE, a publication time changed before the index
    caught up), the key is looked up through the stored documents instead."""
    older = make.article(headline="鍵から記事 先の記事")
    far = make.article(pk=indexing.ID_SPACE + older.pk, headline="鍵から記事 遠い番号")
    moved = make.article(headline="鍵から記事 時刻訂正")
    index(older, far, moved)
    # Moved an hour back without the index knowing yet: still found, at its old place.
    Article.objects.filter(pk=moved.pk).update(published_at=moved.published_at - timedelta(hours=1))
    assert find("鍵から記事") == [older.pk, far.pk, moved.pk]
    assert find("遠い番号") == [far.pk]


def test_unpublishing_removes_and_republishing_restores(
    find, make, editor, django_capture_on_commit_callbacks
):
    article = make.article(status=Article.Status.DRAFT, headline="取り消される記事")
    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish(article, by=editor)
    assert find("取り消す") == [article.pk]
    with django_capture_on_commit_callbacks(execute=True):
        publishing.unpublish(article, by=editor)
    assert find("取り消す") == []
    assert not SearchDocument.objects.filter(article_id=article.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish(article, by=editor)
    assert find("取り消す") == [article.pk]


def test_scheduled_article_is_found_once_its_time_has_come(
    visitor, make, editor, django_capture_on_commit_callbacks, api_ids
):
    noon = datetime(2025, 3, 31, 3, 0, tzinfo=UTC)
    with time_machine.travel(noon, tick=False):
        article = make.article(status=Article.Status.DRAFT, headline="予約された記事")
        with django_capture_on_commit_callbacks(execute=True):
            publishing.publish(article, by=editor, at=noon + timedelta(hours=1))
        assert api_ids(visitor, q="予約") == []
    with time_machine.travel(noon + timedelta(hours=1, minutes=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            publishing.release_due()
        assert api_ids(visitor, q="予約") == [article.pk]


def test_deleting_an_article_removes_it(find, make, index):
    article = make.article(headline="削除される記事")
    index(article)
    article.delete()
    assert find("削除") == []
    assert services.search("削除").count == 0


def test_correcting_updates_the_index(
    find, make, editor, index, django_capture_on_commit_callbacks
):
    article = make.article(headline="誤りのある記事", body_source="会談は火曜日に開かれた。")
    index(article)
    assert find("火曜日") == [article.pk]
    article.body_source = "会談は水曜日に開かれた。"
    article.save()
    with django_capture_on_commit_callbacks(execute=True):
        publishing.correct(article, "会談の曜日を訂正しました。", by=editor)
    assert find("水曜日") == [article.pk]
    assert find("火曜日") == []
    assert services.search("火曜日").count == 0


def test_editing_a_headline_through_the_publish_flow_updates_the_index(
    find, make, django_capture_on_commit_callbacks
):
    from shinbun.newsroom import tasks

    article = make.article(headline="古い見出し")
    tasks.article_changed(article.pk)
    assert find("古い") == [article.pk]
    article.headline = "新しい見出し"
    article.save()
    tasks.article_changed(article.pk)
    assert find("新しい") == [article.pk] and find("古い") == []


def test_editor_reader_finds_what_visitors_find(client_for, editor, news, api_ids):
    # Editors see drafts in previews, but search lists what is published.
    assert api_ids(client_for(editor), q="予算") == [news["budget"], news["osaka"]]


def test_api_shape(visitor, news):
    data = visitor.get("/api/v1/search", {"q": "東京"}).json()
    assert set(data) >= {"count", "items"}
    assert data["count"] == 2
    item = data["items"][0]
    assert {"id", "url", "headline", "lead", "section", "published_at", "snippet"} <= set(item)
    assert item["headline"] == "東京都が予算案を発表"
    assert item["section"] == {"slug": "economy", "name": "経済"}
    assert "<mark>東京</mark>" in item["snippet"]


def test_an_article_with_a_very_long_word_does_not_stop_indexing(find, make, index):
    neighbour = make.article(headline="隣の記事の見出し")
    long_word = make.article(headline="塩基配列を公開", body_source="GATTACA" * 400)
    index(neighbour, long_word)
    assert find("隣") == [neighbour.pk]
    assert find("塩基配列") == [long_word.pk]


def test_a_ten_thousand_character_article_is_found_by_its_last_words(find, make, index):
    body = "\n\n".join(["景気は緩やかに回復している。" * 20] * 35)  # ~10,000 characters
    article = make.article(headline="長い記事", body_source=body + "\n\n最後に為替の話。")
    index(article)
    assert find("為替") == [article.pk]
    assert find('"為替の話"') == [article.pk]


# Counting caps, and the plan for queries made only of common words
# (engine.Engine.search): the thresholds are made small so that a handful of articles
# takes the paths a million-article archive takes.


def cap_counts(monkeypatch, cap: int) -> None:
    """Counts stop at ``cap`` in every engine."""
    for module in (engine, sqlite, postgres):
        monkeypatch.setattr(module, "COUNT_CAP", cap)


def test_counts_stop_at_the_cap_and_say_so(visitor, many, monkeypatch, parse_html):
    cap_counts(monkeypatch, 5)
    page = services.search("選挙", limit=3)
    assert (page.count, page.count_capped) == (5, True)
    assert [h.article.pk for h in page.hits] == many[:3]
    assert (
        "5件以上"
        in parse_html(visitor.get("/search/", {"q": "選挙"})).one("p", class_="result-count")[
            "text"
        ]
    )


@pytest.fixture
def common_words(monkeypatch):
    """Every word in more than one article counts as common."""
    monkeypatch.setattr(Engine, "narrow", 1)


def test_common_words_few_matches_are_counted_and_paged_exactly(many, common_words):
    page = services.search("選挙", limit=3, offset=3)
    assert (page.count, page.count_capped) == (7, False)
    assert [h.article.pk for h in page.hits] == many[3:6]
    assert [h.article.pk for h in services.search("選挙", sort="relevance").hits] != []


def test_common_words_count_is_estimated_from_how_dense_the_newest_matches_are(
    many, common_words, monkeypatch
):
    cap_counts(monkeypatch, 5)
    monkeypatch.setattr(Engine, "probe", 2)
    # 2 matches among the 2 newest articles: about all 7 match, over the cap.
    for offset in (0, 1, 4):
        page = services.search("選挙", limit=3, offset=offset)
        assert (page.count, page.count_capped) == (5, True)
        assert [h.article.pk for h in page.hits] == many[offset : offset + 3]


def test_common_words_rarely_together_are_counted_exactly(make, index, monkeypatch):
    both = make.article(headline="選挙と台風", published_at=timezone.now() - timedelta(days=9))
    others = [
        make.article(headline=f"{word}の話題", published_at=timezone.now() - timedelta(hours=n))
        for n, word in enumerate(["選挙", "台風"] * 4)
    ]
    index(both, *others)
    monkeypatch.setattr(Engine, "narrow", 2)  # each word is in 5
    monkeypatch.setattr(Engine, "probe", 1)
    page = services.search("選挙 台風")
    # The one match is the oldest of 9 articles: sparse, so it is counted.
    assert (page.count, page.count_capped) == (1, False)
    assert [h.article.pk for h in page.hits] == [both.pk]


def test_relevance_among_common_words_ranks_the_newest_matches(ranked, common_words, monkeypatch):
    about, passing = ranked
    monkeypatch.setattr(Engine, "probe", 1)
    assert [h.article.pk for h in services.search("円安", sort="relevance").hits] == [
        about,
        passing,
    ]
    # The window holds only the newest match: the article all about 円安 is older.
    monkeypatch.setattr(Engine, "window", 1)
    for engine_class in (SQLiteEngine, PostgresEngine):
        monkeypatch.setattr(engine_class, "posting_cost", 1e9)  # the engine's ranking: dearer
    first = services.search("円安", sort="relevance", limit=1)
    assert [h.article.pk for h in first.hits] == [passing]
    # On PostgreSQL with RUM, unless reading the index is cheaper: it ranks every match.
    if ON_POSTGRES and uses_rum(connection.alias):
        monkeypatch.setattr(PostgresEngine, "posting_cost", 0.0)
        first = services.search("円安", sort="relevance", limit=1)
        assert [h.article.pk for h in first.hits] == [about]


def test_a_rare_filter_makes_a_common_word_query_counted_exactly(
    many, make, index, common_words, monkeypatch
):
    sport = make.section(slug="sport", name="スポーツ")
    newest = make.article(headline="選挙と野球", section=sport, published_at=timezone.now())
    index(newest)
    monkeypatch.setattr(Engine, "narrow", 2)  # 選挙 is in 8 articles, sport in 1
    monkeypatch.setattr(Engine, "probe", 1)
    page = services.search("選挙", services.Filters(section="sport"))
    # The one match is also the newest article: judged by density alone it would look
    # like every article matched.
    assert (page.count, page.count_capped) == (1, False)
    assert [h.article.pk for h in page.hits] == [newest.pk]


def test_facet_frequencies_are_kept_in_step(make, index):
    def df(marker):
        return TermStat.objects.filter(form=marker).values_list("df", flat=True).first()

    sport = make.section(slug="sport", name="スポーツ")
    first, second = (make.article(headline=f"野球{n}", section=sport) for n in range(2))
    index(first, second)
    assert df(facet_marker(SECTION, sport.pk)) == 2
    Article.objects.filter(pk=first.pk).update(status=Article.Status.DRAFT)
    index(first)
    assert df(facet_marker(SECTION, sport.pk)) == 1


def _term_stats() -> dict[str, int]:
    return dict(TermStat.objects.values_list("form", "df"))


def test_term_stats_count_every_word_of_an_article_once(make, index):
    """Grammatical words (の, が), content words and facet markers, each once per
    article however often it holds them; withdrawn with the article."""
    first = make.article(headline="台風の進路", lead="台風が近づく。台風の雨。")
    second = make.article(headline="選挙の日程", lead="投票が始まる。")
    index(first, second)
    stats = _term_stats()
    assert (stats["台風"], stats["の"], stats["が"], stats["選挙"]) == (1, 2, 2, 1)
    assert stats[facet_marker(SECTION, first.section_id)] == 2
    Article.objects.filter(pk=first.pk).update(status=Article.Status.DRAFT)
    index(first)
    stats = _term_stats()
    assert (stats["台風"], stats["の"], stats["が"]) == (0, 1, 1)


def test_one_word_counts_from_term_stats_are_the_engines_own_counts(make, index):
    """What a one-word search shows as its count without counting (TermStat's document
    frequency) is, for every form of real articles (content and grammatical words,
    numbers, Latin), what the engine counts for the word; after an article is corrected
    and another withdrawn too. TermStat also equals a recount from the stored tokens
    (the migration that started counting every form)."""
    articles = [
        make.article(headline=item["title"], lead="", body_source=item["body"])
        for _, item in corpus_articles(150)
    ]
    index(*articles)
    engine = backends.backend()

    def compare():
        forms = set()
        for document in SearchDocument.objects.all():
            forms.update(document.title.split(), document.body.split())
        assert len(forms) > 1000
        with connection.cursor() as cursor:
            for form in sorted(forms):
                query = parse_query("")
                query.include = [(form,)]
                plan = engine.plan(query, MIN_KEY, MAX_KEY)
                assert plan.known_count == engine.count(cursor, plan.where, plan.params), form

    compare()
    corrected, withdrawn = articles[0], articles[1]
    corrected.body_source = "訂正した本文です。新しい言葉、訂正済みを含みます。"
    corrected.save()
    Article.objects.filter(pk=withdrawn.pk).update(status=Article.Status.DRAFT)
    index(corrected, withdrawn)
    compare()
    kept = _term_stats()
    recount = importlib.import_module("shinbun.search.migrations.0011_count_every_form").recount
    recount(django_apps, None)
    assert _term_stats() == {form: df for form, df in kept.items() if df}


def test_a_final_sigma_is_a_sigma_to_searches_and_their_counts(make, index):
    """A one-word search's count is TermStat's, its items are the engine's: they agree on
    a word SQLite's former tokenizer read otherwise (it folded a final sigma, which
    analysis now does); with a filter the engine counts."""
    economy = make.section(slug="economy", name="経済")
    lower = make.article(headline="κόσμος の話題", section=economy)
    upper = make.article(headline="ΚΌΣΜΟΣ の話題", section=economy)
    other = make.article(headline="κοσμοσ の話題", section=economy)  # no accent
    index(lower, upper, other)
    for q, expected in [
        ("κόσμος", {lower.pk, upper.pk}),
        ("ΚΌΣΜΟΣ", {lower.pk, upper.pk}),
        ("κοσμοσ", {other.pk}),
    ]:
        for filters in (None, services.Filters(section="economy")):
            page = services.search(q, filters, snippets=False)
            assert {h.article.pk for h in page.hits} == expected, q
            assert page.count == len(expected), q


def test_the_migration_to_kept_words_rewrites_final_sigmas_and_the_engine(make, index):
    """Made as before migration 0012 (a final sigma stored as ς, SQLite's FTS5 table
    with unicode61), the archive is then what indexing makes now."""
    migration = importlib.import_module("shinbun.search.migrations.0012_ascii_tokenizer")
    articles = [
        make.article(headline="κόσμος の話題", lead="κόσμος と κοσμοσ。"),
        make.article(headline="ΚΌΣΜΟΣ の話題", lead="台風の進路。"),
        make.article(headline="台風の進路", lead="雨と風。"),
    ]
    index(*articles)
    now = (
        _term_stats(),
        {d.article_id: (d.title, d.body, d.terms) for d in SearchDocument.objects.all()},
    )
    engine = backends.backend()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            SQLiteEngine().refill(cursor, "unicode61 remove_diacritics 0")
    for document in SearchDocument.objects.all():  # as the former analysis wrote them
        engine.remove([indexing._entry(document)])
        document.title = document.title.replace("κόσμοσ", "κόσμος")
        document.body = document.body.replace("κόσμοσ", "κόσμος")
        document.terms = {f.replace("κόσμοσ", "κόσμος"): n for f, n in document.terms.items()}
        document.save()
        engine.add([indexing._entry(document)])
    TermStat.objects.filter(form="κόσμοσ").update(form="κόσμος")
    editor = type("SchemaEditor", (), {"connection": connection})()
    migration.fold_final_sigma(django_apps, editor)
    migration.refill("ascii")(django_apps, editor)
    assert now == (
        {form: df for form, df in _term_stats().items() if df},
        {d.article_id: (d.title, d.body, d.terms) for d in SearchDocument.objects.all()},
    )
    found = services.search("κόσμος", snippets=False)
    assert {h.article.pk for h in found.hits} == {articles[0].pk, articles[1].pk}
    assert found.count == 2
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'search_fts'")
            assert "tokenize='ascii'" in cursor.fetchone()[0]


def test_a_one_word_search_takes_its_count_from_term_stats(make, index):
    """Over the whole archive, a one-word search sends no count to the engine (and no
    query at all past its matches); with a date range, an excluded word, a filter or a
    second word, or a facet marker typed as a word, it counts."""
    engine_table = backends.backend().table
    articles = [make.article(headline=f"台風{n}号の進路", lead="雨と風。") for n in range(3)]
    index(*articles)

    def engine_counts(q, filters=None, **params):
        with CaptureQueriesContext(connection) as queries:
            page = services.search(q, filters, snippets=False, **params)
        sent = [x["sql"] for x in queries if engine_table in x["sql"]]
        counts = sum(sql.startswith("SELECT count(*) FROM (SELECT 1") for sql in sent)
        return page, counts, len(sent)

    # With RUM, PostgreSQL counts a rare word's matches in the page's own query (count(*)
    # OVER (): the page reads every match anyway), not in a count of its own.
    counting = 0 if ON_POSTGRES and uses_rum(connection.alias) else 1

    page, counts, sent = engine_counts("台風")
    assert (page.count, len(page.hits), counts) == (3, 3, 0)
    if not ON_POSTGRES:  # the page and the count in one statement
        assert sent == 1
    page, counts, _ = engine_counts("台風", limit=2, offset=1)
    assert (page.count, len(page.hits), counts) == (3, 2, 0)
    page, counts, _ = engine_counts("台風", sort="relevance")
    assert (page.count, len(page.hits), counts) == (3, 3, 0)
    for sort in ("newest", "relevance"):
        page, counts, _ = engine_counts("台風", offset=3, sort=sort)
        assert (page.count, page.hits, counts) == (3, [], 0)
    page, counts, sent = engine_counts("存在しない言葉ゾゾゾ")
    assert (page.count, page.hits) == (0, [])
    week = services.Filters(date_from=(timezone.now() - timedelta(days=7)).date())
    national = services.Filters(section=articles[0].section.slug)
    for q, filters in (("台風", week), ("台風 -晴れ", None), ("台風", national), ("台風 雨", None)):
        page, counts, _ = engine_counts(q, filters)
        assert (page.count, counts) == (3, counting), q
    page, counts, _ = engine_counts(facet_marker(SECTION, articles[0].section_id))
    assert (page.count, counts) == (0, counting)


def test_relevance_among_common_words_counts_phrases_in_the_stored_tokens(
    make, index, common_words, monkeypatch
):
    """Queries of common words are ranked by BM25 over the stored tokens on SQLite
    (FTS5's bm25 would first read every posting of the words) and by RUM's distance on
    PostgreSQL: a headline match first, then more occurrences in less text."""
    monkeypatch.setattr(SQLiteEngine, "posting_cost", 1e9)
    filler = "会場には多くの人が集まり、意見を交わした。" * 6
    once = make.article(headline="地方の話題", lead=f"{filler}国民投票が話題になった。")
    twice = make.article(headline="各地の声", lead="国民投票の準備。国民投票の日程。")
    headline = make.article(headline="国民投票の行方", lead="日程が決まった。")
    scattered = make.article(headline="国民の声", lead="投票の前に国民が集まった。")
    index(once, twice, headline, scattered)
    monkeypatch.setattr(Engine, "probe", 1)
    page = services.search('"国民投票"', sort="relevance")
    assert [h.article.pk for h in page.hits] == [headline.pk, twice.pk, once.pk]


def test_a_phrase_is_ranked_by_its_own_occurrences(make, index):
    """Not by the index's order: RUM's in-index order for a phrase query can disagree
    with its own distance (PostgresEngine.ranked)."""
    filler = "会場には多くの人が集まり、意見を交わした。" * 6
    once = make.article(headline="地方の話題", lead=f"{filler}国民投票が話題になった。")
    twice = make.article(headline="各地の声", lead="国民投票の準備。国民投票の日程。")
    headline = make.article(headline="国民投票の行方", lead="日程が決まった。")
    index(once, twice, headline)
    page = services.search('"国民投票"', sort="relevance")
    assert [h.article.pk for h in page.hits] == [headline.pk, twice.pk, once.pk]


@pytest.mark.skipif(not ON_POSTGRES, reason="only PostgreSQL bounds its probe")
def test_common_words_absent_from_the_newest_articles_go_to_the_index(
    make, index, common_words, monkeypatch
):
    old = [
        make.article(
            headline=f"選挙の話題{n}", published_at=timezone.now() - timedelta(days=30 + n)
        )
        for n in range(3)
    ]
    recent = [make.article(headline=f"台風の話題{n}") for n in range(3)]
    index(*old, *recent)
    monkeypatch.setattr(Engine, "probe", 2)
    monkeypatch.setattr(PostgresEngine, "probe_rows", 2)
    for sort in ("newest", "relevance"):
        page = services.search("選挙", sort=sort)
        assert (page.count, page.count_capped) == (3, False)
        assert {h.article.pk for h in page.hits} == {a.pk for a in old}
    page = services.search("選挙", limit=2, offset=1)
    assert [h.article.pk for h in page.hits] == [a.pk for a in old[1:]]


@pytest.fixture
def election_typhoon(make, index):
    """10 articles, newest first: 6 hold 台風, of which ``both`` also hold 選挙; 選挙 is
    also in every article without 台風."""

    def build(both: int):
        articles = []
        for n in range(10):
            words = ["台風"] if n < 6 else []
            if n < both or n >= 6:
                words.append("選挙")
            articles.append(
                make.article(
                    headline=f"{'と'.join(words)}の話題{n}",
                    published_at=timezone.now() - timedelta(hours=n),
                )
            )
        index(*articles)
        return articles

    return build


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's estimate for a rarer word")
def test_a_common_word_beside_a_rarer_one_is_estimated_from_the_rarer_words_count(
    election_typhoon, monkeypatch
):
    """TermStat counts 台風's 6 articles; the share of them holding 選挙 is read from the
    newest articles only (here the 3 newest, which all hold both): 6 x 3/3 = 6
    estimated, over a cap of 3 by more than the margin, without counting. (Counted,
    the matches are 3: the older 台風 articles lack 選挙.)"""
    articles = election_typhoon(both=3)
    cap_counts(monkeypatch, 3)
    monkeypatch.setattr(PostgresEngine, "share_rows", 3)
    monkeypatch.setattr(PostgresEngine, "share_sample", 2)
    for offset in (0, 1):
        page = services.search("選挙 台風", limit=2, offset=offset)
        assert (page.count, page.count_capped) == (3, True)
        assert [h.article.pk for h in page.hits] == [a.pk for a in articles[offset : offset + 2]]
    # Too few of 台風's articles read to be sure, or a page past what was read, or a
    # date range (TermStat's counts are for the whole archive): counted.
    monkeypatch.setattr(PostgresEngine, "share_sample", 4)
    page = services.search("選挙 台風", limit=2)
    assert (page.count, page.count_capped) == (3, False)
    monkeypatch.setattr(PostgresEngine, "share_sample", 2)
    page = services.search("選挙 台風", limit=2, offset=2)
    assert (page.count, page.count_capped) == (3, False)
    assert [h.article.pk for h in page.hits] == [articles[2].pk]
    week = services.Filters(date_from=(timezone.now() - timedelta(days=7)).date())
    assert services.search("選挙 台風", week).count_capped is False


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's estimate for a rarer word")
def test_two_common_words_between_the_cap_and_sure_are_estimated_from_the_rarer_word(
    make, index, monkeypatch
):
    """20 articles, newest first: 台風 in the 14 newest, 選挙 in every fourth of those and
    the 6 oldest; both more common than ``narrow`` (9). The 2 newest matches lie in 5
    articles (0.4 x 20 = 8: over the cap of 2, under ``narrow``): the share of 選挙's
    newest articles holding 台風 (4 of 10) is read instead of counting, and its matches
    give the next page. With too few of them read to be sure, the matches are
    counted."""
    articles = []
    for n in range(20):
        words = (["台風"] if n < 14 else []) + (["選挙"] if n % 4 == 0 or n >= 14 else [])
        articles.append(
            make.article(
                headline=f"{'と'.join(words)}の話題{n}",
                published_at=timezone.now() - timedelta(hours=n),
            )
        )
    index(*articles)
    cap_counts(monkeypatch, 2)
    monkeypatch.setattr(PostgresEngine, "narrow", 9)
    monkeypatch.setattr(PostgresEngine, "probe", 2)
    monkeypatch.setattr(PostgresEngine, "probe_rows", 20)
    monkeypatch.setattr(PostgresEngine, "share_rows", 20)
    monkeypatch.setattr(PostgresEngine, "share_sample", 2)
    counts = "SELECT 1 FROM search_tsv WHERE"

    def search(**params):
        with CaptureQueriesContext(connection) as queries:
            page = services.search("選挙 台風", snippets=False, limit=2, **params)
        counted = any(counts in query["sql"] for query in queries)
        return (page.count, page.count_capped), [h.article.pk for h in page.hits], counted

    matches = [articles[n].pk for n in (0, 4, 8, 12)]
    assert search() == ((2, True), matches[:2], False)
    assert search(offset=2) == ((2, True), matches[2:], False)
    monkeypatch.setattr(PostgresEngine, "share_sample", 11)
    assert search() == ((2, True), matches[:2], True)


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's estimate for a rarer word")
def test_a_rarer_word_seldom_beside_the_common_one_is_counted_exactly(
    election_typhoon, monkeypatch
):
    """選挙 is in 6 of 10 articles and 台風 in 6: independent, 3.6 matches, over the
    cap of 3; but only 2 of 台風's articles hold 選挙, so the matches are counted."""
    articles = election_typhoon(both=2)
    cap_counts(monkeypatch, 3)
    monkeypatch.setattr(PostgresEngine, "share_sample", 2)
    page = services.search("選挙 台風")
    assert (page.count, page.count_capped) == (2, False)
    assert [h.article.pk for h in page.hits] == [a.pk for a in articles[:2]]


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's one-pass count and ranking")
def test_relevance_of_rare_words_counts_and_pages_as_a_count_and_a_ranking_do(
    election_typhoon,
):
    """PostgreSQL with RUM counts a rare word's matches on the way through its ranked
    matches (one query); the count and every page equal a count followed by the
    ranking, including a page past the end."""
    election_typhoon(both=3)
    engine = backends.backend()
    assert uses_rum(connection.alias)  # the README's install adds it
    for raw in ("台風", "選挙 台風", "選挙 -台風"):
        query = parse_query(raw)
        for offset in (0, 2, 4, 9):
            got = engine.search(query, "relevance", 2, offset, MIN_KEY, MAX_KEY)
            with connection.cursor() as cursor:
                plan = engine.plan(query, MIN_KEY, MAX_KEY)
                count, keys = Engine.counted_ranked(engine, cursor, plan, 2, offset)
            assert (got.count, got.sort_keys) == (count, keys), (raw, offset)


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's walk of the newest rows")
def test_relevance_among_common_words_ranks_the_newest_window_of_matches(make, index, monkeypatch):
    """Relevance among common words ranks the newest ``window`` matches, read walking the
    key down: a window of 2 holds the two newest matches, one of 3 reaches the article
    all about 台風, which comes first."""
    now = timezone.now()
    headlines = ["台風が接近", "台風の進路", "株価の話題", "選挙の話題", "野球の話題"]
    newer = [
        make.article(headline=text, published_at=now - timedelta(hours=n))
        for n, text in enumerate(headlines)
    ]
    about = make.article(
        headline="台風の被害",
        lead="台風が上陸した。台風で停電が起き、台風の被害が広がる。",
        published_at=now - timedelta(days=2),
    )
    older = make.article(headline="台風の季節", published_at=now - timedelta(days=3))
    index(*newer, about, older)
    monkeypatch.setattr(Engine, "narrow", 1)  # 台風 is a common word
    monkeypatch.setattr(Engine, "probe", 2)  # 2 matches in the 2 newest
    monkeypatch.setattr(PostgresEngine, "posting_cost", 1e9)  # walk the rows

    def ranked(window):
        monkeypatch.setattr(Engine, "window", window)
        page = services.search("台風", sort="relevance", snippets=False, limit=2)
        return [h.article.pk for h in page.hits]

    assert ranked(2) == [newer[0].pk, newer[1].pk]
    assert ranked(3)[0] == about.pk
