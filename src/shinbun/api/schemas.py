"""What several parts of the API return: an article's summary and its section."""

from datetime import datetime

from django.conf import settings
from ninja import Schema

from shinbun.newsroom.models import Article


class SectionOut(Schema):
    slug: str
    name: str


class ArticleSummary(Schema):
    id: int
    url: str
    headline: str
    subheadline: str
    lead: str
    access: str
    section: SectionOut
    published_at: datetime
    updated_at: datetime | None


def summary(request, article: Article) -> dict:
    return {
        "id": article.pk,
        "url": request.build_absolute_uri(article.get_absolute_url())
        if not settings.BASE_URL
        else settings.BASE_URL + article.get_absolute_url(),
        "headline": article.headline,
        "subheadline": article.subheadline,
        "lead": article.lead,
        "access": article.access,
        "section": {"slug": article.section.slug, "name": article.section.name},
        "published_at": article.published_at,
        "updated_at": article.updated_at,
    }
