from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ThinkConfig(AppConfig):
    name = "shinbun.think"
    verbose_name = _("Think!")

    def ready(self) -> None:
        from shinbun.think import receivers  # noqa: F401  (keeps the cached posts in step)
