"""The demo publisher's site pages: texts written for this project for シンブン株式会社
(templates/sitepages/demo/*.txt, in the body format; the publisher's name, address and
contact come from the settings when they are loaded). A starting point for a real
publisher, not legal advice. Running it again keeps the pages that exist, as operators
may have changed them."""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.html import format_html

from shinbun.core.mail import contact_url
from shinbun.sitepages.models import SitePage

TITLES = {
    SitePage.Kind.TERMS: "利用規約",
    SitePage.Kind.PRIVACY: "プライバシーポリシー",
    SitePage.Kind.TOKUSHOHO: "特定商取引法に基づく表記",
    SitePage.Kind.CONTACT: "お問い合わせ",
    SitePage.Kind.HELP: "ヘルプ",
}


def demo_text(kind: str) -> str:
    url = contact_url(settings.CONTACT)
    context = {
        "publisher": settings.PUBLISHER_NAME,
        "site": settings.SITE_NAME,
        "address": settings.PUBLISHER_ADDRESS,
        "contact": format_html('<a href="{}">{}</a>', url, settings.CONTACT)
        if url
        else settings.CONTACT,
    }
    return render_to_string(f"sitepages/demo/{kind}.txt", context)


@transaction.atomic
def load_sitepages() -> int:
    created = 0
    for kind, title in TITLES.items():
        _page, made = SitePage.objects.get_or_create(
            slug=kind, defaults={"title": title, "body_source": demo_text(kind)}
        )
        created += made
    return created
