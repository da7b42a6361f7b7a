"""A database too busy to take a write (SQLite's `database is locked` once the busy timeout
has passed) is a moment's wait for the reader: a 503 page in Japanese with Retry-After,
never a 500."""

import logging

from django.db import OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
BUSY_WORDS = ("locked", "busy")


def is_busy(error: Exception) -> bool:
    return isinstance(error, OperationalError) and any(
        word in str(error).lower() for word in BUSY_WORDS
    )


class BusyDatabaseMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_busy(exception):
            return None
        log.warning("database busy on %s %s: %s", request.method, request.path, exception)
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
