"""The demo's newsletter: one edition of the five newest demo articles, scheduled for the
next weekday morning, and two confirmed subscribers (with their consent records), so an
editor can preview, test-send and send it (`shinbun manage newsletter_send --edition ID
--now`; the mails land in the outbox). Running it again adds nothing."""

from django.db import transaction
from django.utils import timezone

from shinbun.newsletter import editions, services
from shinbun.newsletter.models import Consent, Edition, EditionItem, Subscriber
from shinbun.newsroom.models import Article

DEMO_SUBJECT = "【ニュース5本】デモ版 けさ押さえておきたいニュース"
DEMO_SUBSCRIBERS = ["reader1@example.jp", "reader2@example.jp"]
DEMO_NOTES = [
    "きょう一番の話題です。背景から丁寧に解説しています。",
    "数字の読み方がわかると、ニュースの見え方が変わります。",
    "暮らしへの影響を具体的にまとめました。",
    "現場の声を集めた記事です。",
    "週末に向けて、ゆっくり読みたい一本です。",
]


@transaction.atomic
def load_newsletter() -> int:
    now = timezone.now()
    created = 0
    for email in DEMO_SUBSCRIBERS:
        subscriber, made = Subscriber.objects.get_or_create(
            email_key=email,
            defaults={"email": email, "status": "active", "confirmed_at": now},
        )
        if made:
            Consent.objects.create(
                subscriber=subscriber,
                email=email,
                form_url="(demo data)",
                text=services.consent_text(),
                confirmed_at=now,
            )
            created += 1
    if Edition.objects.filter(subject=DEMO_SUBJECT).exists():
        return created
    articles = list(Article.objects.published().order_by("-published_at")[: editions.ITEMS])
    if len(articles) < editions.ITEMS:
        return created
    edition = Edition.objects.create(subject=DEMO_SUBJECT, send_at=editions.next_send_time(now))
    for position, (article, note) in enumerate(zip(articles, DEMO_NOTES, strict=True), 1):
        EditionItem.objects.create(edition=edition, position=position, article=article, note=note)
    editions.schedule(edition)
    return created
