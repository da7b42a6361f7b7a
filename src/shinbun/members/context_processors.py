from django.utils.translation import gettext as _

from shinbun.members.campaigns import campaign_cta


def trial_cta(request) -> dict:
    """The call to action of the paywall and the member gates: the running campaign's text
    (e.g. 春割で無料体験する), or a plain call to subscribe. A text that is also a msgid,
    like the demo's, is shown translated on /en/."""
    cta = campaign_cta()
    return {"trial_cta": _(cta) if cta else _("有料会員になる")}
