from django.urls import path

from shinbun.members import views

app_name = "members"

urlpatterns = [
    path("", views.account, name="account"),
    path("subscription/cancel/", views.cancel, name="cancel"),
    path("subscription/resume/", views.resume, name="resume"),
    path("subscription/portal/", views.billing_portal, name="portal"),
    path("receipts/<int:receipt_id>/", views.receipt, name="receipt"),
    path("tokens/", views.create_token, name="token_create"),
    path("tokens/<int:token_id>/revoke/", views.revoke_token, name="token_revoke"),
    path("data/", views.download_data, name="data"),
    path("delete/", views.delete_account, name="delete"),
]
