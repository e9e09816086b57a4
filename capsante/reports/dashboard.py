"""The public dashboard of a published roadmap: its indicators with value, target, status,
trend and a map of the neighbouring départements, all from the value store."""

from collections import defaultdict
from dataclasses import dataclass, field

from capsante.indicators import completeness, dashboards, services
from capsante.indicators.models import Indicator, IndicatorValue, Target
from capsante.indicators.targets import Remaining, remaining, shown_difference, target_label
from capsante.indicators.templatetags.indicator_tags import figure_indicator
from capsante.roadmaps.models import KeyFigure, Roadmap
from capsante.roadmaps.targets import TargetRow
from capsante.territories.models import Level, Territory
from capsante.ui import formats
from capsante.ui.charts import SCALE, classes, spark_label, spark_path
from capsante.ui.maps import MapShape, svg_map


@dataclass
class Row:
    indicator: Indicator
    territory: Territory
    objectives: list[str] = field(default_factory=list)
    latest: IndicatorValue | None = None
    target: Target | None = None
    map: dict | None = None
    map_rows: list[dict] = field(default_factory=list)
    legend: list[tuple[str, str, str]] = field(default_factory=list)
    # Communes the month before counted and this month's figure lacks (decision 0043).
    partial: completeness.MissingCommunes | None = None
    values: list[IndicatorValue] = field(default_factory=list)  # the series, oldest first
    # The same of the figure the change over a year starts from.
    base_partial: completeness.MissingCommunes | None = None

    @property
    def value_label(self) -> str:
        return dashboards.format_value(self.latest.value if self.latest else None, self.indicator)

    @property
    def period_label(self) -> str:
        return formats.month(self.latest.period) if self.latest else ""

    @property
    def target_label(self) -> str:
        """'80 % en décembre 2026', or 'aucune cible fixée' where the roadmap sets none."""
        return target_label(self.target, lambda v: dashboards.format_value(v, self.indicator))

    @property
    def remaining(self) -> Remaining | None:
        # Not from a figure short of communes: its numerator and denominator lack them.
        if self.partial:
            return None
        return remaining(self.indicator, self.target, self.latest)

    @property
    def remaining_label(self) -> str:
        """« encore 3 402 Espaces santé alimentés », « non calculé sur un chiffre partiel », or
        "" (no target, or nothing left to do)."""
        if self.remaining:
            return self.remaining.label
        if self.partial and self.target and self.target.target_value is not None:
            return completeness.NOT_FROM_PARTIAL
        return ""

    @property
    def trend_label(self) -> str:
        if self.trend:
            return self.trend["label"]
        return completeness.NOT_FROM_PARTIAL if self.partial or self.base_partial else ""

    @property
    def status_label(self) -> str:
        return services.STATUS_LABELS.get(self.target.status, "") if self.target else ""

    @property
    def stale(self) -> bool:
        """Older than the indicator's source is renewed: « donnée ancienne » beside it."""
        return services.is_stale(self.indicator, self.latest)

    @property
    def spark(self) -> str:
        return spark_path(self.series, width=160, height=40)

    @property
    def spark_label(self) -> str:
        return spark_label(self.series, lambda v: dashboards.format_value(v, self.indicator))

    @property
    def series(self) -> list[tuple[str, float]]:
        """The months that have a value, and their values."""
        return [(v.period, v.value) for v in self.values if v.value is not None]

    @property
    def trend_base(self) -> IndicatorValue | None:
        """The figure the change over a year starts from: twelve months before the latest, or
        the first when the series is shorter."""
        observed = [v for v in self.values if v.value is not None]
        if len(observed) < 2:
            return None
        year, month = observed[-1].period.split("-")
        start = f"{int(year) - 1}-{month}"
        return next((v for v in observed if v.period >= start), observed[0])

    @property
    def trend(self) -> dict | None:
        """Change over the last twelve months (or since the first value when the series is
        shorter), signed, in points for rates; none from a partial figure (it would be the
        hole's size)."""
        base = self.trend_base
        if self.partial or self.base_partial or base is None:
            return None
        base_period, base_value = base.period, base.value
        delta = shown_difference(self.series[-1][1], base_value, self.indicator)
        favourable = None if delta == 0 else (delta > 0) == (self.indicator.polarity == "up")
        return {
            "label": dashboards.format_gap(delta, self.indicator),
            "since": formats.month(base_period),
            "favourable": favourable,
        }


def _neighbours(territory: Territory) -> list[Territory]:
    """The départements the map shows: the région's, whether the figure is about the région or
    one of its départements."""
    if territory.level == Level.REGION:
        return list(territory.children.order_by("code"))
    if territory.level == Level.DEPARTEMENT and territory.parent_id:
        return list(territory.parent.children.order_by("code"))
    return [territory]


def _map(row: Row) -> None:
    group = _neighbours(row.territory)
    period = row.latest.period if row.latest else None
    latest: dict[int, IndicatorValue] = {}
    values = IndicatorValue.objects.filter(
        indicator=row.indicator, territory__in=group, is_current=True
    ).months_ended()
    if period:
        values = values.filter(period__lte=period)
    for value in values.order_by("period"):
        latest[value.territory_id] = value
    ordered = [(t, latest.get(t.pk)) for t in group]
    buckets, bounds = classes([v.value if v else None for _, v in ordered])
    shapes = []
    for (t, v), bucket in zip(ordered, buckets, strict=True):
        label = dashboards.format_value(v.value if v else None, row.indicator)
        row.map_rows.append(
            {
                "territory": t,
                "label": label,
                "period": formats.month(v.period) if v else "—",
                "is_self": t.pk == row.territory.pk,
                "color": SCALE[bucket] if bucket is not None else "#eeeeee",
            }
        )
        if t.geometry:
            shapes.append(
                MapShape(
                    t.code,
                    t.name,
                    t.geometry,
                    css_class=f"cap-q{bucket}" if bucket is not None else "",
                    title=f"{t.name} : {label}",
                )
            )
    # Only the classes some département falls in, once each: with few values, quantile classes
    # collapse onto the same bounds and a legend of five identical lines would only confuse.
    seen = set()
    for i in sorted({b for b in buckets if b is not None}):
        low, high = bounds[i]
        label = (
            dashboards.format_value(low, row.indicator),
            dashboards.format_value(high, row.indicator),
        )
        if label not in seen:
            seen.add(label)
            row.legend.append((*label, SCALE[i]))
    if any(b is None for b in buckets):
        row.legend.append(("pas de donnée", "", "#eeeeee"))
    # Shapes take the scale's colours from capsante.css (cap-q0 … cap-q4 = SCALE); no value: grey.
    row.map = svg_map(shapes, width=320) if shapes else None


def roadmap_indicators(roadmap: Roadmap, targets: list[TargetRow] = ()) -> list[Row]:
    """The roadmap's indicators: those behind its key figures (on their own territory), those
    with a target it follows (`targets`, roadmaps.targets.roadmap_targets) and those with a
    target on the roadmap's territory; in the order of the objectives they serve."""
    rows: dict[tuple[int, int], Row] = {}
    order = {o.title: i for i, o in enumerate(roadmap.objectives.all())}
    figures = KeyFigure.objects.filter(objective__roadmap=roadmap).exclude(indicator="")
    for figure in figures.select_related("objective"):
        # Only which indicator and territory: the row reads its values below, once for all.
        found = figure_indicator(figure, roadmap)
        if not found:
            continue
        indicator, territory = found
        row = rows.setdefault((indicator.pk, territory.pk), Row(indicator, territory))
        if figure.objective.title not in row.objectives:
            row.objectives.append(figure.objective.title)
    for followed in targets:
        row = rows.setdefault(
            (followed.indicator.pk, followed.territory.pk),
            Row(followed.indicator, followed.territory),
        )
        for objective in followed.objectives:
            if objective.title not in row.objectives:
                row.objectives.append(objective.title)
    for target in Target.objects.filter(territory=roadmap.territory).select_related(
        "indicator", "territory"
    ):
        if target.not_applicable:
            continue
        rows.setdefault(
            (target.indicator_id, target.territory_id), Row(target.indicator, target.territory)
        )
    result = sorted(
        rows.values(),
        key=lambda r: (
            min((order.get(t, len(order)) for t in r.objectives), default=len(order)),
            r.indicator.order,
            r.territory.level,
        ),
    )
    for row in result:
        row.target = Target.objects.filter(indicator=row.indicator, territory=row.territory).first()
        row.values = services.series(row.indicator, row.territory)
        row.latest = row.values[-1] if row.values else None
        _map(row)
    _mark_partial(result)
    return result


def _mark_partial(rows: list[Row]) -> None:
    """Each row's figure that lacks communes, in one query per territory (rows are of the
    roadmap's territory, and of others for key figures about them)."""
    by_territory: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        by_territory[row.territory.pk].append(row)
    for same in by_territory.values():
        partial = completeness.missing_communes_of(
            same[0].territory, ((row.indicator, row.latest) for row in same)
        )
        for row in same:
            row.partial = partial.get(row.indicator.pk)
        # Nor from a figure a year before that lacked communes: the change would be the hole's.
        bases = completeness.missing_communes_of(
            same[0].territory, ((row.indicator, row.trend_base) for row in same if not row.partial)
        )
        for row in same:
            row.base_partial = bases.get(row.indicator.pk)


def table(rows: list[Row]) -> tuple[list[str], list[list]]:
    """The dashboard as one table, for CSV and XLSX downloads."""
    headers = [
        "code indicateur",
        "indicateur",
        "territoire",
        "code territoire",
        "mois",
        "valeur",
        "numérateur",
        "dénominateur",
        "cible",
        "échéance",
        "statut",
        "reste à faire",
        "évolution sur 12 mois",
        "objectifs de la feuille de route",
        "provenance",
        "chiffre partiel",
    ]
    data = []
    for r in rows:
        data.append(
            [
                r.indicator.code,
                r.indicator.name,
                r.territory.name,
                r.territory.code,
                r.latest.period if r.latest else None,
                r.latest.value if r.latest else None,
                r.latest.numerator if r.latest else None,
                r.latest.denominator if r.latest else None,
                r.target.target_value if r.target else None,
                r.target.deadline if r.target else None,
                r.status_label or None,
                r.remaining_label or None,
                r.trend_label or None,
                " ; ".join(r.objectives),
                r.latest.provenance if r.latest else None,
                r.partial.short() if r.partial else None,
            ]
        )
    return headers, data
