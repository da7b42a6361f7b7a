"""/api/v1/follows, /api/v1/mynews and /api/v1/saved/...: a paid member's follows, My News
and saved articles and figures (session or personal access token)."""

from datetime import datetime
from typing import Literal

from django.http import HttpResponse
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from shinbun.api.auth import MEMBER_AUTH, per_caller
from shinbun.api.schemas import ArticleSummary, summary
from shinbun.core.pagination import MAX_LIMIT, BadPage, Cursor
from shinbun.members.entitlements import reader_for
from shinbun.mynews import feed, services
from shinbun.mynews.models import Follow

router = Router(tags=["Myニュース・保存"], auth=MEMBER_AUTH)

LIMIT_HELP = f"1ページの件数(1〜{MAX_LIMIT})。"
BEFORE_HELP = "前のページの next の値。これより古いものを返します。"


class FollowIn(Schema):
    kind: Literal["series", "column", "keyword", "word"]
    target: str = Field(
        ..., max_length=1000, description="連載・コラム・キーワードのスラッグ、または言葉"
    )


class FollowOut(Schema):
    id: int
    kind: str
    target: str
    label: str
    article_count: int
    created: datetime


class FollowList(Schema):
    count: int
    items: list[FollowOut]


class MyNewsItem(ArticleSummary):
    new: bool


class MyNewsOut(Schema):
    items: list[MyNewsItem]
    next: str | None


class MyNewsParams(Schema):
    follow: int | None = Field(None, ge=1, le=2**62, description="フォローの id で絞り込みます。")
    before: str | None = Field(None, max_length=40, description=BEFORE_HELP)
    limit: int = Field(20, ge=1, le=MAX_LIMIT, description=LIMIT_HELP)


class PageParams(Schema):
    before: str | None = Field(None, max_length=40, description=BEFORE_HELP)
    limit: int = Field(20, ge=1, le=MAX_LIMIT, description=LIMIT_HELP)


class SavedArticleSummary(ArticleSummary):
    saved_at: datetime


class SavedArticleList(Schema):
    count: int
    items: list[SavedArticleSummary]
    next: str | None


class FigureItem(Schema):
    id: int
    key: str
    title: str
    caption: str
    credit: str
    kind: str
    image_url: str | None
    article: ArticleSummary | None
    saved_at: datetime


class SavedFigureList(Schema):
    count: int
    items: list[FigureItem]
    next: str | None


class SavedOut(Schema):
    saved: bool


def _paid(request, action: str):
    reader = reader_for(request.auth)
    try:
        services.require(reader, action)
    except services.ActionError as error:
        raise HttpError(error.status, error.message) from None
    return reader


def _run(act):
    try:
        return act()
    except services.ActionError as error:
        raise HttpError(error.status, error.message) from None


def _cursor(raw: str | None) -> Cursor | None:
    try:
        return Cursor.parse(raw) if raw else None
    except BadPage as error:
        raise HttpError(422, str(error)) from None


def _follow_out(follow: Follow) -> dict:
    target = follow.target
    name = {
        "series": lambda: target.series.slug,
        "column": lambda: target.column.slug,
        "keyword": lambda: target.keyword.slug,
    }.get(target.kind, lambda: follow.label)
    return {
        "id": follow.pk,
        "kind": target.kind,
        "target": name(),
        "label": follow.label,
        "article_count": target.article_count,
        "created": follow.created,
    }


@router.get("/follows", response=FollowList, summary="フォロー一覧")
@per_caller
def list_follows(request):
    _paid(request, "follow")
    follows = Follow.objects.filter(user=request.auth).select_related(
        "target__series", "target__column", "target__keyword"
    )
    items = [_follow_out(f) for f in follows]
    return {"count": len(items), "items": items}


@router.post("/follows", response={200: FollowOut, 201: FollowOut}, summary="フォローする")
def create_follow(request, payload: FollowIn):
    reader = _paid(request, "follow")
    existed = _run(lambda: services.find_target(payload.kind, payload.target))
    before = (
        existed is not None and Follow.objects.filter(user=request.auth, target=existed).exists()
    )
    follow = _run(lambda: services.follow(request.auth, reader, payload.kind, payload.target))
    return (200 if before else 201), _follow_out(follow)


@router.delete("/follows/{follow_id}", response={204: None}, summary="フォローを解除する")
def delete_follow(request, follow_id: int):
    services.unfollow(request.auth, follow_id=follow_id)
    return HttpResponse(status=204)


@router.get("/mynews", response=MyNewsOut, summary="Myニュース")
@per_caller
def mynews(request, params: Query[MyNewsParams]):
    _paid(request, "follow")
    page = _run(
        lambda: feed.my_news(request.auth, params.follow, _cursor(params.before), params.limit)
    )
    items = [{**summary(request, a), "new": a.is_new} for a in page.items]
    return {"items": items, "next": str(page.next) if page.next else None}


@router.get("/saved/articles", response=SavedArticleList, summary="保存した記事")
@per_caller
def list_saved_articles(request, params: Query[PageParams]):
    _paid(request, "save_article")
    articles, next_cursor = feed.saved_articles(request.auth, _cursor(params.before), params.limit)
    return {
        "count": feed.saved_count(request.auth, "article"),
        "items": [{**summary(request, a), "saved_at": a.saved_at} for a in articles],
        "next": str(next_cursor) if next_cursor else None,
    }


@router.put("/saved/articles/{article_id}", response=SavedOut, summary="記事を保存する")
def savesummary(request, article_id: int):
    reader = _paid(request, "save_article")
    _run(lambda: services.save_article(request.auth, reader, article_id))
    return {"saved": True}


@router.delete("/saved/articles/{article_id}", response={204: None}, summary="記事の保存を取り消す")
def unsavesummary(request, article_id: int):
    services.unsave_article(request.auth, article_id)
    return HttpResponse(status=204)


@router.get("/saved/figures", response=SavedFigureList, summary="保存した図表")
@per_caller
def list_saved_figures(request, params: Query[PageParams]):
    _paid(request, "save_figure")
    rows, next_cursor = feed.saved_figures(request.auth, _cursor(params.before), params.limit)
    items = [
        {
            "id": row.figure.pk,
            "key": row.figure.key,
            "title": row.figure.title,
            "caption": row.figure.caption,
            "credit": row.figure.credit,
            "kind": row.figure.kind,
            "image_url": request.build_absolute_uri(row.figure.image.url)
            if row.figure.image
            else None,
            "article": summary(request, row.article) if row.article else None,
            "saved_at": row.created,
        }
        for row in rows
    ]
    return {
        "count": feed.saved_count(request.auth, "figure"),
        "items": items,
        "next": str(next_cursor) if next_cursor else None,
    }


@router.put("/saved/figures/{figure_id}", response=SavedOut, summary="図表を保存する")
def save_figure(request, figure_id: int):
    reader = _paid(request, "save_figure")
    _run(lambda: services.save_figure(request.auth, reader, figure_id))
    return {"saved": True}


@router.delete("/saved/figures/{figure_id}", response={204: None}, summary="図表の保存を取り消す")
def unsave_figure(request, figure_id: int):
    services.unsave_figure(request.auth, figure_id)
    return HttpResponse(status=204)
