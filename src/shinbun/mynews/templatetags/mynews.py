from django import template

register = template.Library()


@register.simple_tag
def state_of(marks, kind: str, pk) -> str:
    """A button's state, "on" or "off", from the reader's marks (services.Marks); in a
    cached variant, the slot that is filled per request (core/variantcache.SlotMarks)."""
    if marks is None:
        return "off"
    return marks.state(kind, int(pk))
