"""Background work of My News: thin wrappers over domain functions."""

from datetime import timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from shinbun.mynews import entries
from shinbun.mynews.models import Target

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
    """Targets nobody follows any more (for a day) leave percolation and take their
    entries with them (following again fills them anew); the others' article counts are
    counted again, in case a failed task left one off."""
    day_ago = timezone.now() - timedelta(days=1)
    Target.objects.filter(follows__isnull=True, created__lt=day_ago).delete()
    ids = list(Target.objects.values_list("pk", flat=True))
    for start in range(0, len(ids), 1000):
        entries.recount(ids[start : start + 1000])
