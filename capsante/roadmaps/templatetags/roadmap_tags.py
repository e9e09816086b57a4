from django import template

from capsante.roadmaps.services import with_abbreviations

register = template.Library()


@register.simple_tag
def abbr(text, glossary):
    """Escape text and mark the roadmap's acronyms as <abbr> with their expansion."""
    return with_abbreviations(text or "", glossary or {})
