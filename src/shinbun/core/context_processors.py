from django.conf import settings
from django.utils.translation import gettext as _


def site(request):
    from shinbun.newsroom.views import navigation_sections

    return {
        "site_name": settings.SITE_NAME,
        "publisher_name": settings.PUBLISHER_NAME,
        "nav_sections": navigation_sections(),
        # The trial call to action; the active campaign names it once campaigns exist.
        "trial_cta": _("春割で無料体験する"),
    }
