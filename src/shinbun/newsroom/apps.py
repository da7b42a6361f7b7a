from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class NewsroomConfig(AppConfig):
    name = "shinbun.newsroom"
    verbose_name = _("編集局")

    def ready(self) -> None:
        from shinbun.newsroom import tasks  # noqa: F401  (registers periodic tasks)
        from shinbun.newsroom.models import Article
        from shinbun.newsroom.views import forget_article_state

        for signal in (post_save, post_delete):
            signal.connect(forget_article_state, sender=Article, dispatch_uid="article-state")
