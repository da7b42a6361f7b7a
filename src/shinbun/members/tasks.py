"""Background work of membership: thin wrappers over members.services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from shinbun.members import services


@db_periodic_task(crontab(minute="*/5"))
@lock_task("members-settle-due")
def settle_due_subscriptions() -> None:
    """End cancelled and unpaid subscriptions whose period is over; renew manual ones."""
    services.settle_due()
