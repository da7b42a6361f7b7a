"""Personal access tokens for the JSON API. Only a SHA-256 hash of a token is stored;
the token itself is shown once, when it is created."""

import hashlib
import logging
import secrets
from datetime import timedelta

from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from shinbun.members import services
from shinbun.members.models import AccessToken, User

PREFIX = "shb_"
MAX_TOKENS = 20
TOUCH_EVERY = timedelta(minutes=5)

log = logging.getLogger(__name__)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def create_token(user: User, name: str, now=None) -> tuple[AccessToken, str]:
    now = now or timezone.now()
    if AccessToken.objects.filter(user=user, revoked_at=None).count() >= MAX_TOKENS:
        raise services.MembershipError("アクセストークンは20個まで作れます。")
    raw = PREFIX + secrets.token_urlsafe(32)
    token = AccessToken.objects.create(
        user=user, name=name, token_hash=_hash(raw), prefix=raw[:10], created_at=now
    )
    services.audit("token.created", subject=user, actor=user, now=now, token=token, name=name)
    return token, raw


@transaction.atomic
def revoke_token(token: AccessToken, *, actor: User, now=None) -> None:
    now = now or timezone.now()
    if token.revoked_at is None:
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
        services.audit("token.revoked", subject=token.user, actor=actor, now=now, token=token)


def user_for_token(raw: str) -> User | None:
    if not raw.startswith(PREFIX) or len(raw) > 100:
        return None
    token = (
        AccessToken.objects.select_related("user")
        .filter(token_hash=_hash(raw), revoked_at=None, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    touch(token)
    return token.user


def touch(token: AccessToken, now=None) -> None:
    """Record when a token was last used, at most once per TOUCH_EVERY: most API calls
    write nothing. The UPDATE is conditional, so callers racing on the same token write
    once; and a database too busy to take the write leaves the old time rather than
    failing the call, since the time only tells the member roughly when it was used."""
    now = now or timezone.now()
    stale = now - TOUCH_EVERY
    if token.last_used_at is not None and token.last_used_at > stale:
        return
    try:
        with transaction.atomic():
            AccessToken.objects.filter(
                Q(last_used_at=None) | Q(last_used_at__lte=stale), pk=token.pk
            ).update(last_used_at=now)
    except OperationalError as error:
        log.warning("token %s: last use not recorded: %s", token.prefix, error)
