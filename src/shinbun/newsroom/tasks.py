"""Background work of the newsroom: thin wrappers over domain functions."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from shinbun.newsroom import publishing


@db_task(retries=3, retry_delay=10)
def article_changed(article_id: int) -> None:
    """The publish flow: purge the pages the article appears on. Search indexing and
    recommendations hook in here as they arrive."""
    publishing.purge_article(article_id)


@db_periodic_task(crontab(minute="*"))
def release_scheduled() -> None:
    publishing.release_due()
