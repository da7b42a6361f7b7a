from django.conf import settings
from django.utils.translation import gettext as _

from shinbun.members.services import campaign_cta


def site(request):
    from shinbun.newsroom.views import navigation_sections

    cta = campaign_cta()
    return {
        "site_name": settings.SITE_NAME,
        "publisher_name": settings.PUBLISHER_NAME,
        "nav_sections": navigation_sections(),
        # The call to action of the paywall and the member gates: the running campaign's
        # text (e.g. 春割で無料体験する), or a plain call to subscribe.
        # (a text that is also a msgid, like the demo's, is shown translated on /en/).
        "trial_cta": _(cta) if cta else _("有料会員になる"),
    }
