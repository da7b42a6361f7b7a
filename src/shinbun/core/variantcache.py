"""Cached variants of pages for logged-in readers (member article pages).

A member's article page differs from another member's in few places. What depends on
the reader's *kind and entitlement* (full text or lead, paywall, meter note, gates,
JSON-LD body) is part of the variant's key, so each variant is rendered once and kept.
What depends on the *person* is never rendered into the cached copy: the template is
rendered without the request's context processors, with a stand-in user whose name is a
slot, and a slot for the CSRF token; each request fills the slots by string
substitution (the name escaped). A variant therefore holds nothing of the reader who
caused it to be rendered, and any request that would show something else personal
(queued messages) gets the full render.

Keys carry the article's ``modified`` stamp (read per request), so a change of the
article (publish, correction, admin edit) is seen at once; the TTL (PAGE_CACHE_SECONDS)
bounds the rest (navigation, related lists).
"""

import hashlib
import re
from functools import cache as memoize

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils.crypto import salted_hmac
from django.utils.html import escape
from django.utils.translation import get_language


@memoize
def slot(name: str) -> str:
    """A marker for a per-request value: ASCII letters and digits only, so escaping leaves
    it as it is, and derived from SECRET_KEY, so article text cannot guess it."""
    return "shinbunslot" + salted_hmac("shinbun.variantcache.slot", name).hexdigest()[:24]


class SlotUser:
    """What a cached variant is rendered with in place of the reader."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    is_active = True
    pk = id = None

    def get_short_name(self) -> str:
        return slot("name")

    def __str__(self) -> str:
        return slot("name")


class SlotMarks:
    """What a cached variant is rendered with in place of a member's button states
    (followed, saved): a slot per button, named by its kind and id, which :func:`fill`
    replaces with the state ("on" or "off") this reader's marks give."""

    def state(self, kind: str, pk: int) -> str:
        return f"{slot('state')}{kind}-{pk}"


@memoize
def _state_slots(prefix: str) -> re.Pattern:
    return re.compile(prefix.encode() + rb"([a-z]+)-(\d+)")


def applies(request) -> bool:
    """Logged-in readers who are not editors (editors and previews get the full render)."""
    user = request.user
    return settings.PAGE_CACHE_SECONDS > 0 and user.is_authenticated and not user.is_staff


def has_messages(request) -> bool:
    return len(get_messages(request)) > 0


def key(*parts) -> str:
    # The slots are part of the key: a variant kept under another SECRET_KEY holds slots
    # that this process would not fill.
    parts = (slot("name"), *parts)
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    return f"variant:{get_language()}:{digest}"


def render_variant(request, template_name: str, context: dict) -> bytes:
    """Render without the request's context processors: no reader data but the slots.
    The caller's context holds everything the page shows around its content."""
    context = {
        **context,
        "request": request,
        "user": SlotUser(),
        "csrf_token": slot("csrf"),
        "messages": (),
        "marks": SlotMarks(),
    }
    return get_template(template_name).render(context).encode()


def fill(request, content: bytes, marks=None) -> HttpResponse:
    """The variant with this request's name, CSRF token and, for a reader with button
    states (``marks``: an object with ``state(kind, pk)``), each button's state."""
    name = escape(request.user.get_short_name())
    content = content.replace(slot("name").encode(), name.encode()).replace(
        slot("csrf").encode(), get_token(request).encode()
    )
    if marks is not None:
        content = _state_slots(slot("state")).sub(
            lambda found: marks.state(found[1].decode(), int(found[2])).encode(), content
        )
    return HttpResponse(content, content_type="text/html; charset=utf-8")


def serve(request, variant_key: str, render, marks=None) -> HttpResponse:
    """The variant from the cache, or rendered by ``render()`` (bytes) and kept."""
    content = cache.get(variant_key)
    if content is None:
        content = render()
        cache.set(variant_key, content, settings.PAGE_CACHE_SECONDS)
    return fill(request, content, marks)
