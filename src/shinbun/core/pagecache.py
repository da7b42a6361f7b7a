"""The anonymous page cache.

Pages for readers without a session are the same bytes for everyone, so they are
kept in the cache that every process of the deployment shares (settings.CACHES) and
sent with Cache-Control/ETag so a CDN can hold them too. A request that carries a
session cookie never reads or fills this cache, so nothing per-reader can leak into it.
Publishing purges the pages an article appears on; the TTL bounds staleness for the
caches that a purge cannot reach (browsers, and a CDN until it is purged).

Two parts: views say that their anonymous answers may be kept (``cache_anonymous_page``,
with the query parameters they read), and ``AnonymousPageCacheMiddleware`` keeps and
serves them. The middleware stands before the session, language, CSRF and
authentication middleware, so a kept page is answered without running them (one URL
resolution tells it whether the view is marked), the way a caching proxy in front would
answer it; it keeps the response as those middleware left it (with their headers), and
the middleware before it (security headers, CSP, Permissions-Policy) add theirs to every
answer as to any other.
"""

import hashlib
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.translation import get_language, get_language_from_path, override


def _key(origin: str, path: str, language: str) -> str:
    digest = hashlib.blake2b(f"{origin}{path}".encode(), digest_size=16).hexdigest()
    return f"page:{language}:{digest}"


def _anonymous(request) -> bool:
    return settings.SESSION_COOKIE_NAME not in request.COOKIES


def purgeable_origins() -> list[str]:
    """The scheme and host pairs a purge reaches: the site's BASE_URL, or without one the
    literal names in ALLOWED_HOSTS (no wildcard, no port). Pages carry links made from
    the request's host (feeds, sitemaps, canonical links without BASE_URL), so a page is
    kept per origin, and only for an origin a purge can name again: a request with any
    other allowed Host is served fresh and never poisons the copy others get."""
    if settings.BASE_URL:
        base = urlsplit(settings.BASE_URL)
        return [f"{base.scheme}://{base.netloc}"]
    hosts = [h for h in settings.ALLOWED_HOSTS if h and h[0] != "." and "*" not in h]
    return [f"{scheme}://{host}" for host in hosts for scheme in ("http", "https")]


def page_language(path: str) -> str:
    """The language a page is answered in, from its path alone: the site's URLs are
    i18n_patterns without a prefix for the default language, so LocaleMiddleware
    activates the prefix's language, or LANGUAGE_CODE on every unprefixed path (feeds
    and sitemaps included), whatever the request's Accept-Language or cookie say."""
    return get_language_from_path(path) or settings.LANGUAGE_CODE


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.anonymous_page_key = key = self.key_for(request)
        if key is None:
            return self.get_response(request)
        kept = cache.get(key)
        if kept is not None:
            content, headers = kept
            response = HttpResponse(content, headers=headers)
        else:
            response = self.get_response(request)
            if not self.keeps(request, response):
                if getattr(response, "anonymous_page", False) and response.cookies:
                    # It sets a cookie for this visitor: theirs alone, for no shared cache.
                    response["Cache-Control"] = f"private, max-age={settings.PAGE_CACHE_SECONDS}"
                return response
            cache.set(key, (response.content, dict(response.items())), settings.PAGE_CACHE_SECONDS)
        # A browser or CDN that holds this copy is answered 304 (as ConditionalGetMiddleware
        # would answer it, had the page been made again).
        return get_conditional_response(request, etag=response["ETag"], response=response)

    @staticmethod
    def key_for(request) -> str | None:
        """The key of this request's page, or None when it is not one to keep or serve:
        a visitor's GET or HEAD, for an origin a purge can name, of a view marked with
        cache_anonymous_page, with no query parameter that view does not read."""
        if not (
            settings.PAGE_CACHE_SECONDS > 0
            and request.method in ("GET", "HEAD")
            and _anonymous(request)
        ):
            return None
        origin = f"{request.scheme}://{request.get_host()}"
        if origin not in purgeable_origins():
            return None
        language = page_language(request.path_info)
        try:
            with override(language):  # the language prefix is matched in the active one
                view = resolve(request.path_info).func
        except Resolver404:
            return None
        params = getattr(view, "anonymous_page_params", None)
        if params is None or request.GET.keys() - params:
            return None
        return _key(origin, request.get_full_path(), language)

    @staticmethod
    def keeps(request, response) -> bool:
        """Whether a fresh response is kept: a view marked it (cache_anonymous_page), it is
        a whole page for everyone, and it is in the language its key names."""
        return (
            getattr(response, "anonymous_page", False)
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            and get_language() == page_language(request.path_info)
        )


def cache_anonymous_page(view=None, *, params=()):
    """Let AnonymousPageCacheMiddleware keep the view's anonymous responses. ``params``
    are the query parameters the view reads (e.g. a listing's cursor); a request with any
    other parameter is answered without the cache, so made-up parameters cannot fill it.
    A reader with a session gets the page marked private, and so does a visitor whose
    answer sets a cookie (the middleware does not keep that one either)."""
    if view is None:
        return lambda view: cache_anonymous_page(view, params=params)
    allowed = frozenset(params)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if not _anonymous(request):
            patch_cache_control(response, private=True, no_cache=True)
            return response
        if getattr(request, "anonymous_page_key", None) is None:
            return response
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        if response.status_code != 200 or response.streaming:
            return response
        response["ETag"] = '"' + hashlib.blake2b(response.content, digest_size=12).hexdigest() + '"'
        response["Cache-Control"] = cache_control(settings.PAGE_CACHE_SECONDS)
        # A reader who logs in must not be shown this copy from a browser's cache.
        patch_vary_headers(response, ["Cookie"])
        response.anonymous_page = True
        return response

    wrapper.anonymous_page_params = allowed
    return wrapper


def cache_control(ttl: int) -> str:
    """A browser keeps the page for the TTL (the reader saw it already); a shared cache
    keeps it no longer than SHARED_CACHE_SECONDS, then revalidates with the ETag (a 304
    from this site's cache), so a purge reaches the readers behind a CDN as well."""
    shared = min(settings.SHARED_CACHE_SECONDS, ttl)
    return f"public, max-age={ttl}, s-maxage={shared}"


def purge_paths(paths) -> None:
    """Purge pages given by their paths in the default language (unprefixed), in every
    language: /en/... is the English copy of the same page."""
    keys = []
    origins = purgeable_origins()
    for path in paths:
        for code, _name in settings.LANGUAGES:
            prefixed = path if code == settings.LANGUAGE_CODE else f"/{code}{path}"
            keys += [_key(origin, page, code) for origin in origins for page in {path, prefixed}]
    cache.delete_many(keys)
