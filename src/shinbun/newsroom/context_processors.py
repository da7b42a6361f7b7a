from django.core.cache import cache

from shinbun.core.context_processors import site_names
from shinbun.members.context_processors import trial_cta
from shinbun.newsroom.models import Section

NAVIGATION_KEY = "nav:sections"
NAVIGATION_SECONDS = 300


def navigation_sections() -> list[dict]:
    """The sections of the site's navigation (slug, name), from the shared cache."""
    sections = cache.get(NAVIGATION_KEY)
    if sections is None:
        sections = list(Section.objects.values("slug", "name"))
        cache.set(NAVIGATION_KEY, sections, NAVIGATION_SECONDS)
    return sections


def site(request) -> dict:
    """What every page shows around its content: the site's names, the navigation and the
    call to action. The context processor of the site, and what a page rendered without
    context processors (the member variant cache) adds itself."""
    return {
        **site_names(request),
        "nav_sections": navigation_sections(),
        **trial_cta(request),
    }
