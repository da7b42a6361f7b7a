from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsletterConfig(AppConfig):
    name = "shinbun.newsletter"
    verbose_name = _("ニュースレター")

    def ready(self) -> None:
        from anymail.signals import inbound, tracking
        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_delete

        from shinbun.members.signals import personal_data_requested
        from shinbun.newsletter import receivers, tasks  # noqa: F401  (periodic tasks)

        tracking.connect(receivers.on_tracking, dispatch_uid="newsletter-tracking")
        inbound.connect(receivers.on_inbound, dispatch_uid="newsletter-inbound")
        pre_delete.connect(
            receivers.on_user_deleted, sender=get_user_model(), dispatch_uid="newsletter-user"
        )
        personal_data_requested.connect(receivers.personal_data, dispatch_uid="newsletter-data")
