from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SitePagesConfig(AppConfig):
    name = "shinbun.sitepages"
    verbose_name = _("サイトの案内ページ")

    def ready(self) -> None:
        from shinbun.sitepages import receivers  # noqa: F401  (purges the cached pages)
