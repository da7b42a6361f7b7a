"""The daily My News digest: the articles that reached a paid member's My News since
yesterday's digest, through the same planning and delivery as 「ニュース5本」.

Each morning at SHINBUN_DIGEST_SEND_TIME (Japan time) one digest Edition is made and
planned for every member who turned the digest on; rendering is per member, so a member
with nothing new, or whose membership ended, is skipped (no empty mail)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shinbun.core import mail
from shinbun.core.timefmt import JST, jst_at
from shinbun.members.entitlements import reader_for
from shinbun.mynews import feed
from shinbun.newsletter import composing, delivery
from shinbun.newsletter.models import Delivery, Edition, Kind

# At most this many articles in one digest (the newest); My News has the rest.
DIGEST_SIZE = 10


def send_time(day) -> datetime:
    return jst_at(day, settings.DIGEST_SEND_TIME)


def todays_edition(now: datetime | None = None) -> Edition | None:
    """Today's digest edition, scheduled once its time has come (None before that)."""
    now = now or timezone.now()
    moment = send_time(now.astimezone(JST).date())
    if now < moment:
        return None
    found = Edition.objects.filter(kind=Kind.DIGEST, send_at=moment).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Edition.objects.create(
                kind=Kind.DIGEST,
                subject=_("Myニュースのまとめ %(date)s")
                % {"date": f"{moment:%Y年}{moment.month}月{moment.day}日"},
                send_at=moment,
                status=Edition.Status.SCHEDULED,
            )
    except IntegrityError:  # another worker made it at the same moment
        return Edition.objects.filter(kind=Kind.DIGEST, send_at=moment).first()


class Composer:
    """Renders each member's digest when their delivery is sent."""

    def __init__(self, edition: Edition):
        self.edition = edition
        self.since = edition.send_at - timedelta(days=1)

    def message(self, row: Delivery):
        subscriber = row.subscriber
        user = subscriber.user
        if user is None or not user.is_active or not reader_for(user).is_paid:
            return None
        page = feed.my_news(user, size=DIGEST_SIZE, now=self.edition.send_at, new_since=None)
        articles = [a for a in page.items if a.published_at > self.since]
        if not articles:
            return None
        unsubscribe = composing.unsubscribe_url(subscriber.token, self.edition.pk)
        with translation.override(settings.LANGUAGE_CODE):
            subject, text, html = mail.render_message(
                "newsletter/mail/digest",
                {
                    "edition": self.edition,
                    "items": [
                        {
                            "headline": a.headline,
                            "lead": a.lead,
                            "url": mail.absolute(a.get_absolute_url()),
                            "section": a.section.name,
                        }
                        for a in articles
                    ],
                    "count": len(articles),
                    "mynews_url": mail.absolute(reverse("mynews:index")),
                    "account_url": mail.absolute(reverse("members:account")),
                    "unsubscribe_url": unsubscribe,
                    "email": user.email,
                },
            )
        return composing.addressed(
            subject, text, html, user.email, subscriber.token, self.edition.pk, row.pk
        )


def composer_for(edition: Edition):
    return Composer(edition) if edition.kind == Kind.DIGEST else composing.render_edition(edition)


def send(edition: Edition, **options) -> int:
    """Send what is open of a planned edition of either list (delivery.send_edition)."""
    return delivery.send_edition(edition, composer=composer_for(edition), **options)
