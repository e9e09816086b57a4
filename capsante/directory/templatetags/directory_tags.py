"""Small filters of the directory's pages: hours in French, phone links, pictograms."""

import re

from django import template
from django.template.loader import render_to_string
from django.templatetags.static import static

from capsante.ingest.connectors.directory import vocabulary

from .. import hours as opening_hours

register = template.Library()

# Rendered resource details, per process: {(pk, version, easy mode, commune name): html}.
_details: dict[tuple, str] = {}
DETAILS_KEPT = 20_000


@register.simple_tag
def resource_details(resource, easy: bool) -> str:
    """What a resource's block says of the resource alone (address, hours, contact, needs, date
    verified), rendered once per process and version of the resource: ten of them were a third
    of a search page's time. A change to the resource saves a new `updated_at`, hence a new key."""
    commune = resource.commune.name if resource.commune_id else ""
    key = (resource.pk, resource.updated_at, bool(easy), commune)
    html = _details.get(key)
    if html is None:
        html = render_to_string(
            "directory/_resource_details.html", {"r": resource, "easy": bool(easy)}
        )
        if len(_details) >= DETAILS_KEPT:
            _details.clear()
        _details[key] = html
    return html


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
