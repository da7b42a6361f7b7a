"""Background work of the newsroom: thin wrappers over domain functions."""

from django.dispatch import receiver
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from shinbun.core.queue import enqueue
from shinbun.newsroom import publishing, ranking, signals


@db_task(retries=3, retry_delay=10)
def article_changed(article_id: int) -> None:
    """The publish flow: purge the pages the article appears on, then let the other
    domains (search index, recommendations) bring themselves up to date."""
    publishing.purge_article(article_id)
    signals.article_changed.send(sender=None, article_id=article_id)


@receiver(signals.article_committed, dispatch_uid="newsroom-publish-flow")
def enqueue_publish_flow(sender, article_id: int, **kwargs) -> None:
    # The change is committed; its flow must not be lost with the queue: if the queue is
    # down, the editor's request runs it (the purge, the index, the recommendations).
    enqueue(article_changed, article_id, run_if_down=True)


@db_periodic_task(crontab(minute="*"))
def release_scheduled() -> None:
    publishing.release_due()


@db_periodic_task(crontab(minute="*/5"))
def refresh_ranking() -> None:
    """アクセスランキング: the most read articles of the last 24 hours, for the home page."""
    ranking.refresh_ranking()
