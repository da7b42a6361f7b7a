from datetime import timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from shinbun.core.queue import enqueue
from shinbun.search import recommend

# Recomputing many lists (an import, a new topic model: ~55 ms an article, 15 hours of
# one worker at 1,000,000 articles) runs in batches below the default priority (0), so
# publishing and corrections never wait behind it and several workers share it.
BATCH = 200
BACKGROUND = -10
# The lists of a published or changed article, and of the articles it now relates to,
# come after the publish flows themselves (index: priority 0) and My News's sync (-1),
# so a burst of publishing keeps those current while the lists follow a moment later.
AFTER_FLOW = -2


@db_task(retries=2, retry_delay=30, priority=AFTER_FLOW)
def refresh_recommendations(article_id: int) -> None:
    recommend.store_recommendations(article_id)


@db_task(retries=2, retry_delay=30, priority=AFTER_FLOW)
def recommend_changed(article_id: int) -> None:
    picked = recommend.store_recommendations(article_id)
    # The articles this one relates to may now relate back to it. If the queue is down,
    # left to the periodic refreshes below.
    for other in picked:
        enqueue(refresh_recommendations, other, run_if_down=False)


@db_task(retries=2, retry_delay=30, priority=BACKGROUND)
def refresh_recommendations_batch(article_ids: list[int]) -> None:
    for article_id in article_ids:
        recommend.store_recommendations(article_id)


def refresh_in_background(article_ids: list[int]) -> int:
    """Queue these articles' lists for recomputation, in this order, in batches."""
    for start in range(0, len(article_ids), BATCH):
        refresh_recommendations_batch(article_ids[start : start + BATCH])
    return len(article_ids)


@db_periodic_task(crontab(minute="17", hour="*/6"))
@lock_task("search-refresh-recent")
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
@lock_task("search-refit-topics")  # one fit at a time, however many workers queue it
def refit_topics() -> None:
    """Nightly: refit the topic model when the archive has grown by a quarter since the
    last one (or there is none yet and the archive is large enough), then queue the
    stored lists for recomputation with it, newest articles first (the pages read
    most)."""
    from shinbun.search import topics

    if topics.is_due() and topics.fit() is not None:
        refresh_in_background(topics.indexed_newest_first())
