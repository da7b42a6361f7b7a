from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsroomConfig(AppConfig):
    name = "shinbun.newsroom"
    verbose_name = _("編集局")

    def ready(self) -> None:
        from shinbun.newsroom import tasks  # noqa: F401  (registers periodic tasks)
