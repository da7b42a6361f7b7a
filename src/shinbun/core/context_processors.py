from django.conf import settings
from django.utils.translation import gettext as _

from shinbun.members.services import campaign_cta


def site(request):
    from shinbun.newsroom.views import navigation_sections

    return {
        "site_name": settings.SITE_NAME,
        "publisher_name": settings.PUBLISHER_NAME,
        "nav_sections": navigation_sections(),
        # The call to action of the paywall and the member gates: the running campaign's
        # text (e.g. 春割で無料体験する), or a plain call to subscribe.
        "trial_cta": campaign_cta() or _("有料会員になる"),
    }
