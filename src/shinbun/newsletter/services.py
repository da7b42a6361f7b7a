"""Sign-up, confirmation, unsubscribing and suppression: the newsletter's state changes.

A sign-up never tells a stranger whether an address is registered: every outcome but
"not eligible" looks the same to the form, and the mail says what happened. Only a
logged-in reader whose verified account has that address is told it is registered.
"""

from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shinbun.newsletter.models import (
    Consent,
    Delivery,
    Edition,
    Kind,
    Subscriber,
    Suppression,
    address_key,
)

# At most one confirmation mail per address in this time, however often it is entered.
MAIL_INTERVAL = timedelta(hours=1)
# How long a confirmation link works.
CONFIRM_MAX_AGE = timedelta(days=3)
CONFIRM_SALT = "shinbun.newsletter.confirm"


class Outcome(StrEnum):
    SENT = "sent"
    NOT_ELIGIBLE = "not_eligible"
    ALREADY = "already"


class SignUp(NamedTuple):
    outcome: Outcome
    # The sign-up whose confirmation mail is to be sent (None: no mail this time).
    consent_id: int | None = None


# SPEC §2 item 9, word for word.
OUTCOME_TEXTS = {
    Outcome.SENT: _(
        "入力いただいたメールアドレスにメールを送付しました。"
        "メールのリンクをクリックすると記事全文をお読みいただけます。"
    ),
    Outcome.NOT_ELIGIBLE: _(
        "ニュースレターの登録に失敗しました。ご覧頂いている記事は、対象外になっています。"
    ),
    Outcome.ALREADY: _(
        "入力いただきましたメールアドレスは既に登録済みとなっております。"
        "ニュースレターの配信をお待ち下さい。"
    ),
}
# The sign-up on the newsletter page unlocks no article.
SENT_WITHOUT_ARTICLE = _(
    "入力いただいたメールアドレスにメールを送付しました。"
    "メールのリンクをクリックすると登録が完了します。"
)


def is_suppressed(email: str) -> bool:
    return Suppression.objects.filter(email_key=address_key(email)).exists()


def sign_up(
    email: str,
    *,
    form_url: str,
    consent_text: str,
    article=None,
    own_address: bool = False,
    language: str = "ja",
    now: datetime | None = None,
) -> SignUp:
    """Record a sign-up; the caller sends the confirmation mail it names once this has
    committed. ``article``: the article page the box was on (its unlock comes with the
    confirmation); ``own_address``: the address is the logged-in reader's verified one."""
    if article is not None and not article.newsletter_unlock:
        return SignUp(Outcome.NOT_ELIGIBLE)
    now = now or timezone.now()
    key = address_key(email)
    with transaction.atomic():
        subscriber, _created = Subscriber.objects.get_or_create(
            kind=Kind.NEWS5, email_key=key, defaults={"email": email.strip()}
        )
        # One sign-up at a time per address: the interval below is checked and set once.
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if own_address and subscriber.status == Subscriber.Status.ACTIVE:
            return SignUp(Outcome.ALREADY)
        if subscriber.last_mailed_at and now - subscriber.last_mailed_at < MAIL_INTERVAL:
            return SignUp(Outcome.SENT)
        if Suppression.objects.filter(email_key=key).exists():
            return SignUp(Outcome.SENT)
        consent = Consent.objects.create(
            subscriber=subscriber,
            email=email.strip(),
            created=now,
            form_url=form_url[:500],
            text=consent_text,
            language=language,
            article=article,
        )
        subscriber.last_mailed_at = now
        subscriber.save(update_fields=["last_mailed_at"])
    return SignUp(Outcome.SENT, consent.pk)


def confirm_token(consent: Consent) -> str:
    return signing.dumps([consent.pk, consent.nonce], salt=CONFIRM_SALT, compress=False)


class ConfirmError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


INVALID_LINK = _("このリンクは正しくありません。メールのリンクをもう一度お確かめください。")
EXPIRED_LINK = _("このリンクは有効期限が切れています。お手数ですが、もう一度ご登録ください。")
USED_LINK = _("このリンクは既に使われています。登録は完了しています。")


def consent_for(token: str) -> Consent:
    """The sign-up a confirmation link names, or ConfirmError (forged, expired)."""
    try:
        consent_id, nonce = signing.loads(
            token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE.total_seconds()
        )
    except signing.SignatureExpired:
        raise ConfirmError(EXPIRED_LINK) from None
    except (signing.BadSignature, TypeError, ValueError):
        raise ConfirmError(INVALID_LINK) from None
    consent = Consent.objects.select_related("subscriber", "article").filter(pk=consent_id).first()
    if consent is None or consent.nonce != nonce:
        raise ConfirmError(INVALID_LINK)
    return consent


def confirm(token: str, now: datetime | None = None) -> Consent:
    """Confirm the sign-up (double opt-in): the subscriber receives the editions from
    now on. A link works once (ConfirmError USED_LINK after that)."""
    now = now or timezone.now()
    with transaction.atomic():
        consent = consent_for(token)
        updated = Consent.objects.filter(pk=consent.pk, confirmed_at__isnull=True).update(
            confirmed_at=now
        )
        if not updated:
            raise ConfirmError(USED_LINK)
        consent.confirmed_at = now
        subscriber = Subscriber.objects.select_for_update().get(pk=consent.subscriber_id)
        if subscriber.status != Subscriber.Status.ACTIVE:
            _activate(subscriber, now)
    return consent


def _activate(subscriber: Subscriber, now: datetime) -> None:
    """The address receives its list from now on (again, after an unsubscribe)."""
    subscriber.status = Subscriber.Status.ACTIVE
    subscriber.confirmed_at = now
    subscriber.unsubscribed_at = None
    subscriber.unsubscribed_from = None
    subscriber.save()


def subscriber_for_token(token: str) -> Subscriber | None:
    if not token or len(token) > 64:
        return None
    return Subscriber.objects.filter(token=token).first()


def unsubscribe(subscriber: Subscriber, *, edition_id: int | None = None, now=None) -> bool:
    """Stop the newsletter for this address at once: no further message goes to it, not
    even from an edition being sent now. Returns False if it was already stopped."""
    now = now or timezone.now()
    if edition_id is not None and not Edition.objects.filter(pk=edition_id).exists():
        edition_id = None
    with transaction.atomic():
        changed = (
            Subscriber.objects.filter(pk=subscriber.pk)
            .exclude(status=Subscriber.Status.UNSUBSCRIBED)
            .update(
                status=Subscriber.Status.UNSUBSCRIBED,
                unsubscribed_at=now,
                unsubscribed_from_id=edition_id,
            )
        )
        _skip_open_deliveries(subscriber.pk)
    return bool(changed)


def suppress(email: str, reason: str, detail: str = "") -> None:
    """Never send to this address again (a hard bounce, a complaint, an operator)."""
    key = address_key(email)
    with transaction.atomic():
        Suppression.objects.get_or_create(
            email_key=key, defaults={"reason": reason, "detail": detail[:300]}
        )
        for subscriber_id in Subscriber.objects.filter(email_key=key).values_list("pk", flat=True):
            _skip_open_deliveries(subscriber_id)


def _skip_open_deliveries(subscriber_id: int) -> None:
    # A batch a worker holds right now may still carry this address for the moment it
    # takes to send (under a second); the worker then finds the row settled.
    Delivery.objects.filter(subscriber_id=subscriber_id, status__in=Delivery.OPEN).update(
        status=Delivery.Status.SKIPPED
    )


def consent_text(site_name: str | None = None) -> str:
    """The consent text the sign-up forms show (SPEC §2 item 9), as kept in the record."""
    # The same message as the form's {% blocktranslate %}, so what is kept is what was shown.
    return str(
        _(
            "ご登録いただいたメールアドレス宛てにニュースレターの配信と%(site_name)sの"
            "キャンペーン情報などをお送りします(登録後の配信解除も可能です)。"
            "これらメール配信の目的に限りメールアドレスを利用します。"
            "%(site_name)sIDなどその他のサービスに自動で登録されることはありません。"
        )
        % {"site_name": site_name or settings.SITE_NAME}
    )


# The My News digest ---------------------------------------------------------------------


def digest_consent_text() -> str:
    return str(
        _(
            "Myニュースに新しい記事が届いた日の朝、その見出しをまとめてご登録のメールアドレス"
            "にお送りします。配信はアカウントページかメールのリンクからいつでも停止できます。"
        )
    )


def digest_subscriber(user) -> Subscriber | None:
    return Subscriber.objects.filter(kind=Kind.DIGEST, user=user).first()


def wants_digest(user) -> bool:
    found = digest_subscriber(user)
    return found is not None and found.status == Subscriber.Status.ACTIVE


def set_digest(user, on: bool, *, form_url: str = "", now: datetime | None = None) -> bool:
    """Turn the member's daily digest on (their verified account address needs no second
    confirmation; the consent is recorded as for the newsletter) or off. Harmless to
    repeat; returns whether anything changed."""
    now = now or timezone.now()
    with transaction.atomic():
        subscriber, _created = Subscriber.objects.select_for_update().get_or_create(
            kind=Kind.DIGEST, user=user, defaults={"email": user.email}
        )
        if not on:
            return unsubscribe(subscriber, now=now)
        if subscriber.status == Subscriber.Status.ACTIVE:
            return False
        subscriber.email = user.email
        _activate(subscriber, now)
        Consent.objects.create(
            subscriber=subscriber,
            email=user.email,
            created=now,
            form_url=form_url[:500],
            text=digest_consent_text(),
            confirmed_at=now,
        )
    return True
