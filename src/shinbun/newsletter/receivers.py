"""Reports from mail providers (django-anymail's tracking and inbound signals); a
reader's lists for their data download."""

import logging
import re

from allauth.account.models import EmailAddress
from django.db.models import Q

from shinbun.core.timefmt import iso_jst
from shinbun.newsletter import services
from shinbun.newsletter.models import Delivery, Subscriber, Suppression, address_key

log = logging.getLogger(__name__)

SUPPRESSING_EVENTS = {
    "bounced": (Suppression.Reason.BOUNCED, Delivery.Status.BOUNCED),
    "complained": (Suppression.Reason.COMPLAINED, Delivery.Status.COMPLAINED),
}


def on_tracking(sender, event, esp_name, **kwargs) -> None:
    """A hard bounce or a complaint suppresses the address and marks its delivery; a
    provider's own unsubscribe stops the newsletter, as our link does."""
    recipient = (event.recipient or "").strip()
    if not recipient:
        return
    if event.event_type == "unsubscribed":
        # The provider's unsubscribe knows no list: every list of the address stops.
        key = services.address_key(recipient)
        for subscriber in services.Subscriber.objects.filter(email_key=key):
            services.unsubscribe(subscriber)
        return
    if event.event_type not in SUPPRESSING_EVENTS:
        return
    reason, status = SUPPRESSING_EVENTS[event.event_type]
    detail = f"{esp_name}: {event.description or event.mta_response or event.event_type}"
    services.suppress(recipient, reason, detail)
    delivery_id = (event.metadata or {}).get("delivery", "")
    if str(delivery_id).isdigit():
        Delivery.objects.filter(pk=int(delivery_id)).update(status=status, detail=detail[:300])
    log.info("newsletter: %s suppressed (%s)", recipient, event.event_type)


TOKEN_IN_SUBJECT = re.compile(r"unsubscribe\s+([A-Za-z0-9_-]{10,64})")


def on_inbound(sender, event, esp_name, **kwargs) -> None:
    """A mail to the List-Unsubscribe mailto address: its subject names the token."""
    found = TOKEN_IN_SUBJECT.search(event.message.get("Subject", "") if event.message else "")
    if found:
        subscriber = services.subscriber_for_token(found[1])
        if subscriber is not None:
            services.unsubscribe(subscriber)


def on_user_deleted(sender, instance, **kwargs) -> None:
    """An account that is deleted receives no more digests."""
    for subscriber in services.Subscriber.objects.filter(user=instance):
        services.unsubscribe(subscriber)


def personal_data(sender, user, **kwargs) -> dict:
    """The lists a reader is or was on (by their account, or by one of its verified
    addresses), with the consent records and what was sent, for their data download."""
    # Only an address the reader proved is theirs: anyone may type any address at sign-up.
    verified = EmailAddress.objects.filter(user=user, verified=True)
    keys = {address_key(address) for address in verified.values_list("email", flat=True)}
    subscribers = Subscriber.objects.filter(Q(user=user) | Q(email_key__in=keys)).order_by("id")
    return {
        "newsletters": [
            {
                "list": subscriber.kind,
                "email": subscriber.email,
                "status": subscriber.status,
                "signed_up_at": iso_jst(subscriber.created),
                "confirmed_at": iso_jst(subscriber.confirmed_at),
                "unsubscribed_at": iso_jst(subscriber.unsubscribed_at),
                "consents": [
                    {
                        "at": iso_jst(consent.created),
                        "email": consent.email,
                        "page": consent.form_url,
                        "text": consent.text,
                        "confirmed_at": iso_jst(consent.confirmed_at),
                    }
                    for consent in subscriber.consents.order_by("created", "id")
                ],
                "sent": [
                    {"subject": subject, "sent_at": iso_jst(sent_at)}
                    for subject, sent_at in Delivery.objects.filter(
                        subscriber=subscriber, status=Delivery.Status.SENT
                    )
                    .order_by("sent_at", "id")
                    .values_list("edition__subject", "sent_at")
                ],
            }
            for subscriber in subscribers
        ]
    }
