import json

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from shinbun.core import mail
from shinbun.core.money import format_yen
from shinbun.core.timefmt import format_date, format_reader, format_update

register = template.Library()

# JSON inside <script> must not be able to close the element or open a comment.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def jst(value):
    """A moment in Japan time, in the page's language: 「2026年12月6日 14:05」."""
    return format_reader(value) if value else ""


@register.filter
def jst_date(value):
    """The day of a moment in Japan, in the page's language: 「2026年12月6日」."""
    return format_date(value) if value else ""


@register.filter
def lang_ja(value):
    """Japanese content inside a translated sentence: 「All {{ name }} articles」."""
    return format_html('<span lang="ja">{}</span>', value)


@register.filter
def yen(amount):
    """1980 -> 「1,980円」: every amount on every page is written this way."""
    return "" if amount is None or amount == "" else format_yen(amount)


@register.simple_tag
def update_time(published, updated):
    return format_update(published, updated) if published and updated else ""


@register.simple_tag
def outbox_in_use() -> bool:
    """Whether mails go to the demo's outbox (/outbox/) rather than out."""
    return mail.outbox_in_use()


@register.filter
def json_ld(data) -> str:
    text = json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308


@register.filter
def chart_svg(figure) -> str:
    # Drawn by the newsroom's chart renderer from numbers and escaped labels only.
    return mark_safe(figure.svg())  # noqa: S308
