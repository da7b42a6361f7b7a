"""Editions as editors make them: the default send time, and scheduling."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shinbun.core.timefmt import JST, jst_at
from shinbun.newsletter.models import Edition
from shinbun.newsroom.models import Article

ITEMS = 5


def next_send_time(now: datetime | None = None) -> datetime:
    """The next weekday (Mon–Fri, 週5回) at NEWSLETTER_SEND_TIME, Japan time."""
    local = (now or timezone.now()).astimezone(JST)
    moment = jst_at(local.date(), settings.NEWSLETTER_SEND_TIME)
    if moment <= local:
        moment += timedelta(days=1)
    while moment.weekday() >= 5:
        moment += timedelta(days=1)
    return moment


class EditionError(Exception):
    pass


def problems(edition: Edition) -> list[str]:
    """What keeps the edition from being scheduled, in the editor's words."""
    items = list(edition.items.select_related("article"))
    found = []
    if len(items) != ITEMS:
        found.append(_("記事は5本選んでください(いま%(count)d本)。") % {"count": len(items)})
    ids = set(
        Article.objects.published()
        .filter(pk__in=[i.article_id for i in items])
        .values_list("pk", flat=True)
    )
    for item in items:
        if item.article_id not in ids:
            found.append(
                _("「%(headline)s」はまだ公開されていません。")
                % {"headline": item.article.headline}
            )
    return found


def schedule(edition: Edition) -> None:
    with transaction.atomic():
        edition = Edition.objects.select_for_update().get(pk=edition.pk)
        if edition.status != Edition.Status.DRAFT:
            raise EditionError(_("下書きの号だけを配信予約できます。"))
        found = problems(edition)
        if found:
            raise EditionError(" ".join(found))
        edition.status = Edition.Status.SCHEDULED
        edition.save(update_fields=["status"])


def unschedule(edition: Edition) -> None:
    updated = Edition.objects.filter(
        pk=edition.pk, status=Edition.Status.SCHEDULED, planned_at__isnull=True
    ).update(status=Edition.Status.DRAFT)
    if not updated:
        raise EditionError(_("配信予約中で、まだ送り始めていない号だけを取り消せます。"))


def send_now(edition: Edition, now: datetime | None = None) -> None:
    """Bring a scheduled edition's time forward to now: the worker's next minute sends it."""
    updated = Edition.objects.filter(pk=edition.pk, status=Edition.Status.SCHEDULED).update(
        send_at=now or timezone.now()
    )
    if not updated:
        raise EditionError(_("配信予約中の号だけを今すぐ配信できます。"))
