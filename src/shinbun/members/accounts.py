"""Accounts over django-allauth: the adapter and the account e-mails, a reader's own data,
and deleting an account."""

from datetime import datetime
from functools import partial
from urllib.parse import urlsplit, urlunsplit

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.http import url_has_allowed_host_and_scheme

from shinbun.core.mail import absolute, build_message
from shinbun.core.timefmt import iso_jst
from shinbun.members import services
from shinbun.members.models import (
    AccessToken,
    AuditLog,
    MeteredRead,
    Receipt,
    Subscription,
    User,
)
from shinbun.members.signals import personal_data_requested


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Every e-mail allauth sends, from the site's own templates: account/email/<name>
        becomes templates/mail/account/<name>."""
        send_account_mail(template_prefix.rpartition("/")[2], email, context)

    def respond_email_verification_sent(self, request, user):
        """A sign-up with a registered address creates nothing (user is None here), so it
        would answer before a new address's password is hashed; hashing the submitted
        password as well keeps the answer's timing from telling whether the address has
        an account. This runs whether or not the e-mail itself was rate-limited."""
        if user is None and request.POST.get("password1"):
            make_password(request.POST["password1"])
        return super().respond_email_verification_sent(request, user)

    def is_safe_url(self, url: str | None) -> bool:
        """`next=` stays on this site: a path on the host the request came to."""
        if not url:
            return False
        request = getattr(self, "request", None)
        host = request.get_host() if request is not None else None
        return url_has_allowed_host_and_scheme(
            url, allowed_hosts={host} if host else set(), require_https=False
        )


def _on_base_url(url: str) -> str:
    parts = urlsplit(url)
    return absolute(urlunsplit(("", "", parts.path, parts.query, parts.fragment)))


def send_account_mail(name: str, email: str, context: dict) -> None:
    """An account e-mail (templates/mail/account/<name>) in the site's voice. allauth makes
    its links (``activate_url``, ``password_reset_url``, ``signup_url``) from the request's
    host, some in flows with no hook to change it: every ``*_url`` is put on
    SHINBUN_BASE_URL here, so a forged Host never reaches a reader's inbox."""
    links = {
        key: _on_base_url(value)
        for key, value in context.items()
        if key.endswith("_url") and isinstance(value, str) and value
    }
    minutes = max(1, allauth_settings.LOGIN_BY_CODE_TIMEOUT // 60)
    context = {**context, **links, "code_minutes": minutes}
    build_message(email, f"mail/account/{name}", context).send()


# What deleting an account removes and what it keeps, as the page states it.
DELETES = [
    "アカウント(メールアドレス、パスワード、表示名)",
    "登録済みのメールアドレスとログインの記録",
    "ご契約中のプラン(ただちに解約され、以後の請求はありません。残りの期間の返金はありません)",
    "今月お読みになった有料記事の記録(メーター)",
    "APIのアクセストークン",
]
KEEPS = [
    "領収書と監査ログ(お支払いと契約の記録として法令に従い保存します。会員情報とのつながりとメールアドレスは消し、記録だけが残ります)",
]


@transaction.atomic
def delete_account(user: User, *, actor: User, reason: str) -> None:
    """Cancel what is live (through its provider), leave an audit row, delete the user,
    and confirm it by e-mail to the address the account had."""
    from shinbun.members.payments import provider_for

    live = Subscription.objects.live().filter(user=user).first()
    if live is not None:
        provider_for(live).end_now(live, actor=actor, reason=reason)
    services.audit("account.deleted", subject=user, actor=None, reason=reason, user_id=user.pk)
    # The audit rows stay as the record of what happened; the person leaves them.
    AuditLog.objects.filter(subject=user).update(subject_email="")
    context = {"plan_ended": live is not None}
    user.delete()
    # Told once the deletion holds; a mail server that is down does not undo it.
    transaction.on_commit(
        partial(send_account_mail, "account_deleted", user.email, context), robust=True
    )


def personal_data(user: User, *, now: datetime) -> dict:
    """Everything the site keeps about one reader, for the reader (個人情報の開示): the
    account's parts here, and the other domains' parts (follows, saved lists, the
    newsletters, Think!) from their answers to ``personal_data_requested``."""
    data = {
        "generated_at": iso_jst(now),
        "profile": {
            "email": user.email,
            "display_name": user.display_name,
            "date_joined": iso_jst(user.date_joined),
            "last_login": iso_jst(user.last_login),
            "is_expert": user.is_expert,
            "expert_title": user.expert_title,
            "expert_affiliation": user.expert_affiliation,
            "email_addresses": [
                {"email": a.email, "verified": a.verified, "primary": a.primary}
                for a in EmailAddress.objects.filter(user=user).order_by("id")
            ],
        },
        "subscriptions": [
            {
                "plan": s.plan.name,
                "price_jpy": s.plan.price_jpy,
                "campaign": s.campaign.name if s.campaign else None,
                "status": s.status,
                "paid": s.paid,
                "started_at": iso_jst(s.started_at),
                "trial_ends_at": iso_jst(s.trial_ends_at),
                "current_period_start": iso_jst(s.current_period_start),
                "current_period_end": iso_jst(s.current_period_end),
                "cancel_at_period_end": s.cancel_at_period_end,
                "canceled_at": iso_jst(s.canceled_at),
                "ended_at": iso_jst(s.ended_at),
                "payment_provider": s.provider,
            }
            for s in Subscription.objects.filter(user=user)
            .select_related("plan", "campaign")
            .order_by("started_at", "id")
        ],
        "receipts": [
            {
                "number": r.number,
                "description": r.description,
                "amount_jpy": r.amount_jpy,
                "period_start": iso_jst(r.period_start),
                "period_end": iso_jst(r.period_end),
                "issued_at": iso_jst(r.issued_at),
            }
            for r in Receipt.objects.filter(user=user).order_by("issued_at", "id")
        ],
        "meter_reads": [
            {
                "article_id": read.article_id,
                "headline": read.article.headline,
                "url": settings.BASE_URL + read.article.get_absolute_url(),
                "month": read.month.isoformat(),
                "read_at": iso_jst(read.read_at),
            }
            for read in MeteredRead.objects.filter(user=user)
            .select_related("article")
            .only("article_id", "article__headline", "month", "read_at")
            .order_by("read_at", "id")
        ],
        "access_tokens": [
            {
                "name": t.name,
                "prefix": t.prefix,
                "created_at": iso_jst(t.created_at),
                "last_used_at": iso_jst(t.last_used_at),
                "revoked_at": iso_jst(t.revoked_at),
            }
            for t in AccessToken.objects.filter(user=user).order_by("created_at", "id")
        ],
        "account_history": [
            {"at": iso_jst(row.created_at), "action": row.action, "reason": row.reason}
            for row in AuditLog.objects.filter(subject=user).order_by("created_at", "id")
        ],
    }
    for _receiver, parts in personal_data_requested.send(sender=User, user=user):
        data.update(parts)
    return data
