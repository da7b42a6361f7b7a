"""Background work of My News: thin wrappers over domain functions."""

from datetime import timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from shinbun.mynews.models import Target


@db_periodic_task(crontab(minute="23", hour="4"))
def prune_unfollowed_targets() -> None:
    """Targets nobody follows any more (for a day) leave percolation and take their
    entries with them; following again fills them anew."""
    day_ago = timezone.now() - timedelta(days=1)
    Target.objects.filter(follows__isnull=True, created__lt=day_ago).delete()
