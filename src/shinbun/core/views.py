from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import get_template
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


def page_not_found(request, exception=None):
    message = str(exception) if isinstance(exception, BadPage) else ""
    return render(request, "404.html", {"message": message}, status=404)


def server_error(request):
    # No request context: the error page must render even when the database is down.
    return HttpResponse(get_template("500.html").render(), status=500)
