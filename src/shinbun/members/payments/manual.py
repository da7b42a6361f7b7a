"""The manual provider: no money moves; a subscription or a trial starts at once."""

from django.urls import reverse

from shinbun.members import services
from shinbun.members.models import Plan, Subscription, User


class ManualProvider:
    name = Subscription.Provider.MANUAL

    def checkout(self, request, user: User, plan: Plan, *, trial: bool) -> str:
        if trial:
            services.start_trial(user, plan, actor=user, reason="会員による申し込み")
        else:
            services.subscribe(user, plan, actor=user, reason="会員による申し込み")
        return reverse("members:account")

    def portal_url(self, request, user: User) -> str | None:
        return None

    def cancel(self, subscription: Subscription, *, actor: User, reason: str) -> Subscription:
        return services.cancel(subscription, actor=actor, reason=reason)

    def resume(self, subscription: Subscription, *, actor: User, reason: str) -> Subscription:
        return services.resume(subscription, actor=actor, reason=reason)

    def end_now(self, subscription: Subscription, *, actor: User, reason: str) -> Subscription:
        return services.cancel(subscription, actor=actor, reason=reason, at_period_end=False)
