"""Authentication backends whose per-request user lookup is compiled once.

Django's and allauth's backends as they are (log-in, permissions), except ``get_user``,
which every logged-in request calls: the same primary-key lookup, compiled once
(core/compiled.py), and bringing the live subscription's state with the user
(``user.live_subscription``, what entitlements.reader_for needs), so a member's page
costs one query for both.
"""

from allauth.account import auth_backends
from django.contrib.auth import backends, get_user_model
from django.db.models import OuterRef, Subquery

from shinbun.core.compiled import CompiledQuery
from shinbun.members.entitlements import (
    SUBSCRIPTION_FIELDS,
    live_subscription_queryset,
    subscription_fields,
)


def _users_with_subscription(pk):
    live = live_subscription_queryset(OuterRef("pk"))
    return (
        get_user_model()
        ._default_manager.filter(pk=pk)
        .annotate(
            **{f"live_{name}": Subquery(live.values(name)[:1]) for name in SUBSCRIPTION_FIELDS}
        )
    )


USER_BY_ID = CompiledQuery(_users_with_subscription, -987654321)


class CompiledGetUser:
    def get_user(self, user_id):
        try:
            user = USER_BY_ID.first(int(user_id))
        except (TypeError, ValueError):
            return None
        if user is None or not self.user_can_authenticate(user):
            return None
        user.live_subscription = subscription_fields(
            [getattr(user, f"live_{name}") for name in SUBSCRIPTION_FIELDS]
        )
        return user


class ModelBackend(CompiledGetUser, backends.ModelBackend):
    pass


class AuthenticationBackend(CompiledGetUser, auth_backends.AuthenticationBackend):
    pass
