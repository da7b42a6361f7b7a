"""Every change of a membership is one function here, run in one transaction, leaving an
audit row (who, what, when, why). Views, the admin, payment providers and tasks call
these; none of them changes a Subscription or a Receipt by itself.

``actor`` is the person who asked for the change (the member, or an operator); None
means the system (a payment provider's notice, a periodic task).
"""

import calendar
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shinbun.core.cache import forget
from shinbun.core.timefmt import JST
from shinbun.members import entitlements
from shinbun.members.campaigns import trial_end, trial_offer
from shinbun.members.models import AuditLog, MeterSetting, Plan, Receipt, Subscription, User


class MembershipError(Exception):
    """A change that cannot be made; the message is for the member (Japanese)."""


def audit(
    action: str,
    *,
    subject: User | None,
    actor: User | None = None,
    reason: str = "",
    now: datetime | None = None,
    **detail,
) -> AuditLog:
    return AuditLog.objects.create(
        created_at=now or timezone.now(),
        actor=actor,
        subject=subject,
        subject_email=subject.email if subject else "",
        action=action,
        reason=reason[:300],
        detail={k: _jsonable(v) for k, v in detail.items()},
    )


def _jsonable(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def add_period(start: datetime, interval: str, count: int = 1) -> datetime:
    """The same day and time ``count`` months (or years) later in Japan time, clamped to
    the month's last day (1月31日 -> 2月28日)."""
    local = start.astimezone(JST)
    months = count * (12 if interval == Plan.Interval.YEAR else 1)
    year, month0 = divmod(local.month - 1 + months, 12)
    year += local.year
    day = min(local.day, calendar.monthrange(year, month0 + 1)[1])
    return local.replace(year=year, month=month0 + 1, day=day)


# The meter ---------------------------------------------------------------------------


@transaction.atomic
def set_meter_limit(limit: int, *, by: User | None, now: datetime | None = None) -> MeterSetting:
    """The operator's monthly allowance of paid-only articles for free members (audited).
    Every page reads it again within a minute: the shared cache forgets it now, and the
    member page variants are keyed by it."""
    previous = entitlements.meter_limit()
    setting, _created = MeterSetting.objects.update_or_create(pk=1, defaults={"limit": limit})
    if limit != previous:
        audit(
            "members.meter_limit_changed",
            subject=None,
            actor=by,
            now=now,
            limit=limit,
            previous=previous,
        )
    forget(entitlements.METER_LIMIT_KEY)
    return setting


# Subscriptions ---------------------------------------------------------------------


def _lock_member(user: User) -> User:
    """Serialises membership changes of one member (row lock on PostgreSQL; SQLite's
    IMMEDIATE transactions already serialise writers)."""
    return User.objects.select_for_update().get(pk=user.pk)


def _ensure_no_live_subscription(user: User) -> None:
    if Subscription.objects.live().filter(user=user).exists():
        raise MembershipError(_("すでにご契約中のプランがあります。"))


def _create(user: User, **fields) -> Subscription:
    try:
        with transaction.atomic():
            return Subscription.objects.create(user=user, **fields)
    except IntegrityError as exc:
        raise MembershipError(_("すでにご契約中のプランがあります。")) from exc


def issue_receipt(
    subscription: Subscription,
    *,
    amount_jpy: int,
    period_start: datetime,
    period_end: datetime,
    now: datetime,
    provider_reference: str = "",
) -> Receipt:
    local = now.astimezone(JST)
    return Receipt.objects.create(
        user=subscription.user,
        subscription=subscription,
        number=f"R{local:%Y%m%d}-{secrets.token_hex(4).upper()}",
        description=subscription.plan.name,
        amount_jpy=amount_jpy,
        period_start=period_start,
        period_end=period_end,
        issued_at=now,
        provider_reference=provider_reference,
    )


@transaction.atomic
def start_trial(
    user: User,
    plan: Plan,
    *,
    actor: User | None,
    reason: str,
    now: datetime | None = None,
    provider: str = Subscription.Provider.MANUAL,
    provider_customer_id: str = "",
    provider_subscription_id: str = "",
    trial_ends_at: datetime | None = None,
) -> Subscription:
    """無料体験: the running campaign's free period, for a new subscriber only."""
    now = now or timezone.now()
    _lock_member(user)
    _ensure_no_live_subscription(user)
    offer = trial_offer(user, plan, now)
    if offer.campaign is None:
        raise MembershipError(_("現在、無料体験のキャンペーンは行っていません。"))
    if not offer.eligible:
        raise MembershipError(offer.message)
    ends = trial_ends_at or trial_end(offer.campaign, now)
    subscription = _create(
        user,
        plan=plan,
        campaign=offer.campaign,
        status=Subscription.Status.TRIALING,
        started_at=now,
        trial_ends_at=ends,
        current_period_start=now,
        current_period_end=ends,
        provider=provider,
        provider_customer_id=provider_customer_id,
        provider_subscription_id=provider_subscription_id,
    )
    audit(
        "subscription.trial_started",
        subject=user,
        actor=actor,
        reason=reason,
        now=now,
        subscription=subscription,
        plan=plan.code,
        campaign=offer.campaign.name,
        trial_ends_at=ends,
    )
    return subscription


@transaction.atomic
def subscribe(
    user: User,
    plan: Plan,
    *,
    actor: User | None,
    reason: str,
    now: datetime | None = None,
    provider: str = Subscription.Provider.MANUAL,
    provider_customer_id: str = "",
    provider_subscription_id: str = "",
    period_end: datetime | None = None,
    charge: bool = True,
    provider_reference: str = "",
) -> Subscription:
    """A paid subscription from now. ``charge`` issues the first receipt at once (the
    manual provider); with Stripe the receipt comes with the invoice.paid notice."""
    now = now or timezone.now()
    if not plan.is_active:
        raise MembershipError(_("このプランは現在お申し込みいただけません。"))
    _lock_member(user)
    _ensure_no_live_subscription(user)
    end = period_end or add_period(now, plan.interval)
    subscription = _create(
        user,
        plan=plan,
        status=Subscription.Status.ACTIVE,
        started_at=now,
        current_period_start=now,
        current_period_end=end,
        paid=charge,
        provider=provider,
        provider_customer_id=provider_customer_id,
        provider_subscription_id=provider_subscription_id,
    )
    if charge:
        issue_receipt(
            subscription,
            amount_jpy=plan.price_jpy,
            period_start=now,
            period_end=end,
            now=now,
            provider_reference=provider_reference,
        )
    audit(
        "subscription.started",
        subject=user,
        actor=actor,
        reason=reason,
        now=now,
        subscription=subscription,
        plan=plan.code,
        period_end=end,
    )
    return subscription


def _locked(subscription: Subscription) -> Subscription:
    return (
        Subscription.objects.select_for_update()
        .select_related("plan", "user")
        .get(pk=subscription.pk)
    )


@transaction.atomic
def renew(
    subscription: Subscription,
    *,
    actor: User | None,
    reason: str,
    now: datetime | None = None,
    amount_jpy: int | None = None,
    period_start: datetime | None = None,
    period_end: datetime | None = None,
    provider_reference: str = "",
) -> Subscription:
    """A payment for the next period arrived: the subscription is (again) active until
    the new period's end, and a receipt is issued. Trials turn into paid subscriptions
    here. A payment already recorded (same provider reference) changes nothing."""
    now = now or timezone.now()
    sub = _locked(subscription)
    if provider_reference and Receipt.objects.filter(provider_reference=provider_reference):
        return sub
    if not sub.is_live:
        raise MembershipError(_("終了した契約は更新できません。"))
    start = period_start or max(sub.current_period_end, now)
    end = period_end or add_period(start, sub.plan.interval)
    amount = sub.plan.price_jpy if amount_jpy is None else amount_jpy
    before = sub.status
    sub.status = Subscription.Status.ACTIVE
    sub.current_period_start = start
    sub.current_period_end = end
    sub.paid = sub.paid or amount > 0
    sub.save(update_fields=["status", "current_period_start", "current_period_end", "paid"])
    if amount > 0:
        issue_receipt(
            sub,
            amount_jpy=amount,
            period_start=start,
            period_end=end,
            now=now,
            provider_reference=provider_reference,
        )
    audit(
        "subscription.renewed",
        subject=sub.user,
        actor=actor,
        reason=reason,
        now=now,
        subscription=sub,
        status_before=before,
        period_end=end,
        amount_jpy=amount,
    )
    return sub


@transaction.atomic
def cancel(
    subscription: Subscription,
    *,
    actor: User | None,
    reason: str,
    now: datetime | None = None,
    at_period_end: bool = True,
) -> Subscription:
    """解約. By default the member keeps reading until the paid (or trial) period ends;
    ``at_period_end=False`` ends it now (an operator's decision, or the provider's)."""
    now = now or timezone.now()
    sub = _locked(subscription)
    if not sub.is_live:
        raise MembershipError(_("この契約はすでに終了しています。"))
    if not at_period_end:
        return _end(sub, Subscription.Status.CANCELED, actor=actor, reason=reason, now=now)
    if sub.cancel_at_period_end:
        return sub
    sub.cancel_at_period_end = True
    sub.canceled_at = now
    sub.save(update_fields=["cancel_at_period_end", "canceled_at"])
    audit(
        "subscription.cancel_requested",
        subject=sub.user,
        actor=actor,
        reason=reason,
        now=now,
        subscription=sub,
        ends_at=sub.current_period_end,
    )
    return sub


@transaction.atomic
def resume(
    subscription: Subscription, *, actor: User | None, reason: str, now: datetime | None = None
) -> Subscription:
    """Take back a cancellation before the period ends."""
    now = now or timezone.now()
    sub = _locked(subscription)
    if not sub.is_live or not sub.cancel_at_period_end:
        raise MembershipError(_("取り消せる解約の申し込みはありません。"))
    sub.cancel_at_period_end = False
    sub.canceled_at = None
    sub.save(update_fields=["cancel_at_period_end", "canceled_at"])
    audit("subscription.resumed", subject=sub.user, actor=actor, reason=reason, now=now)
    return sub


@transaction.atomic
def mark_past_due(
    subscription: Subscription, *, actor: User | None, reason: str, now: datetime | None = None
) -> Subscription:
    now = now or timezone.now()
    sub = _locked(subscription)
    if sub.status == Subscription.Status.PAST_DUE or not sub.is_live:
        return sub
    before = sub.status
    sub.status = Subscription.Status.PAST_DUE
    sub.save(update_fields=["status"])
    audit(
        "subscription.past_due",
        subject=sub.user,
        actor=actor,
        reason=reason,
        now=now,
        subscription=sub,
        status_before=before,
    )
    return sub


def _end(sub: Subscription, status: str, *, actor, reason: str, now: datetime) -> Subscription:
    before = sub.status
    sub.status = status
    sub.ended_at = now
    if status == Subscription.Status.CANCELED and sub.canceled_at is None:
        sub.canceled_at = now
    sub.save(update_fields=["status", "ended_at", "canceled_at"])
    audit(
        f"subscription.{status}",
        subject=sub.user,
        actor=actor,
        reason=reason,
        now=now,
        subscription=sub,
        status_before=before,
    )
    return sub


@transaction.atomic
def expire(
    subscription: Subscription, *, actor: User | None, reason: str, now: datetime | None = None
) -> Subscription:
    """End a subscription whose period is over: ``canceled`` if the member cancelled it,
    ``expired`` if it simply was not paid for (a trial not converted, a failed payment)."""
    now = now or timezone.now()
    sub = _locked(subscription)
    if not sub.is_live:
        return sub
    status = (
        Subscription.Status.CANCELED if sub.cancel_at_period_end else Subscription.Status.EXPIRED
    )
    return _end(sub, status, actor=actor, reason=reason, now=now)


@transaction.atomic
def apply_provider_state(
    subscription: Subscription,
    *,
    status: str,
    period_start: datetime | None,
    period_end: datetime | None,
    cancel_at_period_end: bool,
    reason: str,
    now: datetime | None = None,
) -> Subscription:
    """Bring a subscription in line with what the payment provider reports (Stripe's
    customer.subscription.* notices). Changes nothing, and logs nothing, when it agrees."""
    now = now or timezone.now()
    sub = _locked(subscription)
    if not sub.is_live:
        return sub
    if status not in Subscription.LIVE:
        return _end(sub, status, actor=None, reason=reason, now=now)
    changes = {}
    wanted = {
        "status": status,
        "current_period_start": period_start or sub.current_period_start,
        "current_period_end": period_end or sub.current_period_end,
        "cancel_at_period_end": cancel_at_period_end,
    }
    if status == Subscription.Status.TRIALING and period_end:
        wanted["trial_ends_at"] = period_end
    if cancel_at_period_end != sub.cancel_at_period_end:
        wanted["canceled_at"] = now if cancel_at_period_end else None
    for field, value in wanted.items():
        if getattr(sub, field) != value:
            changes[field] = [_jsonable(getattr(sub, field)), _jsonable(value)]
            setattr(sub, field, value)
    if not changes:
        return sub
    sub.save(update_fields=list(changes))
    audit("subscription.synced", subject=sub.user, reason=reason, now=now, changes=changes)
    return sub


def settle_due(now: datetime | None = None) -> dict[str, int]:
    """The periodic pass over subscriptions whose period is over. Cancelled ones end;
    manual-provider ones renew (the demo's payment always succeeds); past-due ones end
    after the grace period. Stripe subscriptions otherwise follow Stripe's notices."""
    now = now or timezone.now()
    grace = timedelta(days=settings.PAST_DUE_GRACE_DAYS)
    counts = {"ended": 0, "renewed": 0}
    due = Subscription.objects.live().filter(current_period_end__lte=now).select_related("plan")
    for sub in due:
        if sub.cancel_at_period_end:
            expire(sub, actor=None, reason=_("期間終了による解約"), now=now)
            counts["ended"] += 1
        elif sub.status == Subscription.Status.PAST_DUE:
            if sub.current_period_end + grace <= now:
                expire(sub, actor=None, reason=_("支払い遅延の猶予期間の終了"), now=now)
                counts["ended"] += 1
        elif sub.provider == Subscription.Provider.MANUAL:
            renew(sub, actor=None, reason=_("自動更新(手動決済)"), now=now)
            counts["renewed"] += 1
    return counts
