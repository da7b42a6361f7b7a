from django.urls import path

from shinbun.core.pagecache import cache_anonymous_page
from shinbun.newsroom import feeds

app_name = "feeds"

urlpatterns = [
    path("feeds/rss/", cache_anonymous_page(feeds.LatestArticlesFeed()), name="rss"),
    path("feeds/atom/", cache_anonymous_page(feeds.LatestArticlesAtomFeed()), name="atom"),
    path(
        "sections/<slug:slug>/rss/",
        cache_anonymous_page(feeds.SectionFeed()),
        name="section_rss",
    ),
    path(
        "sections/<slug:slug>/atom/",
        cache_anonymous_page(feeds.SectionAtomFeed()),
        name="section_atom",
    ),
]
