"""Stripe's webhooks: verified by Stripe's signature, applied once per event id.

A bad signature or an event type we do not handle is refused (400) and changes
nothing; a replayed event (same id) is acknowledged and changes nothing twice. Each
event is applied in one transaction together with the row that records its id.
"""

import json
import re
import time
from datetime import UTC, datetime

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shinbun.members import services
from shinbun.members.models import Plan, Subscription, User, WebhookEvent

EVENT_ID = re.compile(r"[A-Za-z0-9_]{1,100}")
# Stripe's library refuses signatures older than its tolerance but not ones dated ahead;
# a signature from the future is refused beyond a small allowance for clock drift.
FUTURE_TOLERANCE_SECONDS = 300
# Stripe's events nest about ten levels deep; a deeper body is not one of theirs, and
# walking it could exhaust the interpreter's stack.
MAX_DEPTH = 64
STATUS = {
    "trialing": Subscription.Status.TRIALING,
    "active": Subscription.Status.ACTIVE,
    "past_due": Subscription.Status.PAST_DUE,
    "unpaid": Subscription.Status.PAST_DUE,
    "paused": Subscription.Status.PAST_DUE,
    "canceled": Subscription.Status.CANCELED,
    "incomplete_expired": Subscription.Status.EXPIRED,
}


class WebhookError(Exception):
    """Refused with a 400; Stripe retries, and nothing was changed."""


def _signed_at(header: str) -> int:
    """The `t=` timestamp of a Stripe-Signature header that has already been verified."""
    for item in header.split(","):
        key, _sep, value = item.partition("=")
        if key.strip() == "t":
            return int(value)
    raise ValueError("no timestamp")


def _depth(value) -> int:
    """How deeply a parsed JSON value nests, walked without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in item)
    return deepest


def _time(value) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


def _subscription_id(obj: dict) -> str:
    sub = obj.get("subscription")
    if not sub:  # API versions from 2025 put it under parent.subscription_details
        sub = ((obj.get("parent") or {}).get("subscription_details") or {}).get("subscription")
    if isinstance(sub, dict):
        sub = sub.get("id")
    return sub or ""


def _find(provider_subscription_id: str) -> Subscription | None:
    if not provider_subscription_id:
        return None
    return Subscription.objects.filter(
        provider=Subscription.Provider.STRIPE, provider_subscription_id=provider_subscription_id
    ).first()


def _require(provider_subscription_id: str) -> Subscription:
    """Stripe does not promise order: a notice about a subscription that its
    checkout.session.completed has not created yet is refused, and Stripe sends it again."""
    sub = _find(provider_subscription_id)
    if sub is None:
        raise WebhookError(_("対象の契約がまだ見つかりません。"))
    return sub


def _period(obj: dict) -> tuple[datetime | None, datetime | None]:
    start, end = obj.get("current_period_start"), obj.get("current_period_end")
    if not end:  # newer API versions: on the subscription's items
        items = (obj.get("items") or {}).get("data") or [{}]
        start, end = items[0].get("current_period_start"), items[0].get("current_period_end")
    return _time(start), _time(end)


def checkout_completed(obj: dict, now: datetime) -> None:
    if obj.get("mode") != "subscription":
        return
    metadata = obj.get("metadata") or {}
    user = User.objects.filter(pk=obj.get("client_reference_id") or metadata.get("user_id")).first()
    plan = Plan.objects.filter(code=metadata.get("plan", "")).first()
    if user is None or plan is None:
        raise WebhookError(_("会員またはプランが見つかりません。"))
    sub_id = _subscription_id(obj)
    if _find(sub_id):
        return
    ids = {
        "provider": Subscription.Provider.STRIPE,
        "provider_customer_id": obj.get("customer") or "",
        "provider_subscription_id": sub_id,
    }
    try:
        if metadata.get("campaign"):
            services.start_trial(user, plan, actor=None, reason="Stripe Checkout", now=now, **ids)
        else:
            services.subscribe(
                user, plan, actor=None, reason="Stripe Checkout", now=now, charge=False, **ids
            )
    except services.MembershipError as exc:
        raise WebhookError(str(exc)) from exc


def subscription_updated(obj: dict, now: datetime) -> None:
    sub = _require(obj.get("id", ""))
    status = STATUS.get(obj.get("status", ""))
    if status is None:
        return  # incomplete: the first payment is still pending
    start, end = _period(obj)
    services.apply_provider_state(
        sub,
        status=status,
        period_start=start,
        period_end=end,
        cancel_at_period_end=bool(obj.get("cancel_at_period_end")),
        now=now,
        reason="Stripe: customer.subscription.updated",
    )


def subscription_deleted(obj: dict, now: datetime) -> None:
    sub = _require(obj.get("id", ""))
    services.apply_provider_state(
        sub,
        status=Subscription.Status.CANCELED,
        period_start=None,
        period_end=None,
        cancel_at_period_end=bool(obj.get("cancel_at_period_end")),
        now=now,
        reason="Stripe: customer.subscription.deleted",
    )


def invoice_paid(obj: dict, now: datetime) -> None:
    amount = int(obj.get("amount_paid") or 0)
    if amount <= 0 or not _subscription_id(obj):
        return  # a trial's zero invoice, or a one-off invoice
    sub = _require(_subscription_id(obj))
    lines = (obj.get("lines") or {}).get("data") or [{}]
    period = lines[0].get("period") or {}
    try:
        services.renew(
            sub,
            actor=None,
            reason="Stripe: invoice.paid",
            now=now,
            amount_jpy=amount,
            period_start=_time(period.get("start")),
            period_end=_time(period.get("end")),
            provider_reference=obj.get("id", ""),
        )
    except services.MembershipError as exc:
        raise WebhookError(str(exc)) from exc


def invoice_payment_failed(obj: dict, now: datetime) -> None:
    if _subscription_id(obj):
        sub = _require(_subscription_id(obj))
        services.mark_past_due(sub, actor=None, reason="Stripe: invoice.payment_failed", now=now)


HANDLERS = {
    "checkout.session.completed": checkout_completed,
    "customer.subscription.updated": subscription_updated,
    "customer.subscription.deleted": subscription_deleted,
    "invoice.paid": invoice_paid,
    "invoice.payment_failed": invoice_payment_failed,
}


def handle(payload: bytes, signature: str | None, now: datetime | None = None) -> str:
    """Verify and apply one webhook delivery. Returns "applied" or "duplicate"."""
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(
            text, signature or "", settings.STRIPE_WEBHOOK_SECRET, stripe.Webhook.DEFAULT_TOLERANCE
        )
        if _signed_at(signature) > time.time() + FUTURE_TOLERANCE_SECONDS:
            raise ValueError("signed in the future")
    except (ValueError, UnicodeDecodeError, stripe.SignatureVerificationError) as exc:
        raise WebhookError(_("署名を確認できませんでした。")) from exc
    try:
        event = json.loads(text)
    except RecursionError as exc:
        raise WebhookError(_("通知の入れ子が深すぎます。")) from exc
    except ValueError as exc:
        raise WebhookError(_("通知の内容を読み取れませんでした。")) from exc
    if _depth(event) > MAX_DEPTH:
        raise WebhookError(_("通知の入れ子が深すぎます。"))
    if not isinstance(event, dict):
        raise WebhookError(_("扱っていない種類の通知です。"))
    handler = HANDLERS.get(event.get("type")) if isinstance(event.get("type"), str) else None
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if handler is None or not isinstance(obj, dict):
        raise WebhookError(_("扱っていない種類の通知です。"))
    if not EVENT_ID.fullmatch(str(event.get("id", ""))):
        raise WebhookError(_("扱っていない種類の通知です。"))
    now = now or timezone.now()
    if WebhookEvent.objects.filter(provider="stripe", event_id=event["id"]).exists():
        return "duplicate"
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(
                provider="stripe", event_id=event["id"], event_type=event["type"], received_at=now
            )
            handler(obj, now)
    except IntegrityError:
        return "duplicate"
    except (AttributeError, TypeError, ValueError, KeyError, OverflowError, OSError) as exc:
        # A signed notice whose fields are not what Stripe sends: nothing was changed.
        raise WebhookError(_("通知の内容を読み取れませんでした。")) from exc
    return "applied"
