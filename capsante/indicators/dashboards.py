"""What the dashboards show, computed once per request from the value store."""

import re
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.utils.functional import cached_property

from capsante.engine import forecast as engine_forecast
from capsante.engine.periods import month_range
from capsante.establishments.models import Establishment
from capsante.territories.models import Level, Territory
from capsante.territories.services import ancestors, communes_of
from capsante.ui import formats, page_cache
from capsante.ui.charts import (
    SCALE,
    Line,
    SeriesChart,
    classes,
    spark_label,
    spark_path,
)
from capsante.ui.maps import MapShape, svg_map

from . import completeness, disclosure, groupings, services
from .models import Indicator, IndicatorValue, Target
from .targets import (
    NO_TARGET,
    Remaining,
    digits,
    format_value,
    remaining,
    shown_difference,
    target_label,
)


def ceiling(indicator: Indicator) -> float | None:
    """The highest value the indicator can take, where its chart's axis may stop: 100 for a
    share (a rate per inhabitant or a count has none)."""
    return 100.0 if indicator.unit == "%" else None


def format_gap(gap: float | None, indicator: Indicator) -> str:
    """A difference, signed: '+1,2 pt' for shares (percentage points), '−0,35' otherwise."""
    if gap is None:
        return "—"
    text = formats.number(abs(gap), digits(indicator))
    sign = "±" if text.strip("0,") == "" else ("+" if gap > 0 else "−")
    return f"{sign}{text}{formats.THOUSANDS}pt" if indicator.unit == "%" else f"{sign}{text}"


def comparison_parents(territory: Territory) -> list[Territory]:
    """The territories a figure is compared with: its département and its région (the région
    alone for a département; none for a région)."""
    if territory.level == Level.REGION:
        return []
    found = [a for a in ancestors(territory) if a.level in (Level.DEPARTEMENT, Level.REGION)]
    departement = next((a for a in found if a.level == Level.DEPARTEMENT), None)
    region = next((a for a in found if a.level == Level.REGION), None)
    if departement and not region and departement.parent_id:
        region = departement.parent
    return [t for t in (departement, region) if t is not None]


class MonthValue(NamedTuple):
    """A month's figure as a card and its comparisons read it."""

    period: str
    value: float | None


@dataclass
class Comparison:
    """The same figure for an enclosing territory, and the gap to it."""

    territory: Territory
    value: IndicatorValue | MonthValue | None
    indicator: Indicator
    own: float | None
    # The own figure lacks communes (decision 0043): a gap from it would be the hole's size.
    own_is_partial: bool = False
    # The enclosing territory's figure lacks communes (a Mayenne without Laval, compared with
    # by each of its other EPCI): said beside it, and no gap from it either.
    partial: completeness.MissingCommunes | None = None
    # The compared figure is some of its départements' only (`completeness.Coverage`: a
    # région's, an EPCI's straddling départements): said beside it, and no gap from it (it
    # would be a gap from those départements).
    coverage: completeness.Coverage | None = None

    @property
    def label(self) -> str:
        return completeness.with_coverage(
            format_value(self.value.value if self.value else None, self.indicator), self.coverage
        )

    @property
    def from_partial(self) -> bool:
        """Either side of the comparison lacks communes: no gap is worked out."""
        return self.own_is_partial or self.partial is not None

    @property
    def gap(self) -> float | None:
        compared = self.value.value if self.value else None
        if self.from_partial or self.coverage or self.own is None or compared is None:
            return None
        return shown_difference(self.own, compared, self.indicator)

    @property
    def gap_label(self) -> str:
        if self.from_partial:
            return completeness.NOT_FROM_PARTIAL
        if self.coverage:
            return self.coverage.no_gap
        return format_gap(self.gap, self.indicator)


def partial_coverages(comparisons: Iterable[tuple[Indicator, Comparison]]) -> None:
    """Sets each comparison's `coverage`: whether the compared territory's figure is some of
    its départements' only (a few queries for all)."""
    comparisons = [(i, c) for i, c in comparisons if c.value is not None]
    found = completeness.partial_coverage(
        (indicator, c.territory, c.value.period) for indicator, c in comparisons
    )
    for indicator, comparison in comparisons:
        comparison.coverage = found.get(
            (indicator.pk, comparison.territory.pk, comparison.value.period)
        )


def partial_comparisons(
    comparisons: Iterable[tuple[Indicator, Comparison]],
) -> list[completeness.GoneCommunes]:
    """Mark the comparisons whose enclosing territory's figure lacks communes the month before
    counted (`completeness`), for indicators counted by commune every month: one check per
    enclosing territory, for the figures of it that are compared with. The région is checked
    first: its query reads every commune the département's would, which takes them from it.
    Returns what the checks read, from which the territory's own check takes its communes."""
    wanted: dict[Territory, dict[int, tuple[Indicator, str, list[Comparison]]]] = defaultdict(dict)
    for indicator, comparison in comparisons:
        if comparison.value is None or not completeness.counts_every_commune(indicator):
            continue
        compared = wanted[comparison.territory].setdefault(
            indicator.pk, (indicator, comparison.value.period, [])
        )
        compared[2].append(comparison)
    read: list[completeness.GoneCommunes] = []
    for parent in sorted(wanted, key=lambda t: t.level != Level.REGION):
        by_indicator = wanted[parent]
        figures = {pk: (indicator, period) for pk, (indicator, period, _c) in by_indicator.items()}
        # Kept for every page that compares with the same figures: a région's check reads its
        # 1,228 communes' values (30–50 ms with national values), and each of its départements,
        # EPCI and communes compares with it.
        found, gone = page_cache.kept(
            "partial-figures",
            (parent.pk, tuple(sorted((pk, period) for pk, (_i, period) in figures.items()))),
            lambda parent=parent, figures=figures: _partial_figures(parent, figures, read),
        )
        read.extend(g for g in gone if g not in read)
        for indicator_id, missing in found.items():
            for comparison in by_indicator[indicator_id][2]:
                comparison.partial = missing
    return read


def _partial_figures(
    territory: Territory,
    figures: dict[int, tuple[Indicator, str]],
    known: list[completeness.GoneCommunes],
) -> tuple[dict[int, completeness.MissingCommunes], list[completeness.GoneCommunes]]:
    """`completeness.missing_communes_of` for the territory's figures of these months, and the
    communes gone it read."""
    # As records: the check reads whether a figure was entered by hand, and a rolling window's
    # what it counted.
    records = IndicatorValue.objects.filter(
        territory=territory,
        is_current=True,
        indicator_id__in=list(figures),
        period__in={period for _i, period in figures.values()},
    ).only("indicator", "period", "manual_entry", "numerator", "denominator")
    read: list[completeness.GoneCommunes] = []
    found = completeness.missing_communes_of(
        territory,
        [
            (figures[r.indicator_id][0], r)
            for r in records
            if figures[r.indicator_id][1] == r.period
        ],
        known=known,
        read=read,
    )
    return found, read


def series_by_indicator(territory: Territory) -> dict[int, list[MonthValue]]:
    """Every indicator's current values for a territory, month by month, in one query, as
    month and value: what a comparison reads (the Pays de la Loire's values read as records:
    8.4–9.7 ms on the demo)."""
    found: dict[int, list[MonthValue]] = defaultdict(list)
    values = (
        IndicatorValue.objects.filter(territory=territory, is_current=True)
        .months_ended()
        .exclude(value=None)
    )
    for indicator_id, period, value in values.order_by("period").values_list(
        "indicator_id", "period", "value"
    ):
        found[indicator_id].append(MonthValue(period, value))
    return found


def value_at(series: list[MonthValue], period: str | None) -> MonthValue | None:
    """The value of the same month, or the latest before it (the latest of all without one):
    a comparison sets side by side figures of the same date."""
    eligible = [v for v in series if period is None or v.period <= period]
    return eligible[-1] if eligible else None


@dataclass
class Card:
    indicator: Indicator
    latest: IndicatorValue | None
    target: Target | None
    series: list[tuple[str, float]] = field(default_factory=list)
    withheld: bool = False  # a figure about a few named establishments, for partners only
    withheld_label: str = disclosure.WITHHELD  # what stands in its place, for this reader
    comparisons: list[Comparison] = field(default_factory=list)
    # Communes the month before counted and this month's figure lacks (decision 0043).
    partial: completeness.MissingCommunes | None = None
    # A région's or a straddling EPCI's figure made from some of its départements only.
    coverage: completeness.Coverage | None = None
    # The properties below are read several times by a page (the card, then the table's row):
    # each is worked out once, after `partial` is set (territory_cards).

    @property
    def outside_scope(self) -> bool:
        """Withheld from a partner whose scope holds part of the territory, not all of it."""
        return self.withheld and self.withheld_label == disclosure.OUTSIDE_SCOPE

    @cached_property
    def figure_label(self) -> str:
        """The figure alone, as the card shows it large (its coverage said beneath it)."""
        if self.withheld:
            return self.withheld_label
        return format_value(self.latest.value if self.latest else None, self.indicator)

    @cached_property
    def value_label(self) -> str:
        """The figure and, when it is some of the territory's départements' only, which."""
        if self.withheld:
            return self.withheld_label
        return completeness.with_coverage(self.figure_label, self.coverage)

    @cached_property
    def target_label(self) -> str:
        """'80 % en décembre 2026', 'sans objet sur ce territoire' or 'aucune cible fixée'."""
        return target_label(self.target, lambda v: format_value(v, self.indicator))

    @cached_property
    def has_target(self) -> bool:
        return bool(
            self.target and not self.target.not_applicable and self.target.target_value is not None
        )

    @cached_property
    def remaining(self) -> Remaining | None:
        # Not from a figure short of communes: its numerator and denominator lack them.
        if self.withheld or self.partial:
            return None
        return remaining(self.indicator, self.target, self.latest)

    @property
    def is_campaign(self) -> bool:
        return "campaigns" in (self.indicator.sources or [])

    @cached_property
    def status_label(self) -> str:
        return services.STATUS_LABELS.get(self.target.status, "") if self.target else ""

    @property
    def no_target_label(self) -> str:
        return NO_TARGET

    @cached_property
    def progress(self) -> int | None:
        """Share of the way from baseline to target, 0–100; none from a partial figure."""
        if self.partial or not (
            self.target and self.latest and self.target.target_value is not None and self.series
        ):
            return None
        baseline = self.target.baseline_value
        if baseline is None:
            start = self.target.baseline_period or self.series[0][0]
            baseline = next((v for p, v in self.series if p >= start), self.series[0][1])
        span = self.target.target_value - baseline
        if not span or self.latest.value is None:
            return None
        return max(0, min(100, round(100 * (self.latest.value - baseline) / span)))

    @cached_property
    def stale(self) -> bool:
        """Older than the indicator's source is renewed: « donnée ancienne » beside it."""
        return not self.withheld and services.is_stale(self.indicator, self.latest)

    @cached_property
    def spark(self) -> str:
        return spark_path(self.series)

    @cached_property
    def spark_label(self) -> str:
        return spark_label(self.series, lambda v: format_value(v, self.indicator))


def territory_cards(territory: Territory, user=None, compare: bool = False) -> list[Card]:
    """Every indicator's card for the territory, with its target and, with `compare`, its
    département's and région's values. The reader changes them only through whether the
    territory lies in their scope (disclosure.withholds; the parents compared with are public
    levels) and, when it does not, the words said in place of a withheld figure: the cards are
    kept under those facts, for every partner alike (page_cache.kept)."""
    said = disclosure.withheld_as(user, territory) or ""
    return page_cache.kept(
        "cards",
        (territory.pk, compare, said),
        lambda: _territory_cards(territory, user, compare, said),
    )


def _territory_cards(territory: Territory, user, compare: bool, said: str) -> list[Card]:
    by_indicator, latest_of = _series_and_latest(territory)
    targets = {t.indicator_id: t for t in Target.objects.filter(territory=territory)}
    parents = comparison_parents(territory) if compare else []
    parent_values = {p.pk: series_by_indicator(p) for p in parents}
    cards = []
    for indicator in Indicator.objects.all():
        series = by_indicator.get(indicator.pk, [])
        latest = latest_of.get(indicator.pk)
        # `said` is empty when the reader reads every figure here (`territory_cards`): asked
        # once, not for each indicator (`disclosure.withholds`, for the territory as a whole).
        if said and disclosure.protects_establishments(indicator):
            # The territory's figure is for partners; its département's and région's are public.
            cards.append(
                Card(
                    indicator,
                    None,
                    targets.get(indicator.pk),
                    withheld=True,
                    withheld_label=said,
                    comparisons=[
                        Comparison(
                            p,
                            None
                            if disclosure.withholds(user, indicator, p)
                            else value_at(
                                parent_values[p.pk].get(indicator.pk, []),
                                latest.period if latest else None,
                            ),
                            indicator,
                            None,
                        )
                        for p in parents
                    ],
                )
            )
            continue
        cards.append(
            Card(
                indicator,
                latest,
                targets.get(indicator.pk),
                [(period, value) for period, value in series if value is not None],
                comparisons=[
                    Comparison(
                        p,
                        value_at(
                            parent_values[p.pk].get(indicator.pk, []),
                            latest.period if latest else None,
                        ),
                        indicator,
                        latest.value if latest else None,
                    )
                    for p in parents
                ],
            )
        )
    # The enclosing territories' figures compared with first: what their check reads holds the
    # territory's communes, whose own check then takes them from it.
    read = partial_comparisons(
        (card.indicator, comparison) for card in cards for comparison in card.comparisons
    )
    # The figures shown that lack communes, in one query for the month they share.
    partial = completeness.missing_communes_of(
        territory,
        ((card.indicator, card.latest) for card in cards if not card.withheld),
        known=read,
    )
    for card in cards:
        card.partial = partial.get(card.indicator.pk)
        for comparison in card.comparisons:
            comparison.own_is_partial = card.partial is not None
    partial_coverages(
        (card.indicator, comparison) for card in cards for comparison in card.comparisons
    )
    if territory.level in completeness.SPANNING_LEVELS:
        found = completeness.partial_coverage(
            (card.indicator, territory, card.latest.period)
            for card in cards
            if card.latest is not None and not card.withheld
        )
        for card in cards:
            if card.latest is not None:
                card.coverage = found.get((card.indicator.pk, territory.pk, card.latest.period))
    return cards


def _series_and_latest(
    territory: Territory,
) -> tuple[dict[int, list[tuple[str, float | None]]], dict[int, IndicatorValue]]:
    """Each indicator's months and values for the territory, and its latest value as a whole
    record with its provenance (what the card shows). The months are read as plain tuples: the
    Mayenne's 660 values read as records, each with its run and import, took its cards 44–50 ms,
    as tuples 24–38 ms (the demo; bench/RESULTS.md, 6 December, fourteenth session)."""
    values = IndicatorValue.objects.filter(territory=territory, is_current=True).months_ended()
    series: dict[int, list[tuple[str, float | None]]] = defaultdict(list)
    for indicator_id, period, value in values.order_by("period").values_list(
        "indicator_id", "period", "value"
    ):
        series[indicator_id].append((period, value))
    latest_period = {indicator_id: months[-1][0] for indicator_id, months in series.items()}
    latest = {
        value.indicator_id: value
        for value in values.filter(period__in=set(latest_period.values())).select_related(
            "run__trigger", "manual_entry"
        )
        if latest_period.get(value.indicator_id) == value.period
    }
    return series, latest


@dataclass
class Section:
    """A group of a dashboard's cards: the roadmap's objective they serve, the campaigns…"""

    title: str
    cards: list[Card]
    url: str = ""
    description: str = ""


def sections(territory: Territory, cards: list[Card], user=None) -> list[Section]:
    """A dashboard's cards in sections: first those with a target here, then by the objective of
    the roadmap they serve, the campaigns' indicators apart, the others last. Each card once."""
    placed: set[str] = set()
    result = []
    with_target = [c for c in cards if c.has_target]
    if with_target:
        result.append(
            Section(
                f"Objectifs chiffrés {territory.of_name}",
                with_target,
                description="Les indicateurs dotés d’une cible sur ce territoire, avec leur statut "
                "calculé et ce qu’il reste à faire.",
            )
        )
        placed |= {c.indicator.code for c in with_target}
    by_code = {c.indicator.code: c for c in cards}
    for grouping in groupings.registered():
        for title, url, codes in grouping(territory, user):
            group = [by_code[c] for c in codes if c in by_code and c not in placed]
            group.sort(key=lambda c: not c.has_target)
            if group:
                result.append(Section(title, group, url))
                placed |= {c.indicator.code for c in group}
    campaigns = [c for c in cards if c.is_campaign and c.indicator.code not in placed]
    if campaigns:
        result.append(
            Section(
                "Campagnes",
                campaigns,
                description="Part des structures suivies par les conseillers à chaque étape de "
                "leur campagne (zéro fax, cybersécurité, télésanté des ESMS).",
            )
        )
        placed |= {c.indicator.code for c in campaigns}
    others = [c for c in cards if c.indicator.code not in placed]
    if others:
        result.append(Section("Autres indicateurs", others))
    return result


def children_of(territory: Territory) -> list[Territory]:
    """The next level down, for drill-down: région → départements → EPCI → communes."""

    if territory.level == Level.REGION:
        return list(territory.children.order_by("code"))
    if territory.level == Level.DEPARTEMENT:
        ids = communes_of(territory).exclude(epci=None).values_list("epci", flat=True).distinct()
        return by_name(Territory.objects.filter(pk__in=ids))
    if territory.level in (Level.EPCI, Level.GROUPING):
        return by_name(communes_of(territory))
    return []


def by_name(territories) -> list[Territory]:
    """In French alphabetical order: Étival-lès-le-Mans under E, not after Z."""
    return sorted(territories, key=lambda t: formats.sort_key(t.name))


@dataclass(frozen=True)
class ComparedSeries:
    """An enclosing territory's values of a figure (`services.series`) and those of its months
    short of communes (`completeness.partial_months`): a line and a column beside the
    territory's own on its indicator page, each partial month marked as the territory's are."""

    territory: Territory
    values: list[IndicatorValue]
    partial: dict[str, completeness.MissingCommunes]


def compared_series(indicator: Indicator, parents: list[Territory]) -> list[ComparedSeries]:
    """`ComparedSeries` of each of `parents` (`comparison_parents`)."""
    found = []
    for parent in parents:
        values = services.series(indicator, parent)
        # Kept for every page compared with it: a région's months are checked by its 1,228
        # communes' values, and each of its départements, EPCI and communes shows its line.
        partial = page_cache.kept(
            "partial-months",
            (indicator.pk, parent.pk),
            lambda parent=parent, values=values: completeness.partial_months(
                indicator, parent, values
            ),
        )
        found.append(ComparedSeries(parent, values, partial))
    return found


class ComparedCell(NamedTuple):
    """An enclosing territory's value in a row of the indicator page's table."""

    value: float | None
    partial: bool = False


def chart(
    indicator: Indicator,
    territory: Territory,
    target: Target | None,
    compared: list[ComparedSeries] | None = None,
    values: list[IndicatorValue] | None = None,
    partial: dict[str, completeness.MissingCommunes] | None = None,
) -> tuple[dict, list[dict]]:
    """The series chart and the rows of the table beside it; `compared` (département, région)
    add a line each, and a column each to the table, over the same months. `values`: the
    territory's `services.series`, when the caller has read it already; `partial`: its months
    short of communes (`completeness.partial_months`), marked on the line and not asked again
    for the target's status."""
    if values is None:
        values = services.series(indicator, territory)
    series = [(v.period, v.value) for v in values if v.value is not None]
    months = {p for p, _ in series}
    lines = [
        Line(
            c.territory.name,
            [
                (v.period, v.value)
                for v in c.values
                if v.value is not None and (not months or min(months) <= v.period <= max(months))
            ],
            frozenset(c.partial),
        )
        for c in compared or []
    ]
    drawing = SeriesChart(
        observed=series, comparisons=lines, partial=set(partial or ()), ceiling=ceiling(indicator)
    )
    rows = {
        p: {
            "period": p,
            "value": v,
            "reference": None,
            "forecast": None,
            "low": None,
            "high": None,
        }
        for p, v in series
    }
    by_month = [dict(line.points) for line in lines]
    for p in rows:
        rows[p]["parents"] = [
            ComparedCell(points.get(p), p in line.partial)
            for line, points in zip(lines, by_month, strict=True)
        ]
    if target and target.target_value is not None and target.deadline and series:
        assessment = services.assess(target, values=values, partial_months=partial)
        drawing.target = (target.deadline, target.target_value)
        baseline = (
            (target.baseline_period, target.baseline_value)
            if target.baseline_value is not None
            else None
        )
        baseline = baseline or next(
            ((p, v) for p, v in series if p >= (target.baseline_period or "")), series[0]
        )
        if baseline[0] < target.deadline:
            milestones = [(m["period"], float(m["value"])) for m in target.milestones or []]
            trajectory = engine_forecast.reference_trajectory(
                baseline, (target.deadline, target.target_value), milestones
            )
            months = month_range(baseline[0], target.deadline)
            drawing.trajectory = [(p, trajectory.at(p)) for p in months]
            for p in months:
                rows.setdefault(
                    p,
                    {
                        "period": p,
                        "value": None,
                        "forecast": None,
                        "low": None,
                        "high": None,
                        "parents": [ComparedCell(None) for _ in lines],
                    },
                )
                rows[p]["reference"] = trajectory.at(p)
        fit = assessment.fit if assessment else None
        if fit is not None and series[-1][0] < target.deadline:
            months = month_range(series[-1][0], target.deadline)
            drawing.forecast = [(p, fit.predict(p), *fit.band(p)) for p in months]
            for p, value, low, high in drawing.forecast[1:]:
                rows.setdefault(
                    p,
                    {
                        "period": p,
                        "value": None,
                        "reference": None,
                        "parents": [ComparedCell(None) for _ in lines],
                    },
                )
                rows[p].update({"forecast": value, "low": low, "high": high})
    return drawing.render(), [rows[p] for p in sorted(rows)]


def peers(indicator: Indicator, territory: Territory, period: str | None) -> dict | None:
    """Min / median / max among territories of the same level in the same parent, and the ranking."""
    if territory.level == Level.DEPARTEMENT and territory.parent_id:
        group = list(territory.parent.children.all())
    elif territory.level == Level.REGION:
        group = list(Territory.objects.filter(level=Level.REGION))
    else:
        return None
    latest = {}
    for value in (
        IndicatorValue.objects.filter(
            indicator=indicator,
            territory__in=group,
            is_current=True,
            **({"period__lte": period} if period else {}),
        )
        .months_ended()
        .order_by("period")
    ):
        latest[value.territory_id] = value
    ranked = sorted(
        (v for v in latest.values() if v.value is not None),
        key=lambda v: v.value,
        reverse=indicator.polarity == "up",
    )
    if not ranked:
        return None
    names = {t.pk: t for t in group}
    numbers = [v.value for v in ranked]
    # A région's figure made from some of its départements ranks among whole ones: said.
    coverage = completeness.partial_coverage(
        (indicator, names[v.territory_id], v.period) for v in ranked
    )
    covered = {pk: c for (_i, pk, _p), c in coverage.items()}
    return {
        "ranking": [
            {
                "territory": names[v.territory_id],
                "value": v.value,
                "label": completeness.with_coverage(
                    format_value(v.value, indicator), covered.get(v.territory_id)
                ),
                "period": v.period,
                "rank": i + 1,
                "is_self": v.territory_id == territory.pk,
            }
            for i, v in enumerate(ranked)
        ],
        "min": format_value(min(numbers), indicator),
        "median": format_value(statistics.median(numbers), indicator),
        "max": format_value(max(numbers), indicator),
        "count": len(numbers),
        # The page's own territory says it above its figure already.
        "partial": [
            (names[pk], c.sentence[0].lower() + c.sentence[1:])
            for pk, c in covered.items()
            if pk != territory.pk
        ],
    }


def map_rows(
    indicator: Indicator,
    territory: Territory,
    period: str | None,
    withheld_as: Callable[[Territory], str | None] = lambda child: None,
) -> tuple[list[dict], list]:
    """The values of the next level down, with choropleth classes; a child whose figure is
    withheld from the reader (`withheld_as` says what stands in its place, see `disclosure`)
    is listed without it."""
    children = children_of(territory)
    said = {child.pk: withheld_as(child) for child in children}
    values = {}
    query = IndicatorValue.objects.filter(
        indicator=indicator, territory__in=children, is_current=True
    ).months_ended()
    if period:
        query = query.filter(period__lte=period)
    for value in query.order_by("period"):
        values[value.territory_id] = value
    ordered = [(child, None if said[child.pk] else values.get(child.pk)) for child in children]
    buckets, bounds = classes([v.value if v else None for _, v in ordered])
    # An EPCI straddling the département's edge: its figure is its communes of some
    # départements only (the CU d'Alençon's, its Sarthe communes'), said beside it.
    coverage = completeness.partial_coverage(
        (indicator, child, v.period) for child, v in ordered if v is not None
    )
    covered = {pk: c for (_i, pk, _p), c in coverage.items()}
    rows = [
        {
            "territory": child,
            "value": v.value if v else None,
            "label": said[child.pk]
            or completeness.with_coverage(
                format_value(v.value if v else None, indicator), covered.get(child.pk)
            ),
            "coverage": covered.get(child.pk),
            "numerator": v.numerator if v else None,
            "denominator": v.denominator if v else None,
            "period": v.period if v else None,
            "bucket": bucket,
            "withheld": said[child.pk] is not None,
        }
        for (child, v), bucket in zip(ordered, buckets, strict=True)
    ]
    legend = [
        (format_value(low, indicator), format_value(high, indicator))
        for low, high in bounds.values()
    ]
    return rows, legend


def commune_map(indicator: Indicator, territory: Territory, period: str | None) -> dict | None:
    """A choropleth of the communes of a département, EPCI or grouping, in quantile classes."""
    if territory.level not in (Level.DEPARTEMENT, Level.EPCI, Level.GROUPING):
        return None
    communes = list(communes_of(territory).only("pk", "code", "name", "geometry"))
    latest: dict[int, IndicatorValue] = {}
    query = IndicatorValue.objects.filter(
        indicator=indicator, territory__in=communes, is_current=True
    ).months_ended()
    if period:
        query = query.filter(period=period)
    for value in query.only("territory_id", "value", "period"):
        latest[value.territory_id] = value
    if not latest:
        return None
    values = [latest[c.pk].value if c.pk in latest else None for c in communes]
    buckets, bounds = classes(values)
    shapes = [
        MapShape(
            c.code,
            c.name,
            c.geometry,
            css_class=f"cap-q{b}" if b is not None else "",
            title=f"{c.name} : {format_value(v, indicator)}",
        )
        for c, v, b in zip(communes, values, buckets, strict=True)
    ]

    legend = [
        (SCALE[i], format_value(low, indicator), format_value(high, indicator))
        for i, (low, high) in bounds.items()
    ]
    return {
        "map": svg_map(shapes, width=520),
        "legend": legend,
        "count": len(latest),
        "total": len(communes),
    }


def establishments_behind(
    indicator: Indicator, territory: Territory, period: str | None
) -> list[dict] | None:
    """For an indicator counted structure by structure: each structure's numerator and denominator
    in the territory for the period, those still outside the numerator first."""

    definition = services.definitions().get(indicator.code)
    if (
        definition is None
        or definition.grain != "structure"
        or definition.denominator_sql is None
        or not period
        or not re.fullmatch(r"\d{4}-\d{2}", period)
    ):
        return None
    establishments = {
        s.finess_et: s
        for s in Establishment.objects.filter(
            commune__in=communes_of(territory).values("pk")
        ).select_related("commune")
    }
    if not establishments:
        return None
    # DuckDB and the engine's SQL (sqlglot) serve this table alone: imported with the dashboards,
    # every report and page that reads a figure would load them first (decision 0028).
    from capsante.engine.duckdb_backend import kept_query  # lazy: see above
    from capsante.engine.query import table_ref  # lazy: the same

    numerator = definition.render("numerator", table_ref, snapshot_period=period)
    denominator = definition.render("denominator", table_ref, snapshot_period=period)
    # The period is matched by the regex above and the SQL comes from the versioned catalogue.
    # The territory's establishments only: read for all of France, a national staging made the
    # INS page of the Mayenne wait for every establishment's identities.
    where = f"d.period = '{period}' AND list_contains($establishments, d.finess_et)"
    sql = " ".join(
        [
            f"SELECT d.finess_et, SUM(COALESCE(n.value, 0)) AS num, SUM(d.value) AS den FROM ({denominator}) AS d",  # noqa: S608
            f"LEFT JOIN ({numerator}) AS n ON n.finess_et = d.finess_et AND n.period = d.period",
            f"WHERE {where} GROUP BY d.finess_et",
        ]
    )
    # Only the tables the definition reads, on a connection the process keeps: opening one
    # with all 21 staged tables' views cost more than the query (76 ms of 120 ms on the demo).
    table = kept_query(
        settings.STAGING_DIR,
        definition.tables,
        sql,
        params={"establishments": list(establishments)},
        max_rows=200_000,
    )
    rows = []
    for row in table.to_pylist():
        establishment = establishments.get(row["finess_et"])
        if establishment is None or not row["den"]:
            continue
        rows.append(
            {
                "establishment": establishment,
                "numerator": float(row["num"]),
                "denominator": float(row["den"]),
                "value": format_value(indicator.factor_value(row["num"], row["den"]), indicator),
            }
        )
    rows.sort(
        key=lambda r: (r["numerator"] / r["denominator"], r["establishment"].name),
        reverse=indicator.polarity == "down",
    )
    return rows
