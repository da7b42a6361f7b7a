from django.urls import path

from shinbun.newsletter import views

app_name = "newsletter"

urlpatterns = [
    path("newsletter/", views.index, name="index"),
    path("newsletter/signup/", views.signup, name="signup"),
    path("newsletter/confirm/<str:token>/", views.confirm, name="confirm"),
    path("newsletter/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("newsletter/digest/", views.digest, name="digest"),
]
