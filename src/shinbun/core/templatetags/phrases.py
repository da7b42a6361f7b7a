"""``{{ text|phrases }}``: plain text with line breaks only between phrases (core/phrases.py).
The element showing it needs ``word-break: keep-all`` (site.css lists where)."""

from django import template

from shinbun.core.phrases import break_phrases

register = template.Library()


@register.filter
def phrases(value):
    return break_phrases(value)
