"""RSS and Atom feeds for the whole site and per section. They carry the lead only,
which every reader may read; the full text stays on the page behind the entitlement check."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from shinbun.newsroom.models import Article, Section

FEED_ITEMS = 50


class LatestArticlesFeed(Feed):
    language = "ja"

    def title(self, obj=None):
        return f"{settings.SITE_NAME} {obj.name}" if obj else settings.SITE_NAME

    def link(self, obj=None):
        return obj.get_absolute_url() if obj else reverse("newsroom:home")

    def description(self, obj=None):
        return f"{settings.SITE_NAME}の最新記事"

    def items(self, obj=None):
        queryset = Article.objects.published().select_related("section")
        if obj is not None:
            queryset = queryset.filter(section=obj)
        return queryset.only(
            "id", "headline", "lead", "byline", "published_at", "updated_at", "section__name"
        )[:FEED_ITEMS]

    def item_title(self, item):
        return item.headline

    def item_description(self, item):
        return item.lead

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.last_modified

    def item_author_name(self, item):
        return item.byline or None

    def item_categories(self, item):
        return [item.section.name]

    def item_guid(self, item):
        return f"shinbun-article-{item.pk}"

    item_guid_is_permalink = False


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = Atom1Feed
    subtitle = LatestArticlesFeed.description


class SectionFeed(LatestArticlesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Section, slug=slug)


class SectionAtomFeed(SectionFeed):
    feed_type = Atom1Feed
    subtitle = LatestArticlesFeed.description
