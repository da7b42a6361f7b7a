from django.urls import path

from shinbun.think import views

app_name = "think"

urlpatterns = [
    path("posts/new/<int:article_id>/", views.post_new, name="post_new"),
    path("posts/<int:post_id>/edit/", views.post_edit, name="post_edit"),
    path("posts/<int:post_id>/delete/", views.post_delete, name="post_delete"),
    path("<slug:slug>/", views.expert, name="expert"),
]
