"""Whatever a reader types, the search page and the API answer (never a 500).

Property-based (hypothesis): query strings full of FTS5 and tsquery syntax, stray
quotes, stop words, emoji, control characters and very long strings. Run on SQLite and
on PostgreSQL, this covers both backends.
"""

from unittest import mock

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from shinbun.core.pagination import BAD_PAGE
from shinbun.search import services
from shinbun.search.engine import Engine

SYNTAX = [
    '"',
    "'",
    "*",
    "NEAR",
    "NEAR(",
    "NEAR/2",
    "AND",
    "OR",
    "NOT",
    "(",
    ")",
    "-",
    ":",
    "!",
    "&",
    "|",
    "<->",
    "<2>",
    "^",
    "+",
    "{",
    "}",
    "title:",
    "{title body}:",
    "facets:",
    "zzsec1",
    "rowid",
    "\\",
    "%",
    "_",
    "の",
    "は",
    "を",
    "東京",
    "予算",
    "ｱ",
    "ＡＩ",
    "🎉",
    "👨‍👩‍👧",
    "\x00",
    "\x1b",
    "\x7f",
    "\u200b",
    "\ufeff",
    "\u3000",
    "「",
    "」",
    "\n",
    "\t",
    " ",
]

queries = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(SYNTAX), max_size=40).map("".join),
    st.lists(st.sampled_from(SYNTAX), max_size=40).map(" ".join),
    st.builds(
        lambda piece, times: (piece * times)[:10_000],
        st.sampled_from(["あ", "東京 ", '"', "-の ", "🎉", "a", "NEAR(", "\x00", "ｻﾝｸﾄ"]),
        st.integers(1, 10_000),
    ),
)
# Readers' other parameters, arbitrary too (NUL aside: see the test below).
params = st.fixed_dictionaries(
    {},
    optional={
        "sort": st.one_of(st.sampled_from(["newest", "relevance"]), st.text(max_size=20)),
        "page": st.one_of(st.integers(-5, 10**30).map(str), st.text(max_size=10)),
        "from": st.one_of(st.dates().map(str), st.text(max_size=12)),
        "to": st.one_of(st.dates().map(str), st.text(max_size=12)),
        "section": st.one_of(st.just("national"), st.text(max_size=30)),
        "keyword": st.text(max_size=30),
    },
).map(lambda d: {k: v.replace("\x00", "") for k, v in d.items()})

TRICKY = [
    '"',
    '""',
    '"東京',
    '東京"',
    '-"',
    "-",
    "--東京",
    "東京 -",
    "NEAR(東京 予算, 2)",
    "東京 AND 予算 OR NOT *",
    "東京* ^予算",
    "title:東京",
    "{title body} : 東京",
    "予算 & !東京 | (東京 <-> 予算)",
    "東京:* & 予算:A",
    "の",
    "の は を",
    "🎉",
    "\x00\x01\x02",
    "あ" * 10_000,
    '"' * 10_000,
    "東京 " * 2_000,
]


@pytest.fixture
def archive(make, index):
    articles = [
        make.article(headline="東京都の予算", lead="東京都は予算案を発表した。"),
        make.article(headline="NEAR and OR", lead="English words: near, and, or, not."),
        make.article(headline="の", lead="の"),
        make.article(access="paid", headline="有料の記事", lead="東京の予算について。"),
    ]
    index(*articles)


def check_page(client, q, **extra):
    response = client.get("/search/", {"q": q, **extra})
    if response.status_code == 404 and "page" in extra:  # not a page number in 1..100
        assert BAD_PAGE in response.text
        return
    assert response.status_code == 200, (q, extra)


def check_api(client, q, **extra):
    response = client.get("/api/v1/search", {"q": q, **extra})
    if len(q) > 10_000:
        assert response.status_code == 422
        return
    allowed = {200, 422} if extra else {200}
    assert response.status_code in allowed, (q, extra, response.content[:300])
    data = response.json()
    if response.status_code == 200:
        assert isinstance(data["count"], int) and isinstance(data["items"], list)
        assert len(data["items"]) <= data["count"]
    else:
        assert "detail" in data


@pytest.mark.parametrize("q", TRICKY)
def test_tricky_queries_answer(visitor, archive, q):
    check_page(visitor, q)
    check_api(visitor, q)
    page = services.search(q, sort="relevance")
    assert page.count >= 0


@settings(max_examples=120)
@given(q=queries)
@example(q="東京")
def test_any_query_string_answers_on_the_page_and_the_api(visitor, archive, q):
    check_page(visitor, q)
    check_api(visitor, q)


@settings(max_examples=60)
@given(q=queries, extra=params)
def test_any_query_with_any_parameters_answers(visitor, archive, q, extra):
    check_page(visitor, q, **extra)
    check_api(visitor, q, **extra)


@settings(max_examples=40)
@given(q=queries)
def test_relevance_sort_on_any_query(visitor, archive, q):
    check_page(visitor, q, sort="relevance")
    check_api(visitor, q, sort="relevance")


@settings(max_examples=60)
@given(q=queries, extra=params, sort=st.sampled_from(["newest", "relevance"]))
def test_any_query_answers_when_every_word_counts_as_common(visitor, archive, q, extra, sort):
    """Queries made only of common words are answered another way (estimated counts,
    the newest matches first); with the threshold below zero every query is."""
    with mock.patch.object(Engine, "narrow", -1):
        check_page(visitor, q, **{"sort": sort, **extra})
        check_api(visitor, q, **{"sort": sort, **extra})


def test_syntax_is_text_not_operators(visitor, archive):
    # "OR" is a word to look for, not an operator widening the search.
    data = visitor.get("/api/v1/search", {"q": "東京 OR 存在しない"}).json()
    assert data["count"] == 0
    data = visitor.get("/api/v1/search", {"q": "near OR"}).json()
    assert data["count"] == 1
    # A stray quote or a lone minus does not change what the other words find.
    assert visitor.get("/api/v1/search", {"q": '東京 "'}).json()["count"] == 2
    assert visitor.get("/api/v1/search", {"q": "東京 -"}).json()["count"] == 2


def test_only_stop_words_and_nothing_to_search(visitor, archive):
    assert visitor.get("/search/", {"q": "の"}).status_code == 200
    response = visitor.get("/search/", {"q": "「」、。!? ★"})
    assert response.status_code == 200 and "検索できる語が含まれていません" in response.text


@pytest.mark.parametrize(
    "query_string",
    ["q=%ff%fe", "q=%e6%9d%b1%e4", "q=%c0%af&sort=%ff", "q=%ed%a0%80", "q=東京&page=%ff", "q=%"],
)
def test_invalid_utf8_in_the_url(visitor, archive, query_string):
    expected = 404 if "page=" in query_string else 200  # a page number that is not one
    assert visitor.get(f"/search/?{query_string}").status_code == expected
    response = visitor.get(f"/api/v1/search?{query_string}")
    assert response.status_code in {200, 422}
    assert "items" in response.json() or "detail" in response.json()


@pytest.mark.parametrize("name", ["section", "series", "column", "keyword"])
def test_nul_in_a_filter_answers(visitor, archive, name):
    assert visitor.get("/search/", {"q": "東京", name: "a\x00b"}).status_code == 200
    assert visitor.get("/api/v1/search", {"q": "東京", name: "a\x00b"}).status_code in {200, 422}


def test_long_query_is_cut_not_refused(visitor, archive):
    q = "東京 " + "あ" * 9_990
    assert visitor.get("/search/", {"q": q}).status_code == 200
    assert visitor.get("/api/v1/search", {"q": q}).status_code == 200


@pytest.mark.parametrize(
    "dates",
    [
        {"to": "9999-12-31"},
        {"from": "0001-01-01"},
        {"from": "0001-01-01", "to": "9999-12-31"},
        {"from": "9999-12-31"},
        {"to": "0001-01-01"},
    ],
)
def test_extreme_dates_answer(visitor, archive, dates):
    assert visitor.get("/search/", {"q": "東京", **dates}).status_code == 200
    response = visitor.get("/api/v1/search", {"q": "東京", **dates})
    assert response.status_code == 200, response.content[:300]


def test_extreme_dates_are_the_ends_of_the_archive(visitor, archive):
    """A date past either end of the archive filters as that end: everything up to the
    year 9999 is everything, nothing is older than the year 1."""
    every = visitor.get("/api/v1/search", {"q": "東京"}).json()["count"]
    assert every == 2
    for dates, expected in (
        ({"from": "0001-01-01", "to": "9999-12-31"}, every),
        ({"from": "9999-12-31"}, 0),
        ({"to": "0001-01-01"}, 0),
    ):
        assert visitor.get("/api/v1/search", {"q": "東京", **dates}).json()["count"] == expected
        page = visitor.get("/search/", {"q": "東京", **dates}).text.replace("<wbr>", "")
        assert ("東京都の予算" in page) is bool(expected)
