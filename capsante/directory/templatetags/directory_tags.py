"""Small filters of the directory's pages: hours in French, phone links, pictograms."""

import re

from django import template
from django.templatetags.static import static

from capsante.ingest.connectors.directory import vocabulary

from .. import hours as opening_hours

register = template.Library()


@register.filter
def hours_line(expression: str) -> str:
    """The week's opening hours on one line, in French."""
    return opening_hours.one_line(expression)


@register.filter
def tel(phone: str) -> str:
    """A number for a tel: link (+33…, digits only)."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 10 and digits.startswith("0"):
        return "+33" + digits[1:]
    return digits


@register.filter
def pictogram(name: str) -> str:
    return static(f"dsfr/dist/artwork/pictograms/{name}.svg")


@register.filter
def kind_term(code: str):
    return vocabulary.KIND_BY_CODE.get(code)


@register.filter
def hours_week(expression: str):
    """The week's opening hours, one line per day or group of days."""
    return opening_hours.describe(expression)
