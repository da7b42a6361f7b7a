"""The final confirmation screen (最終確認画面, 特定商取引法 12条の6): what a member agrees
to before a trial or a subscription starts. The screen shows the terms of the order: the
plan and its price with tax, when the first charge falls, how often it renews, and until
when cancelling costs nothing. The start is refused unless the form carries the terms
that hold at that moment (``OrderTerms.fingerprint``), so nobody starts on terms they were
not shown (a price or campaign changed in between, or a form that skipped the screen)."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from shinbun.members.campaigns import trial_end, trial_offer
from shinbun.members.models import Campaign, Plan, Subscription, User
from shinbun.members.services import MembershipError, add_period


@dataclass(frozen=True)
class OrderTerms:
    plan: Plan
    campaign: Campaign | None  # the free trial's campaign; None for a paid start
    starts_at: datetime
    trial_ends_at: datetime | None
    first_charge_at: datetime  # when the plan's price is charged for the first time
    next_renewal_at: datetime  # the charge after that one

    @property
    def trial(self) -> bool:
        return self.campaign is not None

    @property
    def cancel_by(self) -> datetime:
        """Cancelling before this avoids the next charge: the trial's end (no charge at
        all), or the first renewal."""
        return self.trial_ends_at if self.trial_ends_at else self.next_renewal_at

    @property
    def fingerprint(self) -> str:
        """What the member saw, without the times (they move on while the screen is open;
        the real ones are a few moments later, so the deadline shown errs early)."""
        plan = self.plan
        trial = f"{self.campaign.pk}:{self.campaign.trial_days}" if self.campaign else "-"
        return f"{plan.code}:{plan.price_jpy}:{plan.interval}:{trial}"


def order_terms(user: User, plan: Plan, *, trial: bool, now: datetime | None = None) -> OrderTerms:
    """The terms of starting ``plan`` (with the running campaign's trial if ``trial``) now;
    MembershipError (Japanese) when it cannot be started."""
    now = now or timezone.now()
    if not plan.is_active:
        raise MembershipError(_("このプランは現在お申し込みいただけません。"))
    if Subscription.objects.live().filter(user=user).exists():
        raise MembershipError(_("すでにご契約中のプランがあります。"))
    if not trial:
        return OrderTerms(plan, None, now, None, now, add_period(now, plan.interval))
    offer = trial_offer(user, plan, now)
    if offer.campaign is None:
        raise MembershipError(_("現在、無料体験のキャンペーンは行っていません。"))
    if not offer.eligible:
        raise MembershipError(offer.message)
    ends = trial_end(offer.campaign, now)
    return OrderTerms(plan, offer.campaign, now, ends, ends, add_period(ends, plan.interval))
