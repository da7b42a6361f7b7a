from django.urls import path

from shinbun.mynews import views

app_name = "mynews"

urlpatterns = [
    path("mynews/", views.index, name="index"),
    path("mynews/follow/", views.follow, name="follow"),
    path("saved/", views.saved_articles, name="saved_articles"),
    path("saved/figures/", views.saved_figures, name="saved_figures"),
    path("saved/articles/<int:article_id>/", views.save_article, name="save_article"),
    path("saved/figures/<int:figure_id>/", views.save_figure, name="save_figure"),
]
