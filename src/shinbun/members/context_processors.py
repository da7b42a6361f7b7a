from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from shinbun.members.campaigns import campaign_cta, paywall_offer
from shinbun.members.entitlements import VISITOR, reader_for


def trial_cta(request) -> dict:
    """The call to action of the paywall and the member gates: the running campaign's text
    (e.g. 春割で無料体験する), or a plain call to subscribe. A text that is also a msgid,
    like the demo's, is shown translated on /en/."""
    cta = campaign_cta()
    # The offer is a query: a callable, so only a page that shows it (the paywall) asks.
    return {"trial_cta": _(cta) if cta else _("有料会員になる"), "paywall_offer": paywall_offer}


def reader(request) -> dict:
    """The reader's kind for what every page shows around its content (the header's
    Myニュース link), looked up only if the page asks. A view's own ``reader`` wins."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"reader": VISITOR}
    return {"reader": SimpleLazyObject(lambda: reader_for(user))}
