"""The JSON API at /api/v1/ (django-ninja; OpenAPI at /api/v1/openapi.json)."""

from datetime import date
from typing import Annotated, Literal

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from pydantic import AfterValidator, Field

from shinbun.api.auth import api_reader, per_caller
from shinbun.api.members import router as members_router
from shinbun.api.schemas import ArticleSummary, SectionOut, summary
from shinbun.core.pagination import (
    CURSOR_HELP,
    MAX_LIMIT,
    MAX_OFFSET,
    BadPage,
    Cursor,
    keyset_page,
)
from shinbun.members import entitlements
from shinbun.mynews.api import router as mynews_router
from shinbun.newsroom.models import Article, Section
from shinbun.search import services as search_services
from shinbun.search.recommend import recommendations_for
from shinbun.search.views import archive_date
from shinbun.think.api import router as think_router


class UnicodeJSONRenderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=UnicodeJSONRenderer(),
    title=f"{settings.SITE_NAME} API",
    version="1",
    urls_namespace="api",
    description="記事・セクションを JSON で返します。全文は読む権利のある読者にだけ返します。",
)

LIMIT_HELP = f"1ページの件数(1〜{MAX_LIMIT})。"
NO_CREDENTIALS = "ログインするか、アクセストークンを送ってください。"


@api.exception_handler(ValidationError)
def validation_error(request, exc):
    return api.create_response(
        request, {"detail": "リクエストの値が正しくありません。", "errors": exc.errors}, status=422
    )


@api.exception_handler(AuthenticationError)
def unauthorized(request, exc):
    # ninja's own "Unauthorized" means no credentials were sent at all.
    detail = exc.message if exc.message != "Unauthorized" else NO_CREDENTIALS
    return api.create_response(request, {"detail": detail}, status=401)


api.add_router("/", members_router)
api.add_router("/", think_router)
api.add_router("/", mynews_router)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "見つかりませんでした。"}, status=404)


class SectionList(Schema):
    count: int
    items: list[SectionOut]


class ArticleList(Schema):
    items: list[ArticleSummary]
    next: str | None = Field(
        description="次のページ(より古い記事)を取るときに before に渡す値。最後のページでは null。"
    )


class BodyBlock(Schema):
    type: str
    html: str | None = None
    text: str | None = None
    key: str | None = None


class ArticleDetail(ArticleSummary):
    byline: str
    full_text: bool
    access_reason: str
    body: list[BodyBlock]
    keywords: list[SectionOut]
    series: SectionOut | None
    column: SectionOut | None
    recommendations: list[ArticleSummary]


def without_nul(value: str) -> str:
    if "\x00" in value:  # no slug holds one, and PostgreSQL cannot compare text with it
        raise ValueError("NUL 文字は使えません。")
    return value


Slug = Annotated[str, AfterValidator(without_nul)]


class ArticleFilters(Schema):
    section: Slug | None = Field(None, max_length=100)
    series: Slug | None = Field(None, max_length=100)
    column: Slug | None = Field(None, max_length=100)
    keyword: Slug | None = Field(None, max_length=100)
    limit: int = Field(20, ge=1, le=MAX_LIMIT, description=LIMIT_HELP)
    before: str | None = Field(None, max_length=40, description=CURSOR_HELP)


class SearchHit(ArticleSummary):
    snippet: str


class SearchOut(Schema):
    count: int
    count_capped: bool
    hint: str
    items: list[SearchHit]


ArchiveDate = Annotated[date, AfterValidator(archive_date)]


class SearchParams(Schema):
    q: str = Field("", max_length=10_000)
    sort: Literal["newest", "relevance"] = "newest"
    section: str | None = Field(None, max_length=100)
    series: str | None = Field(None, max_length=100)
    column: str | None = Field(None, max_length=100)
    keyword: str | None = Field(None, max_length=100)
    date_from: ArchiveDate | None = Field(None, alias="from")
    date_to: ArchiveDate | None = Field(None, alias="to")
    limit: int = Field(20, ge=1, le=MAX_LIMIT, description=LIMIT_HELP)
    offset: int = Field(
        0,
        ge=0,
        le=MAX_OFFSET,
        description=f"先頭から飛ばす件数(0〜{MAX_OFFSET:,})。検索結果は offset で送ります。",
    )


@api.get("/search", response=SearchOut, summary="記事検索")
@per_caller
def search(request, params: Query[SearchParams]):
    page = search_services.search(
        params.q,
        search_services.Filters(
            section=params.section,
            series=params.series,
            column=params.column,
            keyword=params.keyword,
            date_from=params.date_from,
            date_to=params.date_to,
        ),
        sort=params.sort,
        limit=params.limit,
        offset=params.offset,
        reader=api_reader(request),
    )
    return {
        "count": page.count,
        "count_capped": page.count_capped,
        "hint": page.hint,
        "items": [
            {**summary(request, hit.article), "snippet": str(hit.snippet)} for hit in page.hits
        ],
    }


@api.get("/sections", response=SectionList, summary="セクション一覧")
def list_sections(request):
    items = list(Section.objects.values("slug", "name"))
    return {"count": len(items), "items": items}


@api.get(
    "/articles",
    response=ArticleList,
    summary="記事一覧(新しい順)",
    description="新しい順に limit 件。続きは応答の next を before に渡して取ります。",
)
def list_articles(request, filters: Query[ArticleFilters]):
    queryset = Article.objects.published().select_related("section")
    for field, lookup in (
        ("section", "section__slug"),
        ("series", "series__slug"),
        ("column", "column__slug"),
        ("keyword", "keywords__slug"),
    ):
        value = getattr(filters, field)
        if value is not None:
            queryset = queryset.filter(**{lookup: value})
    try:
        before = Cursor.parse(filters.before) if filters.before is not None else None
    except BadPage as error:
        raise HttpError(400, str(error)) from None
    page = keyset_page(queryset, filters.limit, before=before)
    return {
        "items": [summary(request, a) for a in page.items],
        "next": str(page.next) if page.next else None,
    }


@api.get("/articles/{article_id}", response=ArticleDetail, summary="記事")
@per_caller
def get_article(request, article_id: int):
    article = get_object_or_404(
        Article.objects.published().select_related("section", "series", "column"), pk=article_id
    )
    reader = api_reader(request)
    decision = entitlements.open_article(reader, article)
    ref = lambda obj: {"slug": obj.slug, "name": obj.name} if obj else None  # noqa: E731
    return {
        **summary(request, article),
        "byline": article.byline,
        "full_text": decision.full_text,
        "access_reason": decision.reason.value,
        "body": entitlements.readable_blocks(article, decision),
        "keywords": [ref(k) for k in article.keywords.all()],
        "series": ref(article.series),
        "column": ref(article.column),
        "recommendations": [summary(request, a) for a in recommendations_for(article)],
    }
