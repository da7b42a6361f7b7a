"""The newsletter's own mails besides the editions: the sign-up confirmation."""

from django.urls import reverse
from django.utils import translation

from shinbun.core import mail
from shinbun.newsletter import services
from shinbun.newsletter.models import Consent, Subscriber


def send_confirmation(consent_id: int) -> bool:
    """The double opt-in mail of one sign-up. For an address that already receives the
    newsletter it says so (the form never does), with the same link to the article."""
    consent = Consent.objects.select_related("subscriber", "article").filter(pk=consent_id).first()
    if consent is None or consent.confirmed_at is not None:
        return False
    with translation.override(consent.language):
        confirm_url = mail.absolute(
            reverse("newsletter:confirm", args=[services.confirm_token(consent)])
        )
        message = mail.build_message(
            consent.email,
            "newsletter/mail/confirm",
            {
                "confirm_url": confirm_url,
                "article": consent.article,
                "already": consent.subscriber.status == Subscriber.Status.ACTIVE,
                "email": consent.email,
                "hours": int(services.CONFIRM_MAX_AGE.total_seconds() // 3600),
            },
        )
    message.send()
    return True
