"""Who is calling the API: the site's session (cookie, CSRF-protected for writes) or a
personal access token (`Authorization: Bearer shb_...`, created on the account page)."""

from django.contrib.auth.models import AnonymousUser
from django.views.decorators.cache import cache_control
from django.views.decorators.vary import vary_on_headers
from ninja.decorators import decorate_view
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth

from shinbun.members import entitlements, tokens

BAD_TOKEN = "アクセストークンが正しくないか、無効になっています。"


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = tokens.user_for_token(token)
        if user is not None:
            request.user = user
        return user


# For endpoints whose answer depends on the caller (the full text, a member's own data):
# no shared cache may keep it, and a cache keyed by URL must tell callers apart.
per_caller = decorate_view(cache_control(private=True), vary_on_headers("Authorization", "Cookie"))

# For endpoints only a member may call.
MEMBER_AUTH = [TokenAuth(), SessionAuth()]


def api_user(request):
    """The caller for endpoints anyone may call: a token's member, the session's user,
    or an anonymous visitor. A token that is sent but wrong is a 401, never a visitor."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, raw = header.partition(" ")
        user = tokens.user_for_token(raw.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise AuthenticationError(message=BAD_TOKEN)
        return user
    return getattr(request, "user", None) or AnonymousUser()


def api_reader(request) -> entitlements.Reader:
    return entitlements.reader_for(api_user(request))
