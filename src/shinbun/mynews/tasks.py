"""Background work of My News: thin wrappers over domain functions."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from shinbun.mynews import entries

# Below the publish flows (0), so a burst of them is indexed first and synced in a few
# large batches; above 自動検索's lists (search.tasks.AFTER_FLOW), which can wait.
SYNC_PRIORITY = -1


@db_task(retries=3, retry_delay=5, priority=SYNC_PRIORITY)
def sync_entries() -> None:
    entries.sync_pending()


@db_periodic_task(crontab(minute="*"))
def sync_entries_left() -> None:
    """Whatever a failed sync left waiting."""
    entries.sync_pending()


@db_periodic_task(crontab(minute="23", hour="4"))
@lock_task("mynews-daily-upkeep")
def daily_upkeep() -> None:
    entries.upkeep()
