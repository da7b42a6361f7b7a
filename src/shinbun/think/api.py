"""/api/v1/articles/{id}/think: an article's Think! (members read the posts, others get
the count) and experts' posting."""

from datetime import datetime

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from shinbun.api.auth import MEMBER_AUTH, api_reader, per_caller
from shinbun.newsroom.models import Article
from shinbun.think import services
from shinbun.think.text import render_body

router = Router(tags=["Think!"])

STATUS = {
    services.ThinkError.FORBIDDEN: 403,
    services.ThinkError.CLOSED: 403,
    services.ThinkError.NOT_FOUND: 404,
    services.ThinkError.INVALID: 422,
}


class ExpertOut(Schema):
    slug: str
    name: str
    title: str
    affiliation: str
    url: str
    photo_url: str


class ThinkPostOut(Schema):
    id: int
    body: str
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    expert: ExpertOut


class ThinkOut(Schema):
    count: int
    readable: bool
    items: list[ThinkPostOut]


class ThinkPostIn(Schema):
    body: str


def _post_out(request, post: services.ThinkPost) -> dict:
    expert = post.expert
    return {
        "id": post.id,
        "body": post.body,
        "body_html": render_body(post.body),
        "created_at": post.created_at,
        "edited_at": post.edited_at,
        "expert": {
            "slug": expert.slug,
            "name": expert.name,
            "title": expert.title,
            "affiliation": expert.affiliation,
            "url": request.build_absolute_uri(reverse("think:expert", args=[expert.slug])),
            "photo_url": request.build_absolute_uri(expert.photo_url) if expert.photo_url else "",
        },
    }


@router.get(
    "/articles/{article_id}/think",
    response=ThinkOut,
    summary="記事の Think!(エキスパートの投稿)",
    description="会員には投稿(新しい順)を返します。会員でない方には件数のみで、"
    "items は空、readable は false です。",
)
@per_caller
def article_think(request, article_id: int):
    if not Article.objects.published().filter(pk=article_id).exists():
        raise Http404("no such article")
    think = services.think_for(api_reader(request), article_id)
    return {
        "count": think.count,
        "readable": think.readable,
        "items": [_post_out(request, post) for post in think.posts],
    }


@router.post(
    "/articles/{article_id}/think",
    response={201: ThinkPostOut},
    auth=MEMBER_AUTH,
    summary="Think! に投稿する(エキスパートのみ)",
    description="本文は20〜800文字の文章です(URL はリンクになります)。同じ本文を再送しても"
    "投稿は一つです。",
)
def create_think_post(request, article_id: int, payload: ThinkPostIn):
    article = get_object_or_404(Article.objects.published(), pk=article_id)
    try:
        post = services.create_post(request.auth, article, payload.body)
    except services.ThinkError as exc:
        raise HttpError(STATUS[exc.code], str(exc)) from None
    return Status(201, _post_out(request, services.think_post(post)))
