from django.urls import path

from shinbun.newsroom import views

app_name = "newsroom"

urlpatterns = [
    path("", views.home, name="home"),
    path("sections/<slug:slug>/", views.section, name="section"),
    path("series/<slug:slug>/", views.series, name="series"),
    path("columns/<slug:slug>/", views.column, name="column"),
    path("keywords/<str:slug>/", views.keyword, name="keyword"),
    path("articles/<int:article_id>/", views.article, name="article"),
    path("articles/<int:article_id>/print/", views.article_print, name="article_print"),
]
