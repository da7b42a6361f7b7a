"""Accounts over django-allauth: the adapter, and deleting an account."""

from types import SimpleNamespace

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.http import url_has_allowed_host_and_scheme

from shinbun.members import services
from shinbun.members.models import Subscription, User


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Account e-mails are signed with the publication's name, not the host name."""
        request = getattr(self, "request", None)
        domain = request.get_host() if request is not None else settings.BASE_URL
        context.setdefault("current_site", SimpleNamespace(name=settings.SITE_NAME, domain=domain))
        super().send_mail(template_prefix, email, context)

    def send_account_already_exists_mail(self, email: str) -> None:
        """Sign-up with a registered address creates nothing, so it would answer before a
        new address's password is hashed; hashing the submitted password the same way
        keeps the answer's timing from telling whether the address has an account."""
        request = context.request
        password = request.POST.get("password1") if request is not None else None
        if password:
            make_password(password)
        super().send_account_already_exists_mail(email)

    def is_safe_url(self, url: str | None) -> bool:
        """`next=` stays on this site: a path on the host the request came to."""
        if not url:
            return False
        request = getattr(self, "request", None)
        host = request.get_host() if request is not None else None
        return url_has_allowed_host_and_scheme(
            url, allowed_hosts={host} if host else set(), require_https=False
        )


# What deleting an account removes and what it keeps, as the page states it.
DELETES = [
    "アカウント(メールアドレス、パスワード、表示名)",
    "登録済みのメールアドレスとログインの記録",
    "ご契約中のプラン(ただちに解約され、以後の請求はありません。残りの期間の返金はありません)",
    "今月お読みになった有料記事の記録(メーター)",
    "APIのアクセストークン",
]
KEEPS = [
    "領収書と監査ログ(お支払いと契約の記録として法令に従い保存します。会員情報とのつながりは外し、メールアドレスのみ記録に残ります)",
]


@transaction.atomic
def delete_account(user: User, *, actor: User, reason: str) -> None:
    """Cancel what is live (through its provider), leave an audit row, delete the user."""
    from shinbun.members.payments import provider_for

    live = Subscription.objects.live().filter(user=user).first()
    if live is not None:
        provider_for(live).end_now(live, actor=actor, reason=reason)
    services.audit("account.deleted", subject=user, actor=None, reason=reason, user_id=user.pk)
    user.delete()
