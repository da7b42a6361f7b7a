from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ThinkConfig(AppConfig):
    name = "shinbun.think"
    verbose_name = _("Think!")

    def ready(self) -> None:
        from shinbun.members.signals import personal_data_requested
        from shinbun.think import receivers  # keeps the cached posts in step

        personal_data_requested.connect(receivers.personal_data, dispatch_uid="think-data")
