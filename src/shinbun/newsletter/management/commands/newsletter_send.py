from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from shinbun.newsletter import delivery, digest
from shinbun.newsletter.models import Delivery, Edition


class Command(BaseCommand):
    help = (
        "Send the editions that are due (or the one given) and exit when they are done; "
        "the worker does the same on schedule. Safe to run beside workers and to rerun."
    )

    def add_arguments(self, parser):
        parser.add_argument("--edition", type=int, help="the edition's id")
        parser.add_argument(
            "--now", action="store_true", help="send the given edition before its time"
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, edition=None, now=False, no_progress=False, **options):
        if now and edition is None:
            raise CommandError("--now needs --edition")
        if edition is not None:
            found = Edition.objects.filter(pk=edition).first()
            if found is None:
                raise CommandError(f"no edition {edition}")
            if found.status == Edition.Status.DRAFT:
                raise CommandError(f"edition {edition} is a draft: schedule it in the admin first")
            if found.status == Edition.Status.SCHEDULED and not (
                now or found in delivery.due_editions()
            ):
                raise CommandError(f"edition {edition} is due at {found.send_at}; add --now")
            targets = [found]
        else:
            targets = list(delivery.due_editions()) + list(
                Edition.objects.filter(status=Edition.Status.SENDING)
            )
        for target in targets:
            if target.status == Edition.Status.SCHEDULED:
                delivery.plan(target)
            self._send(target, no_progress)

    def _send(self, edition: Edition, no_progress: bool) -> None:
        open_rows = Delivery.objects.filter(edition=edition, status__in=Delivery.OPEN).count()
        with tqdm(
            total=open_rows, desc=str(edition), unit="通", disable=no_progress, file=self.stderr
        ) as bar:
            sent = digest.send(edition, wait_for_leases=True, progress=bar.update)
        found = delivery.counts(edition)
        self.stdout.write(
            f"{edition}: sent {sent} now; in all sent {found['sent']}, deferred "
            f"{found['deferred']}, failed {found['failed']}, bounced {found['bounced']}, "
            f"skipped {found['skipped']} of {found['total']}"
        )
