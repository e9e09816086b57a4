"""The one-page summary of a territory, for a council or a committee: its key indicators with
the département's and the région's values and their status, grouped by the objective of the
roadmap they serve, the latest actions, the upcoming meetings. One A4 page, as a web page
(with a print stylesheet) and as a PDF."""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from capsante.committees.models import Meeting
from capsante.committees.services import committees_for_user
from capsante.indicators import dashboards, disclosure
from capsante.roadmaps.models import Action, Roadmap
from capsante.roadmaps.targets import late_actions, roadmap_of
from capsante.territories.models import Territory
from capsante.ui import pdf

# What one A4 page holds at the summary's type size: beyond, the last sections are cut and the
# page says how many indicators the dashboard shows besides.
MAX_INDICATOR_ROWS = 22
MAX_ACTIONS = 5
MAX_MEETINGS = 3
UPCOMING_DAYS = 90


@dataclass
class PartialFigures:
    """Indicators of the summary whose figure the same communes are missing from."""

    ids: list[int]
    names: list[str]
    sentence: str


@dataclass
class Summary:
    territory: Territory
    parents: list[Territory]
    sections: list[dashboards.Section]
    left_out: int
    roadmap: Roadmap | None
    actions: list[Action] = field(default_factory=list)
    late_count: int = 0
    meetings: list[Meeting] = field(default_factory=list)
    now: dt.datetime = field(default_factory=timezone.now)
    # The figures whose month lacks communes the month before counted: marked in the table, and
    # said under it once for the indicators the same communes are missing from.
    partial: list[PartialFigures] = field(default_factory=list)

    @property
    def partial_ids(self) -> set[int]:
        return {indicator_id for figures in self.partial for indicator_id in figures.ids}


def _fit(sections: list[dashboards.Section]) -> tuple[list[dashboards.Section], int]:
    """The sections, indicators without any value left out, cut to what one page holds."""
    kept, room, left_out = [], MAX_INDICATOR_ROWS, 0
    for section in sections:
        cards = [c for c in section.cards if c.latest is not None or c.withheld]
        shown, rest = cards[: max(room, 0)], cards[max(room, 0) :]
        left_out += len(rest)
        room -= len(shown)
        if shown:
            kept.append(dashboards.Section(section.title, shown, section.url))
    return kept, left_out


def summary(territory: Territory, user, today: dt.date | None = None) -> Summary:
    today = today or timezone.localdate()
    cards = dashboards.territory_cards(territory, user, compare=True)
    sections, left_out = _fit(dashboards.sections(territory, cards, user))
    roadmap = roadmap_of(user, territory)
    result = Summary(
        territory=territory,
        parents=dashboards.comparison_parents(territory),
        sections=sections,
        left_out=left_out,
        roadmap=roadmap,
        partial=_partial(territory, sections, user),
    )
    if roadmap is not None:
        actions = Action.objects.filter(objective__roadmap=roadmap).select_related("objective")
        # The latest actions: those changed most recently, as the audit trail dates them.
        changed = (
            Action.history.filter(objective__roadmap=roadmap)
            .order_by("-history_date")
            .values_list("id", flat=True)
        )
        latest_ids = list(dict.fromkeys(changed[: MAX_ACTIONS * 10]))[:MAX_ACTIONS]
        by_id = {a.pk: a for a in actions.filter(pk__in=latest_ids)}
        result.actions = [by_id[pk] for pk in latest_ids if pk in by_id]
        result.late_count = late_actions(actions, today).count()
    result.meetings = list(
        Meeting.objects.filter(
            committee__in=committees_for_user(user),
            date__gte=today,
            date__lte=today + dt.timedelta(days=UPCOMING_DAYS),
        )
        .select_related("committee")
        .order_by("date")[:MAX_MEETINGS]
    )
    return result


def _partial(
    territory: Territory, sections: list[dashboards.Section], user
) -> list[PartialFigures]:
    """The figures shown whose month lacks communes the month before counted (the cards'
    `partial`), named only for a reader who may see them (`disclosure`), grouped by what is
    missing."""
    found: dict[str, PartialFigures] = {}
    for card in (c for section in sections for c in section.cards if not c.withheld):
        if card.partial:
            sentence = card.partial.sentence(
                named=disclosure.sees_establishments(user, card.indicator, territory)
            )
            figures = found.setdefault(sentence, PartialFigures([], [], sentence))
            figures.ids.append(card.indicator.pk)
            figures.names.append(card.indicator.name)
    return list(found.values())


def summary_html(data: Summary) -> str:
    """The standalone A4 document (the PDF's source)."""
    return render_to_string(
        "reports/summary/document.html",
        {
            "s": data,
            "font_css": mark_safe(pdf.font_css()),  # noqa: S308 - our file paths  # nosec B308 B703
            # Whoever holds the page can open the rule its statuses follow.
            "rule_url": f"{settings.PUBLIC_URL}{reverse('indicators:catalogue')}#regle-des-statuts",
        },
    )


def summary_pdf(data: Summary) -> bytes:
    return pdf.html_to_pdf(summary_html(data))


def summary_filename(territory: Territory) -> str:
    return f"synthese-{territory.level}-{territory.code}.pdf"
