from django import template
from django.utils.safestring import mark_safe

from shinbun.members.entitlements import VISITOR
from shinbun.think import services
from shinbun.think.text import render_body

register = template.Library()


@register.filter
def think_body(text: str) -> str:
    # render_body escapes the text and lets nh3 keep only <br> and http(s) links.
    return mark_safe(render_body(text))  # noqa: S308


@register.filter
def for_reader(think: services.ArticleThink, reader) -> services.ArticleThink:
    """The article's Think! as this reader may see it (services.readable_think); without a
    reader in the context, as a visitor sees it."""
    return services.readable_think(reader or VISITOR, think)
