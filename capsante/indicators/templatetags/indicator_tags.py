"""Live values of indicators inside other apps' pages (roadmap key figures)."""

from django import template
from django.urls import reverse

from capsante.indicators import completeness, dashboards, services
from capsante.indicators.models import Indicator, Target
from capsante.territories.models import Level, Territory

register = template.Library()


def figure_scope(code: str, roadmap) -> Territory | None:
    """The territory a key figure is about; a code equal to the roadmap's région is the région."""
    home = roadmap.territory
    if code in ("", home.code):
        return home
    if home.parent_id and home.parent.code == code:
        return home.parent
    return (
        Territory.objects.filter(code=code).exclude(level=Level.GROUPING).order_by("level").first()
    )


def figure_indicator(figure, roadmap) -> tuple[Indicator, Territory] | None:
    """The indicator behind a key figure and the territory it is about, if both are known."""
    if not figure.indicator:
        return None
    indicator = Indicator.objects.filter(code=figure.indicator).first()
    territory = figure_scope(figure.scope, roadmap)
    if indicator is None or territory is None:
        return None
    return indicator, territory


@register.simple_tag
def live_figure(figure, roadmap):
    """The indicator behind a key figure, as it stands now for the figure's territory."""
    found = figure_indicator(figure, roadmap)
    if found is None:
        return None
    indicator, territory = found
    latest = services.latest_value(indicator, territory)
    target = Target.objects.filter(indicator=indicator, territory=territory).first()
    return {
        "stale": services.is_stale(indicator, latest),
        "indicator": indicator,
        "territory": territory,
        "latest": latest,
        "value": dashboards.format_value(latest.value if latest else None, indicator),
        # Short of communes the month before counted (decision 0043): said beside the figure.
        "partial": completeness.missing_communes(indicator, territory, latest),
        "target": target,
        "status": services.STATUS_LABELS.get(target.status, "") if target else "",
        "status_code": target.status if target else "",
        "url": reverse("indicators:detail", args=[indicator.code, territory.level, territory.code]),
    }
