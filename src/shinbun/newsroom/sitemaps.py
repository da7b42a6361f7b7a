from datetime import timedelta

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from shinbun.core.links import absolute_url
from shinbun.core.pagecache import cache_anonymous_page
from shinbun.newsroom.models import Article, Column, Keyword, Section, Series


class ArticleSitemap(Sitemap):
    limit = 10000
    changefreq = "daily"

    def items(self):
        return Article.objects.published().only("id", "published_at", "updated_at").order_by("id")

    def lastmod(self, item):
        return item.last_modified


class TopicSitemap(Sitemap):
    changefreq = "hourly"

    def items(self):
        return [
            *Section.objects.all(),
            *Series.objects.all(),
            *Column.objects.all(),
            *Keyword.objects.all(),
        ]


SITEMAPS = {"articles": ArticleSitemap, "topics": TopicSitemap}


def news_sitemap_articles():
    """Google News sitemaps list only articles of the last two days (at most 1,000)."""
    since = timezone.now() - timedelta(days=2)
    return (
        Article.objects.published()
        .filter(published_at__gte=since)
        .only("id", "headline", "published_at")[:1000]
    )


@require_safe
@cache_anonymous_page
def news_sitemap(request):
    articles = [(absolute_url(request, a.get_absolute_url()), a) for a in news_sitemap_articles()]
    return render(
        request,
        "news_sitemap.xml",
        {"articles": articles, "publication": settings.SITE_NAME},
        content_type="application/xml; charset=utf-8",
    )
