"""Payment providers behind one interface.

``manual``: the demo and tests; subscribing or starting a trial takes effect at once.
``stripe``: Stripe Checkout for the plan, the customer portal, and signed webhooks
(see stripe_webhooks.py) that drive the subscription through members.services.
"""

from typing import Protocol

from django.conf import settings

from shinbun.members.models import Plan, Subscription, User


class PaymentProvider(Protocol):
    name: str

    def checkout(self, request, user: User, plan: Plan, *, trial: bool) -> str:
        """Start a subscription (or the campaign trial); returns where to send the member."""

    def portal_url(self, request, user: User) -> str | None:
        """The provider's own page for card and invoices, if it has one."""

    def cancel(self, subscription: Subscription, *, actor: User, reason: str) -> Subscription:
        """Cancel at the end of the current period."""

    def resume(self, subscription: Subscription, *, actor: User, reason: str) -> Subscription:
        """Take back a cancellation before the period ends."""

    def end_now(self, subscription: Subscription, *, actor: User, reason: str) -> Subscription:
        """End the subscription at once (the account is being deleted)."""


def get_provider(name: str | None = None) -> PaymentProvider:
    name = name or settings.PAYMENT_PROVIDER
    if name == "stripe":
        from shinbun.members.payments.stripe_provider import StripeProvider

        return StripeProvider()
    from shinbun.members.payments.manual import ManualProvider

    return ManualProvider()


def provider_for(subscription: Subscription) -> PaymentProvider:
    return get_provider(subscription.provider)
