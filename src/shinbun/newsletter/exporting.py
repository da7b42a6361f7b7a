"""The newsletters' lists, consent records, editions and deliveries as CSV for the
operator (`shinbun export`, written by core.tables)."""

from shinbun.core.tables import Table, same
from shinbun.newsletter.models import (
    Consent,
    Delivery,
    Edition,
    EditionItem,
    Subscriber,
    Suppression,
)


def tables() -> list[Table]:
    return [
        Table(
            "newsletter_subscribers.csv",
            Subscriber.objects.all(),
            {
                **same("id", "kind", "email", "status"),
                "member_id": "user_id",
                **same("created", "confirmed_at", "unsubscribed_at", "unsubscribed_from_id"),
            },
        ),
        # 特定電子メール法's records: who agreed to what, on which page, when.
        Table(
            "newsletter_consents.csv",
            Consent.objects.all(),
            same(
                "id",
                "subscriber_id",
                "email",
                "created",
                "form_url",
                "text",
                "language",
                "article_id",
                "confirmed_at",
            ),
        ),
        Table(
            "newsletter_editions.csv",
            Edition.objects.all(),
            same(
                "id", "kind", "subject", "intro", "send_at", "status", "planned_at", "finished_at"
            ),
        ),
        Table(
            "newsletter_edition_items.csv",
            EditionItem.objects.all(),
            same("edition_id", "position", "article_id", "note"),
        ),
        Table(
            "newsletter_deliveries.csv",
            Delivery.objects.all(),
            same("id", "edition_id", "subscriber_id", "status", "attempts", "sent_at", "detail"),
        ),
        Table(
            "newsletter_suppressions.csv",
            Suppression.objects.all(),
            {"email": "email_key", **same("reason", "detail", "created")},
        ),
    ]
