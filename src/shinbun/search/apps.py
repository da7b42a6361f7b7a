from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_delete
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "shinbun.search"
    verbose_name = _("検索")

    def ready(self) -> None:
        from shinbun.newsroom.models import Article
        from shinbun.newsroom.signals import article_changed, articles_changed
        from shinbun.search import receivers

        article_changed.connect(receivers.on_article_changed, dispatch_uid="search-index")
        articles_changed.connect(receivers.on_articles_changed, dispatch_uid="search-batch")
        pre_delete.connect(receivers.on_article_deleted, sender=Article, dispatch_uid="search-del")
        post_migrate.connect(receivers.after_flush, sender=self, dispatch_uid="search-flush")
