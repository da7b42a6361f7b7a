"""One limit on wrong passwords for every login form, allauth's and the admin's, kept by
django-axes (settings: AXES_*). Axes counts the failures Django's `authenticate()` signals,
which both forms go through; these are the three hooks the settings name."""

from allauth.account.adapter import get_adapter
from axes.helpers import get_cool_off
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.shortcuts import render


def account_key(request, credentials: dict | None) -> str | None:
    """The account a login attempt names. allauth passes it as `email`, the admin's form as
    `username`; both hold the e-mail address, which is compared case-insensitively."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username")
    if not value and request is not None:
        value = request.POST.get("login") or request.POST.get("username")
    return value.strip().lower() if isinstance(value, str) and value.strip() else None


def client_ip(request) -> str | None:
    """The client's address as allauth's rate limits see it (ALLAUTH_TRUSTED_PROXY_COUNT,
    ALLAUTH_TRUSTED_CLIENT_IP_HEADER), so that both limits count the same client."""
    try:
        return get_adapter(request).get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):
        # No usable forwarded address (fewer X-Forwarded-For entries than trusted
        # proxies): the connection's own address is the only one known.
        return request.META.get("REMOTE_ADDR")


def locked_out(request, original_response=None, credentials=None):
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds())
    response = render(
        request, "members/locked_out.html", {"minutes": max(1, seconds // 60)}, status=429
    )
    response["Retry-After"] = str(seconds)
    return response
