"""Saved articles and figures (記事を保存する, 図表を保存する), following from the series,
column, keyword and search pages, and the API of follows, My News and saved items."""

import pytest

from shinbun.members.entitlements import Reader, ReaderKind
from shinbun.mynews import entries, services
from shinbun.mynews.models import Follow, SavedArticle, SavedFigure
from shinbun.newsroom.models import Article
from tests.concurrency import at_once
from tests.test_article_page import FIGURE_TEXT, SAVE_TEXT

PAID = Reader(ReaderKind.PAID, 1)
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def figure_article(make):
    figure = make.figure()
    article = make.article(body_source=f"本文。\n\n[[figure:{figure.key}]]\n\n続き。")
    return figure, article


def button_states(client, article, parse_html) -> dict:
    doc = parse_html(client.get(article.get_absolute_url()))
    return {
        form["action"]: form["data-state"]
        for form in doc.all("form", class_="member-action")
        if form["action"].startswith("/saved/")
    }


def test_saving_an_article_and_a_figure_shows_on_the_page_and_in_the_lists(
    paid_member, figure_article, client_for, parse_html
):
    figure, article = figure_article
    client = client_for(paid_member)
    article_action = f"/saved/articles/{article.pk}/"
    figure_action = f"/saved/figures/{figure.pk}/"
    assert button_states(client, article, parse_html) == {
        article_action: "off",
        figure_action: "off",
    }
    assert client.post(article_action, {"state": "on"}, **JSON).json()["state"] == "on"
    response = client.post(figure_action, {"state": "on", "article": article.pk}, **JSON)
    assert response.json() == {"state": "on", "message": "図表を保存しました。"}
    # The page is the cached variant; the states are this member's.
    assert button_states(client, article, parse_html) == {
        article_action: "on",
        figure_action: "on",
    }
    saved = client.get("/saved/")
    assert saved.status_code == 200 and article.headline in saved.text
    figures = client.get("/saved/figures/")
    assert figures.status_code == 200
    assert figure.caption in figures.text and article.headline in figures.text
    assert f"{article.get_absolute_url()}#figure-{figure.key}" in figures.text


def test_saving_twice_and_removing_twice_are_harmless(paid_member, figure_article, client_for):
    figure, article = figure_article
    client = client_for(paid_member)

    def send(kind, pk, state):
        return client.post(f"/saved/{kind}/{pk}/", {"state": state}, **JSON).status_code

    for _ in range(2):
        assert send("articles", article.pk, "on") == send("figures", figure.pk, "on") == 200
    assert SavedArticle.objects.count() == SavedFigure.objects.count() == 1
    for _ in range(2):
        assert send("articles", article.pk, "off") == send("figures", figure.pk, "off") == 200
    assert SavedArticle.objects.count() == SavedFigure.objects.count() == 0
    # Re-saving after removing works again.
    assert client.post(f"/saved/articles/{article.pk}/", {"state": "on"}, **JSON).status_code == 200
    assert SavedArticle.objects.count() == 1


def test_saving_without_js_comes_back_to_the_article(paid_member, figure_article, client_for):
    figure, article = figure_article
    client = client_for(paid_member)
    response = client.post(
        f"/saved/articles/{article.pk}/", {"state": "on", "next": article.get_absolute_url()}
    )
    assert response.status_code == 302 and response["Location"] == article.get_absolute_url()
    assert "記事を保存しました。" in client.get(article.get_absolute_url()).text


@pytest.mark.parametrize("name", ["free_member", "expert", "editor"])
def test_only_paid_members_may_save(name, request, figure_article, client_for):
    figure, article = figure_article
    client = client_for(request.getfixturevalue(name))
    response = client.post(f"/saved/articles/{article.pk}/", {"state": "on"}, **JSON)
    assert response.status_code == 403 and response.json()["message"] == SAVE_TEXT
    response = client.post(f"/saved/figures/{figure.pk}/", {"state": "on"}, **JSON)
    assert response.status_code == 403 and response.json()["message"] == FIGURE_TEXT
    for path in ("/saved/", "/saved/figures/"):
        closed = client.get(path)
        assert closed.status_code == 403 and "有料会員の方のみご利用になれます。" in closed.text
    assert not SavedArticle.objects.exists() and not SavedFigure.objects.exists()


def test_unknown_or_hidden_things_cannot_be_saved(paid_member, make, client_for):
    client = client_for(paid_member)
    draft = make.article(status=Article.Status.DRAFT)
    for path in (
        f"/saved/articles/{draft.pk}/",
        "/saved/articles/999999/",
        "/saved/figures/999999/",
    ):
        response = client.post(path, {"state": "on"}, **JSON)
        assert response.status_code == 404, path
        assert response.json()["title"] == "エラー" and response.json()["message"]
    assert client.post("/saved/articles/1/", {"state": "maybe"}, **JSON).status_code == 400
    assert client.get("/saved/articles/1/").status_code == 405
    assert client.get("/saved/?before=garbage").status_code == 404


def test_saved_lists_page_newest_saved_first(paid_member, make, client_for):
    articles = [make.article() for _ in range(25)]
    for article in articles:
        services.save_article(paid_member, PAID, article.pk)
    client = client_for(paid_member)
    first = client.get("/saved/")
    assert [a.pk for a in first.context["articles"]] == [a.pk for a in articles[::-1][:20]]
    second = client.get(f"/saved/?before={first.context['next']}")
    assert [a.pk for a in second.context["articles"]] == [a.pk for a in articles[::-1][20:]]
    assert second.context["next"] is None


def test_an_unpublished_saved_article_leaves_the_list(paid_member, make, client_for):
    article = make.article()
    services.save_article(paid_member, PAID, article.pk)
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)
    assert article.headline not in client_for(paid_member).get("/saved/").text


def errors_of(action, times: int = 6) -> list[Exception]:
    """The exceptions raised by the action run in several threads at the same moment."""
    return [r for r in at_once(*[action] * times) if isinstance(r, Exception)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_and_follows_leave_one_row(paid_member, make):
    article, series = make.article(), make.series()
    assert errors_of(lambda: services.save_article(paid_member, PAID, article.pk)) == []
    assert SavedArticle.objects.filter(user=paid_member, article=article).count() == 1
    assert errors_of(lambda: services.follow(paid_member, PAID, "series", series.slug)) == []
    assert errors_of(lambda: services.follow(paid_member, PAID, "word", "半導体")) == []
    assert Follow.objects.filter(user=paid_member).count() == 2


# Following from other pages ----------------------------------------------------------------


def test_follow_from_series_column_and_keyword_pages(
    paid_member, free_member, make, client_for, parse_html
):
    series, column, keyword = make.series(), make.column(), make.keyword()
    client = client_for(paid_member)
    for kind, obj in (("series", series), ("column", column), ("keyword", keyword)):
        doc = parse_html(client.get(obj.get_absolute_url()))
        form = doc.one("form", class_="member-action")
        assert form["data-state"] == "off"
        target = doc.one("input", name="target")["value"]
        assert target == obj.slug
        client.post("/mynews/follow/", {"kind": kind, "target": target, "state": "on"})
        assert (
            parse_html(client.get(obj.get_absolute_url())).one("form", class_="member-action")[
                "data-state"
            ]
            == "on"
        )
    assert Follow.objects.filter(user=paid_member).count() == 3
    gate = parse_html(client_for(free_member).get(series.get_absolute_url())).one(
        "details", class_="gate-follow"
    )
    assert "有料会員の方のみご利用になれます。" in gate["text"]


def test_follow_a_word_from_the_search_page(paid_member, make, client_for, parse_html):
    client = client_for(paid_member)
    doc = parse_html(client.get("/search/?q=生成AI"))
    form = doc.one("form", class_="member-action")
    assert form["data-state"] == "off"
    assert doc.one("input", name="target")["value"] == "生成AI"
    assert "この言葉をフォロー" in doc.one("div", class_="search-follow")["text"]
    client.post("/mynews/follow/", {"kind": "word", "target": "生成AI", "state": "on"})
    # 全角 in the query is the same word.
    doc = parse_html(client.get("/search/?q=生成ＡＩ"))
    assert doc.one("form", class_="member-action")["data-state"] == "on"
    # A query of several words or an exclusion offers no follow.
    assert not parse_html(client.get("/search/?q=生成AI 規制")).all("form", class_="member-action")
    assert not parse_html(client.get("/search/?q=-生成AI")).all("form", class_="member-action")


# API ------------------------------------------------------------------------------------------


def test_api_follows_my_news_and_saved(paid_member, make, figure_article, client_for):
    figure, article = figure_article
    series = make.series()
    client = client_for(paid_member)
    created = client.post(
        "/api/v1/follows",
        {"kind": "series", "target": series.slug},
        content_type="application/json",
    )
    assert created.status_code == 201
    follow = created.json()
    assert follow["kind"] == "series" and follow["target"] == series.slug
    again = client.post(
        "/api/v1/follows",
        {"kind": "series", "target": series.slug},
        content_type="application/json",
    )
    assert again.status_code == 200 and again.json()["id"] == follow["id"]
    word = client.post(
        "/api/v1/follows", {"kind": "word", "target": "ｻﾝｸﾄﾍﾟﾃﾙﾌﾞﾙｸ"}, content_type="application/json"
    )
    assert word.status_code == 201 and word.json()["target"] == "サンクトペテルブルク"
    listed = client.get("/api/v1/follows").json()
    assert listed["count"] == 2 and len(listed["items"]) == 2

    in_series = [make.article(series=series) for _ in range(3)]
    entries.sync([a.pk for a in in_series])
    first = client.get("/api/v1/mynews?limit=2").json()
    assert [i["id"] for i in first["items"]] == [in_series[0].pk, in_series[1].pk]
    assert first["items"][0]["new"] is False
    rest = client.get(f"/api/v1/mynews?limit=2&before={first['next']}").json()
    assert [i["id"] for i in rest["items"]] == [in_series[2].pk] and rest["next"] is None
    only = client.get(f"/api/v1/mynews?follow={word.json()['id']}").json()
    assert only["items"] == []
    assert client.get("/api/v1/mynews?follow=99999").status_code == 404
    assert client.get("/api/v1/mynews?before=bad").status_code == 422

    assert client.put(f"/api/v1/saved/articles/{article.pk}").json() == {"saved": True}
    assert client.put(f"/api/v1/saved/articles/{article.pk}").json() == {"saved": True}
    assert client.put(f"/api/v1/saved/figures/{figure.pk}").json() == {"saved": True}
    saved = client.get("/api/v1/saved/articles").json()
    assert saved["count"] == 1 and saved["items"][0]["id"] == article.pk
    figures = client.get("/api/v1/saved/figures").json()
    assert figures["count"] == 1 and figures["items"][0]["key"] == figure.key
    assert client.delete(f"/api/v1/saved/articles/{article.pk}").status_code == 204
    assert client.delete(f"/api/v1/saved/articles/{article.pk}").status_code == 204
    assert client.delete(f"/api/v1/saved/figures/{figure.pk}").status_code == 204
    assert client.get("/api/v1/saved/articles").json()["count"] == 0

    assert client.delete(f"/api/v1/follows/{follow['id']}").status_code == 204
    assert client.delete(f"/api/v1/follows/{follow['id']}").status_code == 204
    assert client.get("/api/v1/follows").json()["count"] == 1


def test_api_refusals_and_bad_input(paid_member, free_member, make, client_for):
    free = client_for(free_member)
    for method, path in [
        ("get", "/api/v1/follows"),
        ("get", "/api/v1/mynews"),
        ("get", "/api/v1/saved/articles"),
        ("put", f"/api/v1/saved/articles/{make.article().pk}"),
    ]:
        response = getattr(free, method)(path)
        assert response.status_code == 403, path
        assert "有料会員" in response.json()["detail"] or "権限不足" in response.json()["detail"]
    response = free.post(
        "/api/v1/follows", {"kind": "word", "target": "半導体"}, content_type="application/json"
    )
    assert (
        response.status_code == 403
        and response.json()["detail"] == "権限不足のため、フォローできません"
    )
    assert client_for(None).get("/api/v1/follows").status_code == 401

    paid = client_for(paid_member)
    for body, status in [
        ({"kind": "series", "target": "nope"}, 404),
        ({"kind": "word", "target": " "}, 400),
        ({"kind": "word", "target": "あ" * 101}, 400),
        ({"kind": "planet", "target": "x"}, 422),
        ({"kind": "word"}, 422),
    ]:
        response = paid.post("/api/v1/follows", body, content_type="application/json")
        assert response.status_code == status, body
        assert response.json()["detail"]
    assert paid.put("/api/v1/saved/articles/999999").status_code == 404
    assert paid.put("/api/v1/saved/figures/999999").status_code == 404
    assert not Follow.objects.exists()


def test_api_with_a_personal_access_token(paid_member, make, client_for):
    from shinbun.members import tokens

    _token, raw = tokens.create_token(paid_member, "テスト")
    anonymous = client_for(None)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    article = make.article()
    assert anonymous.put(f"/api/v1/saved/articles/{article.pk}", **headers).status_code == 200
    assert anonymous.get("/api/v1/saved/articles", **headers).json()["count"] == 1


def test_the_api_is_in_the_openapi_schema(visitor):
    paths = visitor.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/follows",
        "/api/v1/follows/{follow_id}",
        "/api/v1/mynews",
        "/api/v1/saved/articles",
        "/api/v1/saved/articles/{article_id}",
        "/api/v1/saved/figures",
        "/api/v1/saved/figures/{figure_id}",
    ):
        assert path in paths, path
