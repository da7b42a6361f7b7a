from allauth.account import views as allauth_views
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.views.i18n import set_language

from shinbun.api.urls import api
from shinbun.core import outbox
from shinbun.core import views as core_views
from shinbun.core.pagecache import cache_anonymous_page
from shinbun.members import views as members_views
from shinbun.members.payments.views import stripe_webhook
from shinbun.newsroom import views as newsroom_views
from shinbun.newsroom.sitemaps import SITEMAPS, news_sitemap
from shinbun.search import views as search_views

handler404 = "shinbun.core.views.page_not_found"
handler500 = "shinbun.core.views.server_error"

urlpatterns = [
    path("robots.txt", core_views.robots_txt, name="robots_txt"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("manifest.webmanifest", core_views.web_manifest, name="web_manifest"),
    path("sitemap-news.xml", news_sitemap, name="news_sitemap"),
    path(
        "sitemap.xml",
        cache_anonymous_page(sitemap_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        cache_anonymous_page(sitemap_views.sitemap, params=("p",)),
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path("api/v1/", api.urls),
    path("payments/stripe/webhook/", stripe_webhook, name="stripe_webhook"),
    # Mail providers' reports (bounces, complaints) and inbound mail, by django-anymail.
    path("anymail/", include("shinbun.newsletter.webhooks")),
    path("i18n/setlang/", set_language, name="set_language"),
    # The article page's read beacon (アクセスランキング), one URL in every language.
    path("reads/<int:article_id>/", newsroom_views.read_beacon, name="read_beacon"),
    path("", include("shinbun.newsroom.feed_urls")),
]

urlpatterns += i18n_patterns(
    # First: the pages read most (articles, lists) are found after the fewest patterns.
    path("", include("shinbun.newsroom.urls")),
    path("admin/", admin.site.urls),
    # allauth's views; "login" and "logout" are the names the site's templates use.
    path("accounts/login/", allauth_views.login, name="login"),
    path("accounts/logout/", allauth_views.logout, name="logout"),
    path("accounts/", include("shinbun.members.urls")),
    path("accounts/", include("allauth.urls")),
    path("join/", members_views.join, name="join"),
    path("join/confirm/", members_views.join_confirm, name="join_confirm"),
    path("join/subscribe/", members_views.subscribe, name="subscribe"),
    path("search/", search_views.search_page, name="search"),
    path("experts/", include("shinbun.think.urls")),
    # The mails the site sent, when they go to the demo's outbox (staff only).
    path("outbox/", outbox.index, name="outbox"),
    path("outbox/<str:mail_id>/", outbox.message, name="outbox_message"),
    path("outbox/<str:mail_id>/html/", outbox.html_part, name="outbox_html"),
    path("", include("shinbun.mynews.urls")),
    path("", include("shinbun.newsletter.urls")),
    path("", include("shinbun.sitepages.urls")),
    prefix_default_language=False,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

if settings.BENCH_ENDPOINTS:
    from shinbun.core import benchviews

    urlpatterns += [path("_bench/bare/", benchviews.bare, name="bench_bare")]
