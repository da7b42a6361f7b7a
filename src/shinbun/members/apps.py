from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "shinbun.members"
    verbose_name = _("会員")

    def ready(self) -> None:
        from shinbun.members import (  # noqa: F401
            receivers,  # keeps the cached reader state in step
            tasks,  # registers periodic tasks
        )
