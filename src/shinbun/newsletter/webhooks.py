"""django-anymail's webhook routes, answering 404 unless the site is configured for them:
without ANYMAIL_WEBHOOK_SECRET anymail would take anyone's post for a provider that signs
nothing (and a fake bounce suppresses an address), and for a provider without its keys
anymail raises (a 500)."""

import logging
from functools import wraps

from anymail import urls as anymail_urls
from anymail.exceptions import AnymailConfigurationError
from django.conf import settings
from django.http import HttpResponseBadRequest, HttpResponseNotFound
from django.urls import re_path
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)


def _configured_only(view):
    @wraps(view)
    def answer(request, *args, **kwargs):
        if settings.ANYMAIL.get("WEBHOOK_SECRET"):
            try:
                return view(request, *args, **kwargs)
            except AnymailConfigurationError:
                pass
            except (KeyError, TypeError, ValueError, AttributeError):
                # A payload not in the provider's shape (anymail parses it unguarded).
                log.warning("anymail webhook: a malformed post", exc_info=True)
                return HttpResponseBadRequest(
                    _("通知の形式が正しくありません。"), content_type="text/plain; charset=utf-8"
                )
        return HttpResponseNotFound(
            _("この配信サービスからの通知は受け付けていません。"),
            content_type="text/plain; charset=utf-8",
        )

    return answer


urlpatterns = [
    re_path(str(route.pattern), _configured_only(route.callback), name=route.name)
    for route in anymail_urls.urlpatterns
]
