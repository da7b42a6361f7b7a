"""The anonymous page cache.

Pages for readers without a session are the same bytes for everyone, so they are
kept in the cache that every process of the deployment shares (settings.CACHES) and
sent with Cache-Control/ETag so a CDN can hold them too. A request that carries a
session cookie never reads or fills this cache, so nothing per-reader can leak into it.
Publishing purges the pages an article appears on; the TTL bounds staleness for the
caches that a purge cannot reach (browsers, and a CDN until it is purged).
"""

import hashlib
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language


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


def cache_anonymous_page(view=None, *, params=()):
    """Keep the view's anonymous responses in the shared cache. ``params`` are the query
    parameters the view reads (e.g. a listing's cursor); a request with any other
    parameter is answered without the cache, so made-up parameters cannot fill it."""
    if view is None:
        return lambda view: cache_anonymous_page(view, params=params)
    allowed = frozenset(params)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        ttl = settings.PAGE_CACHE_SECONDS
        origin = f"{request.scheme}://{request.get_host()}"
        cacheable = (
            ttl > 0
            and request.method in ("GET", "HEAD")
            and _anonymous(request)
            and request.GET.keys() <= allowed
            and origin in purgeable_origins()
        )
        if not cacheable:
            response = view(request, *args, **kwargs)
            if not _anonymous(request):
                patch_cache_control(response, private=True, no_cache=True)
            return response
        key = _key(origin, request.get_full_path(), get_language())
        hit = cache.get(key)
        if hit is None:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            if response.status_code != 200 or response.cookies or response.streaming:
                return response
            etag = '"' + hashlib.blake2b(response.content, digest_size=12).hexdigest() + '"'
            hit = (response.content, response["Content-Type"], etag)
            cache.set(key, hit, ttl)
        content, content_type, etag = hit
        if request.headers.get("If-None-Match") == etag:
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(content, content_type=content_type)
        response["ETag"] = etag
        response["Cache-Control"] = cache_control(ttl)
        # A reader who logs in must not be shown this copy from a browser's cache.
        patch_vary_headers(response, ["Cookie"])
        return response

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
