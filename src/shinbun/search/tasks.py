from datetime import timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from shinbun.search import recommend


@db_task(retries=2, retry_delay=30)
def refresh_recommendations(article_id: int) -> None:
    recommend.store_recommendations(article_id)


@db_task(retries=2, retry_delay=30)
def refresh_recommendations_batch(article_ids: list[int]) -> None:
    for article_id in article_ids:
        recommend.store_recommendations(article_id)


@db_periodic_task(crontab(minute="17", hour="*/6"))
def refresh_recent_recommendations() -> None:
    """The archive keeps changing: recompute the lists of the last week's articles, whose
    pages are the ones read, so new related stories reach them."""
    from shinbun.newsroom.models import Article

    since = timezone.now() - timedelta(days=7)
    for article_id in (
        Article.objects.published().filter(published_at__gte=since).values_list("pk", flat=True)
    ):
        recommend.store_recommendations(article_id)


@db_periodic_task(crontab(minute="41", hour="3"))
def refit_topics() -> None:
    """Nightly: refit the topic model when the archive has grown by a quarter since the
    last one (or there is none yet and the archive is large enough), then recompute the
    stored lists with it."""
    from shinbun.search import topics

    if topics.is_due() and topics.fit() is not None:
        topics.refresh_all_recommendations()
