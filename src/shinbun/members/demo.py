"""Demo plans, the 春割 campaign, and a real paid subscription for paid@example.jp."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from shinbun.members import services
from shinbun.members.models import Campaign, Plan, Subscription, User

DEMO_PLANS = [
    # (code, name, interval, price in JPY incl. tax); the names are msgids (Plan.label)
    ("monthly", gettext_noop("月額プラン"), Plan.Interval.MONTH, 1980),
    ("yearly", gettext_noop("年額プラン"), Plan.Interval.YEAR, 19800),
]
SPRING_CAMPAIGN = gettext_noop("春割")
SPRING_CTA = "春割で無料体験する"


@transaction.atomic
def load_plans(now: datetime | None = None) -> dict[str, Plan]:
    now = now or timezone.now()
    plans = {}
    for position, (code, name, interval, price) in enumerate(DEMO_PLANS):
        plans[code], _ = Plan.objects.get_or_create(
            code=code,
            defaults={"name": name, "interval": interval, "price_jpy": price, "position": position},
        )
    if not Campaign.objects.filter(name=SPRING_CAMPAIGN).exists():
        Campaign.objects.create(
            name=SPRING_CAMPAIGN,
            cta_text=SPRING_CTA,
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=90),
            trial_days=30,
        )
    return plans


def make_paid(user: User, plan: Plan, now: datetime | None = None) -> Subscription:
    """Give a demo account an active paid subscription (through the service, audited)."""
    live = Subscription.objects.live().filter(user=user).first()
    if live is not None:
        return live
    return services.subscribe(user, plan, actor=None, reason="デモデータ", now=now)
