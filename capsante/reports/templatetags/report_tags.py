from django import template
from django.utils.dateformat import format as date_format

register = template.Library()


@register.filter
def fr_date(day) -> str:
    """A date as French writes it: 1er juin 2026, 2 juin 2026."""
    if not day:
        return ""
    text = date_format(day, "j F Y")
    return "1er" + text[1:] if text.startswith("1 ") else text
