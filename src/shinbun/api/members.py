"""/api/v1/me: the caller's membership, plan and meter."""

from datetime import date, datetime

from django.utils import timezone
from ninja import Router, Schema

from shinbun.api.auth import MEMBER_AUTH, per_caller
from shinbun.members.entitlements import MEMBER_KINDS, meter_month, meter_state, reader_for
from shinbun.members.models import Subscription

router = Router(tags=["会員"])


class PlanOut(Schema):
    code: str
    name: str
    interval: str
    price_jpy: int
    status: str
    current_period_end: datetime
    trial_ends_at: datetime | None
    cancel_at_period_end: bool


class MeterOut(Schema):
    month: date
    limit: int
    used: int
    remaining: int


class MeOut(Schema):
    email: str
    display_name: str
    reader: str
    plan: PlanOut | None
    meter: MeterOut | None


@router.get("/me", response=MeOut, auth=MEMBER_AUTH, summary="自分の会員情報・プラン・メーター")
@per_caller
def me(request):
    user = request.auth
    reader = reader_for(user)
    sub = Subscription.objects.live().filter(user=user).select_related("plan").first()
    plan = None
    if sub is not None:
        plan = {
            "code": sub.plan.code,
            "name": sub.plan.name,
            "interval": sub.plan.interval,
            "price_jpy": sub.plan.price_jpy,
            "status": sub.status,
            "current_period_end": sub.current_period_end,
            "trial_ends_at": sub.trial_ends_at,
            "cancel_at_period_end": sub.cancel_at_period_end,
        }
    meter = None
    if reader.kind in MEMBER_KINDS:
        month = meter_month(timezone.now())
        state = meter_state(user.pk, 0, month)
        meter = {
            "month": month,
            "limit": state.limit,
            "used": state.used,
            "remaining": state.remaining,
        }
    return {
        "email": user.email,
        "display_name": user.display_name,
        "reader": reader.kind.value,
        "plan": plan,
        "meter": meter,
    }
