from django.urls import path

from shinbun.sitepages import views
from shinbun.sitepages.models import SitePage

app_name = "sitepages"

# /terms/ (name "sitepages:terms"), /privacy/, /tokushoho/, /contact/, /help/
urlpatterns = [
    path(f"{kind.value}/", views.page, {"slug": kind.value}, name=kind.value)
    for kind in SitePage.Kind
]
