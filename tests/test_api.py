"""The JSON API at /api/v1/."""

from datetime import datetime

import pytest

from shinbun.newsroom.models import Article
from tests.conftest import BODY_MARKER

SUMMARY_FIELDS = {"id", "url", "headline", "access", "section", "published_at"}


@pytest.fixture
def catalogue(make):
    economy = make.section(slug="economy", name="経済")
    politics = make.section(slug="politics", name="政治")
    series = make.series(slug="wages")
    column = make.column(slug="keizai")
    keyword = make.keyword(slug="賃金", name="賃金")
    in_series = make.article(section=economy, series=series, keywords=[keyword], access="paid")
    in_column = make.article(section=economy, column=column, keywords=[keyword])
    plain = make.article(section=politics, access="members")
    make.article(section=politics, status="draft")
    return {"series": in_series, "column": in_column, "plain": plain}


def test_sections(visitor, make):
    make.section(slug="politics", name="政治", position=2)
    make.section(slug="economy", name="経済", position=1)
    response = visitor.get("/api/v1/sections")
    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "items": [{"slug": "economy", "name": "経済"}, {"slug": "politics", "name": "政治"}],
    }


def test_article_list_shape(visitor, catalogue):
    data = visitor.get("/api/v1/articles").json()
    assert set(data) == {"items", "next"}  # no count: the list is walked, never counted
    assert data["next"] is None  # the draft is not listed; three fit one page
    newest_first = [catalogue["series"].pk, catalogue["column"].pk, catalogue["plain"].pk]
    assert [item["id"] for item in data["items"]] == newest_first
    item = data["items"][0]
    assert set(item) >= SUMMARY_FIELDS
    assert item["url"] == f"http://testserver/articles/{item['id']}/"
    assert item["access"] == "paid"
    assert item["section"] == {"slug": "economy", "name": "経済"}
    assert datetime.fromisoformat(item["published_at"]) == catalogue["series"].published_at
    assert {i["access"] for i in data["items"]} == {"free", "members", "paid"}
    assert BODY_MARKER not in str(data)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"section": "economy"}, ["series", "column"]),
        ({"section": "politics"}, ["plain"]),
        ({"series": "wages"}, ["series"]),
        ({"column": "keizai"}, ["column"]),
        ({"keyword": "賃金"}, ["series", "column"]),
        ({"section": "economy", "column": "keizai"}, ["column"]),
        ({"section": "<script>alert(1)</script>"}, []),
        ({"keyword": "なし"}, []),
        ({"limit": "1"}, ["series"]),
        ({"limit": "2"}, ["series", "column"]),
    ],
)
def test_article_list_filters(visitor, catalogue, query, expected):
    response = visitor.get("/api/v1/articles", query)
    assert response.status_code == 200
    data = response.json()
    assert [item["id"] for item in data["items"]] == [catalogue[name].pk for name in expected]


@pytest.mark.parametrize("limit", [1, 2, 3, 7])
def test_article_list_walks_by_cursor_to_its_end(visitor, make, limit):
    moment = make.article().published_at
    for _ in range(5):  # articles sharing one time are told apart by id
        make.article(published_at=moment)
    make.article(status="draft")
    expected = list(
        Article.objects.published().order_by("-published_at", "-id").values_list("pk", flat=True)
    )
    seen, query, pages = [], {"limit": limit}, 0
    while True:
        data = visitor.get("/api/v1/articles", query).json()
        pages += 1
        seen += [item["id"] for item in data["items"]]
        if data["next"] is None:
            break
        query = {"limit": limit, "before": data["next"]}
    assert seen == expected
    assert pages == -(-len(expected) // limit)


def test_a_cursor_past_the_end_is_an_empty_page(visitor, catalogue):
    data = visitor.get("/api/v1/articles", {"before": "1-1"}).json()
    assert data == {"items": [], "next": None}


@pytest.mark.parametrize("cursor", ["abc", "", "1.5-2", "-1-2", "9" * 18 + "-1", f"1-{2**63}"])
def test_bad_cursor_is_a_japanese_400(visitor, catalogue, cursor):
    response = visitor.get("/api/v1/articles", {"before": cursor})
    assert response.status_code == 400
    assert response.json() == {"detail": "ページの指定(カーソル)が正しくありません。"}


def test_article_detail(visitor, catalogue):
    article = catalogue["column"]
    response = visitor.get(f"/api/v1/articles/{article.pk}")
    assert response.status_code == 200
    data = response.json()
    assert set(data) >= SUMMARY_FIELDS
    assert data["headline"] == article.headline
    assert data["full_text"] is True
    assert data["body"][0] == {
        "type": "p",
        "html": article.blocks[0]["html"],
        "text": None,
        "key": None,
    }
    assert data["keywords"] == [{"slug": "賃金", "name": "賃金"}]
    assert data["column"]["slug"] == "keizai"
    assert data["series"] is None
    assert data["recommendations"] == []


def test_paid_detail_is_lead_only_for_a_visitor(visitor, catalogue):
    data = visitor.get(f"/api/v1/articles/{catalogue['series'].pk}").json()
    assert data["full_text"] is False
    assert data["body"] == []
    assert data["lead"] == catalogue["series"].lead
    assert BODY_MARKER not in str(data)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/articles?limit=0",
        "/api/v1/articles?limit=101",
        "/api/v1/articles?limit=-5",
        "/api/v1/articles?limit=abc",
        "/api/v1/articles?before=" + "9" * 500,
        "/api/v1/articles?before=abc",
        f"/api/v1/search?q=a&offset={10**30}",
        "/api/v1/search?q=a&offset=10001",
        f"/api/v1/articles?limit={10**30}",
        "/api/v1/articles?section=" + "x" * 500,
        "/api/v1/articles/abc",
        "/api/v1/articles/999999",
        f"/api/v1/articles/{10**30}",
        f"/api/v1/articles/{2**63}",
        "/api/v1/articles/-1",
        "/api/v1/nothing",
    ],
)
def test_bad_requests_get_json_4xx(visitor, catalogue, url):
    response = visitor.get(url)
    assert 400 <= response.status_code < 500, (url, response.status_code)
    if "/nothing" not in url:
        assert response["Content-Type"].startswith("application/json")
        assert "detail" in response.json()


def test_draft_and_scheduled_are_not_found(visitor, make):
    draft = make.article(status="draft")
    scheduled = make.article(published_at=datetime.fromisoformat("2099-01-01T00:00:00+09:00"))
    for article in (draft, scheduled):
        response = visitor.get(f"/api/v1/articles/{article.pk}")
        assert response.status_code == 404
        assert response.json() == {"detail": "見つかりませんでした。"}


def test_openapi_document(visitor, db):
    response = visitor.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/sections", "/api/v1/articles", "/api/v1/articles/{article_id}"} <= set(
        spec["paths"]
    )
    params = {p["name"]: p for p in spec["paths"]["/api/v1/articles"]["get"]["parameters"]}
    assert {"section", "series", "column", "keyword", "limit", "before"} <= set(params)
    assert "offset" not in params
    assert "next" in params["before"]["description"]
    assert "1〜100" in params["limit"]["description"]
    search = {p["name"]: p for p in spec["paths"]["/api/v1/search"]["get"]["parameters"]}
    assert "10,000" in search["offset"]["description"]
