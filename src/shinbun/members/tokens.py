"""Personal access tokens for the JSON API. Only a SHA-256 hash of a token is stored;
the token itself is shown once, when it is created."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from shinbun.members import services
from shinbun.members.models import AccessToken, User

PREFIX = "shb_"
MAX_TOKENS = 20
TOUCH_EVERY = timedelta(minutes=5)


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
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
