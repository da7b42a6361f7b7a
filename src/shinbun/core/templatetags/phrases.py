"""``{{ text|phrases }}``: plain text with line breaks only between phrases (core/phrases.py).
The element showing it needs ``word-break: keep-all`` (site.css lists where).
``ruby_or_phrases`` and ``ruby_or_text`` show a text's stored ふりがな HTML instead, when
it has one."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from shinbun.core.phrases import break_phrases

register = template.Library()


@register.filter
def phrases(value):
    return break_phrases(value)


@register.filter
def ruby_or_phrases(value, ruby_html):
    """The text's ruby HTML (made from the escaped text when it was saved), or the text
    with phrase breaks when it has no ruby."""
    return mark_safe(ruby_html) if ruby_html else break_phrases(value)  # noqa: S308


@register.filter
def ruby_or_text(value, ruby_html):
    """The text's ruby HTML, or the text escaped."""
    return mark_safe(ruby_html) if ruby_html else escape(value)  # noqa: S308
