from django.apps import AppConfig
from django.db.models.signals import post_save, pre_delete
from django.utils.translation import gettext_lazy as _


class MyNewsConfig(AppConfig):
    name = "shinbun.mynews"
    verbose_name = _("Myニュース")

    def ready(self) -> None:
        from shinbun.members.signals import personal_data_requested
        from shinbun.mynews import receivers, tasks  # noqa: F401  (periodic tasks)
        from shinbun.newsroom.models import Article, Keyword
        from shinbun.search.signals import documents_indexed

        documents_indexed.connect(receivers.on_documents_indexed, dispatch_uid="mynews-entries")
        pre_delete.connect(receivers.on_article_deleted, sender=Article, dispatch_uid="mynews-del")
        post_save.connect(receivers.on_keyword_saved, sender=Keyword, dispatch_uid="mynews-kw")
        personal_data_requested.connect(receivers.personal_data, dispatch_uid="mynews-data")
