"""Authentication backends whose per-request user lookup is compiled once.

Django's and allauth's backends as they are (log-in, permissions), except ``get_user``,
which every logged-in request calls: the same primary-key lookup, compiled once
(core/compiled.py).
"""

from allauth.account import auth_backends
from django.contrib.auth import backends, get_user_model

from shinbun.core.compiled import CompiledQuery

USER_BY_ID = CompiledQuery(lambda pk: get_user_model()._default_manager.filter(pk=pk), -987654321)


class CompiledGetUser:
    def get_user(self, user_id):
        try:
            user = USER_BY_ID.first(int(user_id))
        except (TypeError, ValueError):
            return None
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(CompiledGetUser, backends.ModelBackend):
    pass


class AuthenticationBackend(CompiledGetUser, auth_backends.AuthenticationBackend):
    pass
