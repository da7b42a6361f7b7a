from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "shinbun.members"
    verbose_name = _("会員")

    def ready(self) -> None:
        from shinbun.members import tasks  # noqa: F401  (registers periodic tasks)
