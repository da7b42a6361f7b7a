from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.urls import reverse
from django.views.decorators.http import require_safe

from shinbun.core.pagecache import cache_anonymous_page
from shinbun.newsroom.sitemaps import news_sitemap_articles
from shinbun.newsroom.views import absolute_url


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


@require_safe
@cache_anonymous_page
def news_sitemap(request):
    articles = [(absolute_url(request, a.get_absolute_url()), a) for a in news_sitemap_articles()]
    return render(
        request,
        "news_sitemap.xml",
        {"articles": articles, "publication": settings.SITE_NAME},
        content_type="application/xml; charset=utf-8",
    )


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # No request context: the error page must render even when the database is down.
    return HttpResponse(get_template("500.html").render(), status=500)
