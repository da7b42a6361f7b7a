from django.conf import settings


def absolute_url(request, path: str) -> str:
    """The absolute URL of a path on this site: BASE_URL when set (canonical links, feeds,
    sitemaps), else the request's own scheme and host."""
    base = settings.BASE_URL or f"{request.scheme}://{request.get_host()}"
    return base + path
