"""Background work of the newsletter: thin wrappers over domain functions."""

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from shinbun.newsletter import delivery, digest, mails
from shinbun.newsletter.models import Edition


@db_task(retries=3, retry_delay=60)
def send_confirmation(consent_id: int) -> None:
    mails.send_confirmation(consent_id)


@db_task(retries=2, retry_delay=60)
def deliver(edition_id: int) -> None:
    edition = Edition.objects.filter(pk=edition_id).first()
    if edition is not None:
        digest.send(edition)


@db_periodic_task(crontab(minute="*"))
def send_due_editions() -> None:
    """Plan what is due, then put every worker on what is being sent (claims keep them
    apart; retries of deferred messages are picked up here as their time comes). The
    day's My News digest is made here once its time has come."""
    digest.todays_edition()
    for edition in delivery.due_editions():
        delivery.plan(edition)
    for edition_id in Edition.objects.filter(status=Edition.Status.SENDING).values_list(
        "pk", flat=True
    ):
        for _ in range(settings.HUEY["consumer"]["workers"]):
            deliver(edition_id)
