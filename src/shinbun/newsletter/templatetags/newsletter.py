from django import template

from shinbun.newsletter import services

register = template.Library()


@register.inclusion_tag("newsletter/includes/digest_settings.html", takes_context=True)
def digest_settings(context):
    """The account page's switch for the daily My News digest (paid members)."""
    user = context["request"].user
    return {
        "reader": context.get("reader"),
        "wants_digest": user.is_authenticated and services.wants_digest(user),
        "csrf_token": context.get("csrf_token"),
    }
