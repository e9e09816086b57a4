"""The roadmap document (the seed's layout) regenerated from live data, as HTML and PDF."""

import datetime as dt
import re
from dataclasses import dataclass, field
from operator import attrgetter

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import dateformat, timezone
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from capsante.engine.statuses import RULE_IN_WORDS
from capsante.indicators import completeness, dashboards
from capsante.indicators.models import Target
from capsante.indicators.templatetags.indicator_tags import figure_scope, live_figure
from capsante.reports import publication
from capsante.reports.columns import two_columns
from capsante.roadmaps.models import FigureKind, KeyFigure, Roadmap
from capsante.roadmaps.services import glossary_map
from capsante.roadmaps.targets import roadmap_targets
from capsante.territories.models import TerritoryLoad
from capsante.ui import editions, formats, pdf
from capsante.ui.charts import SeriesChart
from capsante.ui.maps import MapShape, svg_map

ABBR = re.compile(r'<abbr title="[^"]*">([^<]+)</abbr>')


def count_label(number: float) -> str:
    return f"{number:,.0f}".replace(",", "\u202f")


def document_figure(figure: KeyFigure) -> str:
    """The figure as the document printed it: 3.87 → 3,87; % glued with a thin space."""
    value = figure.value.replace(".", ",")
    if figure.unit == "%":
        return f"{value}\u202f%"
    return f"{value} {figure.unit}".strip()


# « de », « des », « d’ » that join a figure's words to its value (« 30 % d’activations »).
LEADING_PREPOSITION = re.compile(r"^(?:d[’']|des? )", re.IGNORECASE)


@dataclass
class LiveFigure:
    figure: KeyFigure
    indicator: object = None
    territory: object = None
    latest: object = None
    target: Target | None = None
    value_label: str = "—"
    target_label: str = ""
    status: str = ""
    status_code: str = ""
    stale: bool = False  # the latest value is older than the indicator's freshness limit
    partial: completeness.MissingCommunes | None = None  # short of communes (decision 0043)
    chart: dict | None = None
    table: list[tuple[str, str]] = field(default_factory=list)
    # The indicator's public page (how it is computed, its source, every month): the reader of a
    # printed document can check where the number comes from.
    page: str = ""

    @property
    def document_value(self) -> str:
        return document_figure(self.figure)

    @property
    def scope_label(self) -> str:
        """The territory the document's figure is about, by name, when it is not the roadmap's
        and the figure's own words do not name it.
        Found as the roadmap's pages find it (`figure_scope`): « 52 » in the Sarthe's roadmap is
        its région, the Pays de la Loire, not the département that shares the code."""
        code, roadmap = self.figure.scope, self.figure.objective.roadmap
        if not code or code == roadmap.territory.code:
            return ""
        found = self.territory or figure_scope(code, roadmap)
        if found is None:
            return code
        # « … en Pays de la Loire (Pays de la Loire) » says it twice.
        return "" if found.name in self.figure.label else found.name

    @property
    def subject(self) -> str:
        """The figure's words alone in a table's cell. In the document they follow the value
        (« 80 % d’alimentation du DMP »); beside a « Cible » column they read « Alimentation du
        DMP »."""
        return capfirst(LEADING_PREPOSITION.sub("", self.figure.label.strip(), count=1))

    @property
    def period_label(self) -> str:
        return formats.month(self.latest.period) if self.latest else ""

    @property
    def ratio_label(self) -> str:
        """Numerator over denominator, for rates: the counts behind the percentage."""
        if not self.latest or not self.latest.denominator or self.latest.numerator is None:
            return ""
        return f"{count_label(self.latest.numerator)} sur {count_label(self.latest.denominator)}"

    @property
    def is_target(self) -> bool:
        return self.figure.kind == FigureKind.TARGET


def _print_chart(
    indicator, territory, target, partial_month: str | None = None
) -> tuple[dict | None, list[tuple[str, str]]]:
    """A chart sized for print (fewer units, so type stays legible once scaled to the column)
    and the few numbers a reader needs beside it. The monthly points come from the dashboard's
    own table, so the trajectory and the forecast are exactly those of the indicator page.
    `partial_month` lacks communes (decision 0043): its point is an open circle and its line in
    the table says so, as the live value above it does."""
    _, rows = dashboards.chart(indicator, territory, target)
    observed = [(r["period"], r["value"]) for r in rows if r.get("value") is not None]
    if len(observed) < 2:
        return None, []
    trajectory = [(r["period"], r["reference"]) for r in rows if r.get("reference") is not None]
    forecast = [
        (r["period"], r["forecast"], r["low"], r["high"])
        for r in rows
        if r.get("forecast") is not None
    ]
    if forecast:
        # The forecast starts from the last observation, as on the indicator page.
        last_period, last_value = observed[-1]
        forecast.insert(0, (last_period, last_value, last_value, last_value))
    has_target = target is not None and target.target_value is not None and target.deadline
    drawing = SeriesChart(
        width=440,
        height=150,
        margin=(10, 12, 26, 44),
        observed=observed,
        trajectory=trajectory,
        forecast=forecast,
        target=(target.deadline, target.target_value) if has_target else None,
        partial={partial_month} if partial_month else set(),
        ceiling=dashboards.ceiling(indicator),
    ).render()
    fmt = lambda v: dashboards.format_value(v, indicator)  # noqa: E731
    table = [(f"Premier mois ({formats.month(observed[0][0])})", fmt(observed[0][1]))]
    # The figure the roadmap dashboard's change over a year starts from (`RoadmapRow.trend_base`):
    # the first month on or after a year before the last, whatever the series' length (a
    # yearly survey's October 2025 was left out for having fewer than 13 months).
    since = _minus_year(observed[-1][0])
    base = next(((p, v) for p, v in observed if p >= since), None)
    if base is not None and base[0] not in (observed[0][0], observed[-1][0]):
        said = "Un an avant" if base[0] == since else "Premier mois de l’année écoulée"
        table.append((f"{said} ({formats.month(base[0])})", fmt(base[1])))
    last_month = formats.month(observed[-1][0])
    if observed[-1][0] == partial_month:
        last_month += ", chiffre partiel"
    table.append((f"Dernier mois ({last_month})", fmt(observed[-1][1])))
    if has_target:
        table.append((f"Cible ({formats.month(target.deadline)})", fmt(target.target_value)))
        details = target.status_details or {}
        if details.get("forecast_at_deadline") is not None:
            table.append(("Prévision à l’échéance", fmt(details["forecast_at_deadline"])))
    return drawing, table


def _minus_year(period: str) -> str:
    year, month = period.split("-")
    return f"{int(year) - 1}-{month}"


def live(figure: KeyFigure, roadmap: Roadmap) -> LiveFigure:
    found = live_figure(figure, roadmap)
    result = LiveFigure(figure)
    if not found:
        return result
    indicator, territory, target = found["indicator"], found["territory"], found["target"]
    result.indicator, result.territory, result.latest = indicator, territory, found["latest"]
    result.target = target
    result.value_label = found["value"]
    result.stale = found["stale"]
    result.partial = found["partial"]
    result.status = found["status"]
    result.status_code = target.status if target else ""
    result.page = settings.PUBLIC_URL + found["url"]
    if target and target.target_value is not None:
        result.target_label = dashboards.format_value(target.target_value, indicator)
    result.chart, result.table = _print_chart(
        indicator, territory, target, result.partial.period if result.partial else None
    )
    return result


def _territory_map(roadmap: Roadmap) -> dict | None:
    territory = roadmap.territory
    if not territory.geometry:
        return None
    return svg_map([MapShape(territory.code, territory.name, territory.geometry)], width=260)


OBJECTIVE_PARTS = (
    "key_figures",
    "assessment",
    "actions",
    "testimonies",
    "event_highlights",
    "useful_links",
)


def context(roadmap: Roadmap, now: dt.datetime | None = None) -> dict:
    now = now or timezone.localtime()
    objectives = []
    figures: list[LiveFigure] = []
    # The objectives' parts read once for all of them: six queries, not six per objective.
    objectives_with_parts = roadmap.objectives.prefetch_related(*OBJECTIVE_PARTS)
    for number, objective in enumerate(objectives_with_parts, 1):
        live_figures = [live(f, roadmap) for f in objective.key_figures.all()]
        assessment = list(objective.assessment.all())
        figures.extend(live_figures)
        objectives.append(
            {
                "number": number,
                "objective": objective,
                "actions": list(objective.actions.all()),
                "assessment": assessment,
                "assessment_columns": two_columns(
                    assessment, attrgetter("group"), attrgetter("text")
                ),
                "figures": [f for f in live_figures if f.indicator is not None],
                "document_figures": [f for f in live_figures if f.indicator is None],
                "testimonies": list(objective.testimonies.all()),
                "event_highlights": list(objective.event_highlights.all()),
                "useful_links": list(objective.useful_links.all()),
            }
        )
    return {
        "roadmap": roadmap,
        "territory": roadmap.territory,
        "objectives": objectives,
        "priorities": list(roadmap.priorities.all()),
        # The overview's « Priorité retenue » column, only when an objective has one (the
        # Mayenne's have none: an empty column would look like missing data).
        "has_priority": any(o["objective"].priority for o in objectives),
        "targets": [f for f in figures if f.is_target],
        # The targets recorded on the platform that the roadmap follows, as its dashboard lists
        # them: the Sarthe's one target (every signed CLS with e-health, « hors trajectoire »)
        # is no key figure of its document, and the PDF had no word of it (review of 7
        # December).
        "recorded_targets": _recorded_targets(roadmap, figures),
        "sourced": [f for f in figures if f.indicator is not None],
        "documented": [f for f in figures if f.indicator is None],
        "glossary": glossary_map(roadmap),
        "status_rule": RULE_IN_WORDS,
        "status_rule_note": completeness.STATUS_RULE_NOTE,
        "now": now,
        "territory_load": TerritoryLoad.objects.order_by("-loaded_at").first(),
        "map": _territory_map(roadmap),
        "font_css": mark_safe(pdf.font_css()),  # noqa: S308 - built from file paths we control  # nosec B308 B703
    }


def _recorded_targets(roadmap: Roadmap, figures: list[LiveFigure]) -> list:
    """The targets recorded on the platform that the roadmap follows, but those its document's
    own targets already show (the Mayenne's seven, listed once)."""
    shown = {(f.indicator.pk, f.territory.pk) for f in figures if f.is_target and f.indicator}
    return [
        row
        for row in roadmap_targets(roadmap)
        if not row.from_document
        and not row.target.not_applicable
        and (row.indicator.pk, row.territory.pk) not in shown
    ]


def used_glossary(body: str, glossary: dict) -> list:
    """The glossary entries whose acronym the document actually uses, in alphabetical order."""
    used = set(ABBR.findall(body))
    return sorted((glossary[a] for a in used if a in glossary), key=lambda e: e.acronym.lower())


def _stamps(now: dt.datetime) -> editions.Stamps:
    """The instants the document states to the minute: left out of an edition's fingerprint."""
    now = timezone.localtime(now) if timezone.is_aware(now) else now
    return editions.Stamps(
        produced_at=dateformat.format(now, "j F Y à H:i"), created=now.isoformat()
    )


def _page(roadmap: Roadmap, now: dt.datetime, stamps: editions.Stamps) -> str:
    """The document's HTML, its instants to the minute left as `stamps`' placeholders."""
    ctx = context(roadmap, now) | stamps.placeholders()
    body = render_to_string("reports/roadmap/body.html", ctx)
    ctx["body"] = mark_safe(body)  # noqa: S308 - our own rendered template  # nosec B308 B703
    ctx["used_glossary"] = used_glossary(body, ctx["glossary"])
    return render_to_string("reports/roadmap/document.html", ctx)


def roadmap_html(roadmap: Roadmap, now: dt.datetime | None = None) -> str:
    now = now or timezone.localtime()
    stamps = _stamps(now)
    return stamps.written(_page(roadmap, now, stamps))


def roadmap_pdf(roadmap: Roadmap, now: dt.datetime | None = None) -> bytes:
    """The document laid out now (`edition` reads back one laid out before)."""
    return pdf.html_to_pdf(roadmap_html(roadmap, now))


def edition_name(roadmap: Roadmap) -> str:
    """One kept edition per roadmap, under its territory and period: a roadmap imported again
    (`capsante roadmap import --replace`) replaces the edition of the one it replaces."""
    name = f"{publication.ROADMAP_EDITIONS}{roadmap.territory.code}-{roadmap.period_label}"
    return name.lower()


def _current_page(roadmap: Roadmap, now: dt.datetime | None) -> tuple[str, editions.Stamps]:
    """The document's HTML as of `now` (its instants left as placeholders) and those stamps."""
    now = now or timezone.localtime()
    stamps = _stamps(now)
    return _page(roadmap, now, stamps), stamps


def edition(roadmap: Roadmap, refresh: bool = False, now: dt.datetime | None = None) -> bytes:
    """The document's PDF: laid out once per edition, then read back while its HTML — every
    figure, text and status it shows, the day of its edition — is unchanged (decision 0050).
    The roadmap document shows no personal data."""
    page, stamps = _current_page(roadmap, now)
    return editions.kept_html(
        edition_name(roadmap), page, pdf.html_to_pdf, stamps=stamps, refresh=refresh
    )


def refresh_edition(roadmap: Roadmap, now: dt.datetime | None = None) -> bool:
    """Lay the document out again if what it shows is no longer what its kept edition shows
    (decision 0051); whether it was laid out."""
    page, stamps = _current_page(roadmap, now)
    if editions.is_kept(edition_name(roadmap), page):
        return False
    editions.kept_html(edition_name(roadmap), page, pdf.html_to_pdf, stamps=stamps, refresh=True)
    return True
