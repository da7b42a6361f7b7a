"""Stripe: Checkout sessions, the customer portal, and cancellation through the API.

The subscription itself is created and kept up to date only by Stripe's signed webhooks
(stripe_webhooks.py), so what the site shows is what Stripe charged.
"""

import stripe
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from shinbun.members import campaigns, services
from shinbun.members.models import Plan, Subscription, User


def client() -> stripe.StripeClient:
    base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses=base, max_network_retries=1
    )


def _absolute(request, path: str) -> str:
    return (settings.BASE_URL or f"{request.scheme}://{request.get_host()}") + path


class StripeProvider:
    name = Subscription.Provider.STRIPE

    def checkout(self, request, user: User, plan: Plan, *, trial: bool) -> str:
        if not plan.stripe_price_id:
            raise services.MembershipError(_("このプランは現在お申し込みいただけません。"))
        metadata = {"user_id": str(user.pk), "plan": plan.code}
        subscription_data: dict = {"metadata": metadata}
        if trial:
            offer = campaigns.trial_offer(user, plan)
            if offer.campaign is None or not offer.eligible:
                raise services.MembershipError(
                    offer.message or _("現在、無料体験のキャンペーンは行っていません。")
                )
            metadata["campaign"] = str(offer.campaign.pk)
            subscription_data["trial_period_days"] = offer.campaign.trial_days
        customer = (
            Subscription.objects.filter(user=user, provider=self.name)
            .exclude(provider_customer_id="")
            .values_list("provider_customer_id", flat=True)
            .first()
        )
        params = {
            "mode": "subscription",
            "line_items": [{"price": plan.stripe_price_id, "quantity": 1}],
            "client_reference_id": str(user.pk),
            "metadata": metadata,
            "subscription_data": subscription_data,
            "success_url": _absolute(request, reverse("members:account")) + "?checkout=done",
            "cancel_url": _absolute(request, reverse("join")),
            "locale": "ja",
        }
        if customer:
            params["customer"] = customer
        else:
            params["customer_email"] = user.email
        session = client().v1.checkout.sessions.create(params=params)
        return session.url

    def portal_url(self, request, user: User) -> str | None:
        customer = (
            Subscription.objects.filter(user=user, provider=self.name)
            .exclude(provider_customer_id="")
            .values_list("provider_customer_id", flat=True)
            .first()
        )
        if not customer:
            return None
        session = client().v1.billing_portal.sessions.create(
            params={
                "customer": customer,
                "return_url": _absolute(request, reverse("members:account")),
            }
        )
        return session.url

    def cancel(self, subscription: Subscription, *, actor: User, reason: str) -> Subscription:
        client().v1.subscriptions.update(
            subscription.provider_subscription_id, params={"cancel_at_period_end": True}
        )
        return services.cancel(subscription, actor=actor, reason=reason)

    def resume(self, subscription: Subscription, *, actor: User, reason: str) -> Subscription:
        client().v1.subscriptions.update(
            subscription.provider_subscription_id, params={"cancel_at_period_end": False}
        )
        return services.resume(subscription, actor=actor, reason=reason)

    def end_now(self, subscription: Subscription, *, actor: User, reason: str) -> Subscription:
        client().v1.subscriptions.cancel(subscription.provider_subscription_id)
        return services.cancel(subscription, actor=actor, reason=reason, at_period_end=False)
