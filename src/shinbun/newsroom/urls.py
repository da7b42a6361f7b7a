from django.urls import path, register_converter

from shinbun.newsroom import views


class KeywordSlug:
    """A keyword's slug may be Japanese; any character but "/" and NUL (which no slug
    holds, and PostgreSQL cannot compare), so such a URL is a plain 404."""

    regex = "[^/\x00]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(KeywordSlug, "keyword")

app_name = "newsroom"

urlpatterns = [
    path("", views.home, name="home"),
    path("sections/<slug:slug>/", views.section, name="section"),
    path("series/<slug:slug>/", views.series, name="series"),
    path("columns/<slug:slug>/", views.column, name="column"),
    path("keywords/<keyword:slug>/", views.keyword, name="keyword"),
    path("articles/<int:article_id>/", views.article, name="article"),
    path("articles/<int:article_id>/print/", views.article_print, name="article_print"),
]
