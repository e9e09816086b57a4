"""Small filters of the directory's pages: hours in French, phone links, pictograms."""

import re

from django import template
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from capsante.ingest.connectors.directory import vocabulary

from .. import hours as opening_hours

register = template.Library()

# Rendered resource blocks, per process: {(pk, version, easy mode, embedded, commune name): html}.
_blocks: dict[tuple, str] = {}
BLOCKS_KEPT = 20_000

# Where a block's search-dependent parts go. An HTML comment, because a "<" never comes out of
# escaped data: these strings can only be the template's own, never a resource's name or address.
NUMBER_SLOT = mark_safe("<!--cap:number-->")  # nosec B308 B703
DISTANCE_SLOT = mark_safe("<!--cap:distance-->")  # nosec B308 B703


@register.simple_tag(takes_context=True)
def resource_block(context, result) -> str:
    """One resource found by a search, as a block of the list. What the block says of the
    resource alone (kind, name, address, hours, contact, needs, date verified) is rendered once
    per process and version of the resource — ten of them were half of a search page's time —
    and what depends on the search (its number on the map, how far it is) is filled in each
    time. A change to the resource saves a new `updated_at`, hence a new key."""
    resource = result.resource
    easy, embedded = bool(context.get("easy")), bool(context.get("embedded"))
    commune = resource.commune.name if resource.commune_id else ""
    key = (resource.pk, resource.updated_at, easy, embedded, commune)
    html = _blocks.get(key)
    if html is None:
        html = render_to_string(
            "directory/_resource_block.html",
            {
                "r": resource,
                "easy": easy,
                "embedded": embedded,
                "number": NUMBER_SLOT,
                "distance": DISTANCE_SLOT,
            },
        )
        if len(_blocks) >= BLOCKS_KEPT:
            _blocks.clear()
        _blocks[key] = html
    number = (
        format_html(
            '<span class="cap-resource__number" aria-hidden="true">{}</span> ', result.number
        )
        if result.number
        else ""
    )
    distance = render_to_string(
        "directory/_resource_distance.html", {"result": result, "r": resource, "easy": easy}
    )
    # Three pieces rendered with autoescape or format_html: the whole is as safe as they are.
    filled = html.replace(NUMBER_SLOT, number, 1).replace(DISTANCE_SLOT, distance, 1)
    return mark_safe(filled)  # nosec B308 B703


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
