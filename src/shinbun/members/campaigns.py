"""Campaigns (春割 and the like): which one is running, its call to action, and who may
start its free trial."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from shinbun.core.cache import CachedState, read_through
from shinbun.members.models import Campaign, Plan, Subscription, User

# Whoever held a paid subscription that ended less than this long ago is not new.
NEW_SUBSCRIBER_GAP = timedelta(days=365)
CAMPAIGN_CACHE_KEY = "members:running-campaign"


def running_campaign(now: datetime | None = None) -> Campaign | None:
    now = now or timezone.now()
    running = Campaign.objects.filter(starts_at__lte=now, ends_at__gt=now)
    return running.order_by("-starts_at").first()


def _running_cta() -> tuple[str, datetime | None]:
    campaign = running_campaign()
    return (campaign.cta_text, campaign.ends_at) if campaign else ("", None)


def cached_campaign_cta() -> CachedState:
    """The running campaign's button text and end, kept briefly: every page shows it (the
    admin forgets it when a campaign changes)."""
    return CachedState(CAMPAIGN_CACHE_KEY, _running_cta, 60)


def campaign_cta(now: datetime | None = None, cached: tuple | None = None) -> str | None:
    """The running campaign's button text, or None; ``cached`` is cached_campaign_cta's
    value when the caller read it already."""
    if now is not None:
        campaign = running_campaign(now)
        return campaign.cta_text if campaign else None
    text, ends_at = cached or read_through(cached_campaign_cta())[0]
    if not text or (ends_at and ends_at <= timezone.now()):
        return None
    return text


def trial_end(campaign: Campaign, start: datetime) -> datetime:
    """When a free trial started at ``start`` ends (and its first charge falls)."""
    return start + timedelta(days=campaign.trial_days)


@dataclass(frozen=True)
class TrialOffer:
    campaign: Campaign | None
    eligible: bool
    message: str = ""


def trial_offer(user: User | None, plan: Plan, now: datetime | None = None) -> TrialOffer:
    """May this member start the running campaign's free trial on this plan?"""
    now = now or timezone.now()
    campaign = running_campaign(now)
    if campaign is None or not campaign.applies_to(plan):
        return TrialOffer(None, False)
    if user is None or not user.is_authenticated:
        return TrialOffer(campaign, True)
    recent_paid = Subscription.objects.filter(
        user=user, paid=True, ended_at__gt=now - NEW_SUBSCRIBER_GAP
    ).exists()
    if recent_paid or Subscription.objects.filter(user=user, paid=True, ended_at=None).exists():
        return TrialOffer(
            campaign,
            False,
            _(
                "過去1年以内に有料プランをご利用いただいていたため、無料体験の対象外です。"
                "有料プランはそのままお申し込みいただけます。"
            ),
        )
    if Subscription.objects.filter(user=user, campaign=campaign).exists():
        return TrialOffer(
            campaign,
            False,
            _("このキャンペーンの無料体験はご利用済みです。有料プランはお申し込みいただけます。"),
        )
    return TrialOffer(campaign, True)


def paywall_offer(now: datetime | None = None) -> str:
    """What the paywall says membership costs: the cheapest active plan's price, and the
    running campaign's free trial on it, if any."""
    plan = Plan.objects.filter(is_active=True).order_by("price_jpy").first()
    if plan is None:
        return ""
    campaign = running_campaign(now)
    if campaign is not None and campaign.applies_to(plan):
        return _("%(plan)s %(price)s。%(campaign)sなら最初の%(days)s日間は無料です。") % {
            "plan": plan.label,
            "price": plan.price_display,
            "campaign": campaign.label,
            "days": campaign.trial_days,
        }
    return _("%(plan)s %(price)s。") % {"plan": plan.label, "price": plan.price_display}
