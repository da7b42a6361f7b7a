"""The site pages: one URL each (/terms/, /privacy/, /tokushoho/, /contact/, /help/),
the same bytes for every anonymous reader."""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from shinbun.core.pagecache import cache_anonymous_page
from shinbun.members.campaigns import running_campaign
from shinbun.members.models import Plan
from shinbun.sitepages.models import SitePage


@require_safe
@cache_anonymous_page
def page(request, slug: str):
    site_page = get_object_or_404(SitePage, slug=slug)
    context = {"page": site_page}
    if slug == SitePage.Kind.TOKUSHOHO:
        # 販売価格: the plans as they are sold now, never a copy in the text.
        context["plans"] = list(Plan.objects.filter(is_active=True))
        context["campaign"] = running_campaign()
    return render(request, "sitepages/page.html", context)
