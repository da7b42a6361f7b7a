from django.conf import settings
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_safe

from shinbun.core.links import absolute_url
from shinbun.core.pagination import BadPage


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /api/",
        "Disallow: /*/print/",
        "",
        f"Sitemap: {absolute_url(request, reverse('sitemap'))}",
        f"Sitemap: {absolute_url(request, reverse('news_sitemap'))}",
        "",
    ]

    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


# Browsers and crawlers ask for /favicon.ico whatever the page says; the file is a static
# one (scripts/make_icons.py draws it), under its hashed name in production.
@require_safe
def favicon(request):
    return HttpResponsePermanentRedirect(static("shinbun/favicon.ico"))


@require_safe
def web_manifest(request):
    """The web app manifest: the site's name and its icons, for a phone's home screen."""
    icons = [
        {"src": static(f"shinbun/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
        for size in (192, 512)
    ]
    manifest = {
        "name": settings.SITE_NAME,
        "short_name": settings.SITE_NAME,
        "lang": "ja",
        "start_url": "/",
        "display": "browser",
        "background_color": "#ffffff",
        "theme_color": "#1a1a1a",
        "icons": icons,
    }
    response = JsonResponse(manifest, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


def page_not_found(request, exception=None):
    message = str(exception) if isinstance(exception, BadPage) else ""
    return render(request, "404.html", {"message": message}, status=404)


def server_error(request):
    # No request context: the error page must render even when the database is down.
    return HttpResponse(get_template("500.html").render(), status=500)
