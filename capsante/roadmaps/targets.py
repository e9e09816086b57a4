"""The targets a roadmap follows, and the roadmap at a glance.

A target belongs to an indicator and a territory (indicators.Target); the roadmap says which
objective it serves: an editor links it on the target's page (`Objective.targets`), and a key
figure of the document that names an indicator links it too. The roadmap's overall view counts
its actions by status, those late and due soon, and its targets by status."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from capsante.accounts import access
from capsante.indicators import dashboards
from capsante.indicators import services as indicator_services
from capsante.indicators.models import Indicator, IndicatorValue, Target
from capsante.indicators.targets import Remaining, remaining, target_label
from capsante.indicators.templatetags.indicator_tags import figure_scope
from capsante.territories.models import Territory
from capsante.territories.services import ancestors
from capsante.ui import formats

from .models import Action, ActionStatus, FigureKind, KeyFigure, Objective, Roadmap
from .services import visible_roadmaps

DUE_SOON_DAYS = 30
CLOSED = (ActionStatus.DONE, ActionStatus.ABANDONED)
# Statuses in the order a committee reads them: what needs attention first.
TARGET_STATUS_ORDER = [
    "hors_trajectoire",
    "a_surveiller",
    "donnees_anciennes",
    "donnees_insuffisantes",
    "en_bonne_voie",
    "atteint",
]


@dataclass
class TargetRow:
    """One target as the roadmap pages show it."""

    target: Target
    latest: IndicatorValue | None
    objectives: list[Objective] = field(default_factory=list)
    # A target the roadmap's document states (a key figure) and no one has recorded yet on the
    # indicator: shown from the document, without status, for an editor to record.
    from_document: bool = False

    @property
    def indicator(self) -> Indicator:
        return self.target.indicator

    @property
    def territory(self) -> Territory:
        return self.target.territory

    @property
    def value_label(self) -> str:
        return dashboards.format_value(self.latest.value if self.latest else None, self.indicator)

    @property
    def target_label(self) -> str:
        return target_label(self.target, lambda v: dashboards.format_value(v, self.indicator))

    @property
    def status(self) -> str:
        return self.target.status

    @property
    def status_label(self) -> str:
        return indicator_services.STATUS_LABELS.get(self.target.status, "")

    @property
    def remaining(self) -> Remaining | None:
        return remaining(self.indicator, self.target, self.latest)


# --- Which targets a roadmap follows -------------------------------------------------------------


def _figure_targets(roadmap: Roadmap) -> dict[int, list[tuple[int, int]]]:
    """(indicator, territory) pairs behind each objective's key figures, by objective."""
    found: dict[int, list[tuple[int, int]]] = {}
    codes = {i.code: i.pk for i in Indicator.objects.only("pk", "code")}
    figures = KeyFigure.objects.filter(objective__roadmap=roadmap).exclude(indicator="")
    for figure in figures:
        territory = figure_scope(figure.scope, roadmap)
        if territory is None or figure.indicator not in codes:
            continue
        pair = (codes[figure.indicator], territory.pk)
        if pair not in found.setdefault(figure.objective_id, []):
            found[figure.objective_id].append(pair)
    return found


def roadmap_targets(roadmap: Roadmap) -> list[TargetRow]:
    """Every target the roadmap follows: those linked to an objective, those behind its key
    figures, those set on its territory; with the objectives each serves. Targets set "not
    applicable" are kept: the pages say so rather than show nothing."""
    objectives = list(roadmap.objectives.prefetch_related("targets"))
    by_objective = {o.pk: o for o in objectives}
    figures = _figure_targets(roadmap)
    pairs = {pair for found in figures.values() for pair in found}
    query = Q(territory=roadmap.territory) | Q(objectives__roadmap=roadmap)
    for indicator_id, territory_id in pairs:
        query |= Q(indicator_id=indicator_id, territory_id=territory_id)
    targets = {
        t.pk: t
        for t in Target.objects.filter(query).select_related("indicator", "territory").distinct()
    }
    serves: dict[int, list[Objective]] = {pk: [] for pk in targets}
    for objective in objectives:
        linked = {t.pk for t in objective.targets.all()}
        for target in targets.values():
            pair = (target.indicator_id, target.territory_id)
            if target.pk in linked or pair in figures.get(objective.pk, []):
                serves[target.pk].append(by_objective[objective.pk])
    stated = _document_targets(
        roadmap, {(t.indicator_id, t.territory_id) for t in targets.values()}
    )
    latest = _latest_values([*targets.values(), *(t for t, _ in stated)])
    rows = [
        TargetRow(t, latest.get((t.indicator_id, t.territory_id)), serves[t.pk])
        for t in targets.values()
    ] + [
        TargetRow(t, latest.get((t.indicator_id, t.territory_id)), [by_objective[o]], True)
        for t, o in stated
    ]
    order = {o.pk: i for i, o in enumerate(objectives)}
    rows.sort(
        key=lambda r: (
            min((order[o.pk] for o in r.objectives), default=len(order)),
            r.indicator.order,
            r.territory.level,
        )
    )
    return rows


def _document_targets(roadmap: Roadmap, recorded: set[tuple[int, int]]) -> list[tuple[Target, int]]:
    """The document's stated targets (key figures of kind "target" naming an indicator) that no
    Target records yet, as unsaved targets, with their objective."""
    found = []
    indicators = {i.code: i for i in Indicator.objects.all()}
    figures = KeyFigure.objects.filter(objective__roadmap=roadmap, kind=FigureKind.TARGET)
    for figure in figures.exclude(indicator=""):
        indicator = indicators.get(figure.indicator)
        territory = figure_scope(figure.scope, roadmap)
        value = formats.parse_number(figure.value)
        if indicator is None or territory is None or value is None:
            continue
        if (indicator.pk, territory.pk) in recorded:
            continue
        recorded.add((indicator.pk, territory.pk))
        stated = Target(
            indicator=indicator,
            territory=territory,
            target_value=value,
            deadline=figure.as_of.strftime("%Y-%m") if figure.as_of else "",
            source=figure.source[:300],
        )
        found.append((stated, figure.objective_id))
    return found


def _latest_values(targets) -> dict[tuple[int, int], IndicatorValue]:
    """The latest current value of each target's figure, in one query."""
    pairs = Q(pk__in=[])
    for t in targets:
        pairs |= Q(indicator_id=t.indicator_id, territory_id=t.territory_id)
    latest: dict[tuple[int, int], IndicatorValue] = {}
    values = (
        IndicatorValue.objects.filter(pairs, is_current=True).months_ended().exclude(value=None)
    )
    for value in values.select_related("run__trigger", "manual_entry").order_by("period"):
        latest[(value.indicator_id, value.territory_id)] = value
    return latest


def objective_targets(rows: list[TargetRow], objective: Objective) -> list[TargetRow]:
    return [r for r in rows if any(o.pk == objective.pk for o in r.objectives)]


# --- The roadmap at a glance -----------------------------------------------------------------------


def late_actions(actions: QuerySet[Action], today: dt.date | None = None) -> QuerySet[Action]:
    """Actions said late, or past their due date and neither done nor abandoned."""
    today = today or timezone.localdate()
    return actions.filter(
        Q(status=ActionStatus.LATE) | Q(due_date__lt=today) & ~Q(status__in=CLOSED)
    )


def due_soon(actions: QuerySet[Action], today: dt.date | None = None) -> QuerySet[Action]:
    """Open actions due within the next 30 days."""
    today = today or timezone.localdate()
    return actions.filter(
        due_date__gte=today, due_date__lte=today + dt.timedelta(days=DUE_SOON_DAYS)
    ).exclude(status__in=[*CLOSED, ActionStatus.LATE])


@dataclass
class Glance:
    actions_total: int
    actions_by_status: list[tuple[str, str, int]]  # (status, label, count)
    late: list[Action]
    due_soon: list[Action]
    targets_total: int
    targets_by_status: list[tuple[str, str, int]]
    targets_without_status: int


def glance(roadmap: Roadmap, rows: list[TargetRow], today: dt.date | None = None) -> Glance:
    actions = Action.objects.filter(objective__roadmap=roadmap)
    counts = Counter(actions.values_list("status", flat=True))
    statuses = Counter(r.status for r in rows if r.status)
    return Glance(
        actions_total=sum(counts.values()),
        actions_by_status=[(s.value, s.label, counts[s.value]) for s in ActionStatus],
        late=list(
            late_actions(actions, today).select_related("objective").order_by("due_date", "pk")
        ),
        due_soon=list(
            due_soon(actions, today).select_related("objective").order_by("due_date", "pk")
        ),
        targets_total=len(rows),
        targets_by_status=[
            (s, indicator_services.STATUS_LABELS[s], statuses[s])
            for s in TARGET_STATUS_ORDER
            if statuses[s]
        ],
        targets_without_status=sum(1 for r in rows if not r.status),
    )


# --- Setting a target --------------------------------------------------------------------------


def roadmaps_covering(user, territory: Territory) -> QuerySet[Roadmap]:
    """The roadmaps the user edits whose territory is this one or holds it."""
    around = [territory.pk, *(a.pk for a in ancestors(territory))]
    return visible_roadmaps(user).filter(territory__in=around).select_related("territory")


def objectives_for_target(user, territory: Territory) -> QuerySet[Objective]:
    roadmaps = [r for r in roadmaps_covering(user, territory) if access.can_edit(user, r.territory)]
    return (
        Objective.objects.filter(roadmap__in=roadmaps)
        .select_related("roadmap")
        .order_by("roadmap__period_start", "roadmap_id", "order", "pk")
    )


@transaction.atomic
def save_target(
    user, indicator: Indicator, territory: Territory, objective: Objective | None, **values
) -> Target:
    """Set the target (indicators.set_target checks who and what, and computes the status), then
    record the objective it serves among the roadmaps this user edits."""
    target, _ = indicator_services.set_target(user, indicator, territory, **values)
    editable = objectives_for_target(user, territory)
    for served in editable.filter(targets=target):
        if objective is None or served.pk != objective.pk:
            served.targets.remove(target)
    if objective is not None:
        access.require(
            editable.filter(pk=objective.pk).exists(),
            "Vous ne pouvez pas rattacher de cible à cet objectif.",
        )
        objective.targets.add(target)
    return target


# --- Dashboards grouped by objective ----------------------------------------------------------


def roadmap_of(user, territory: Territory) -> Roadmap | None:
    """The roadmap that steers a territory: its own, else its nearest enclosing territory's
    (the Sarthe's for Le Mans or the Val de Sarthe), the most recent period first."""
    chain = [territory, *ancestors(territory)]
    found = {
        r.territory_id: r for r in visible_roadmaps(user, among=chain).order_by("period_start")
    }
    return next((found[t.pk] for t in chain if t.pk in found), None)


def objective_groups(territory: Territory, user) -> list[tuple[str, str, list[str]]]:
    """The indicators of a dashboard by the objective of the roadmap they serve (key figures
    naming them, targets linked to the objective): indicators.dashboards.sections calls it."""
    roadmap = roadmap_of(user, territory)
    if roadmap is None:
        return []
    groups = []
    for number, objective in enumerate(
        roadmap.objectives.prefetch_related("key_figures", "targets__indicator"), start=1
    ):
        codes = [f.indicator for f in objective.key_figures.all() if f.indicator]
        codes += [t.indicator.code for t in objective.targets.all()]
        if codes:
            groups.append(
                (
                    f"Objectif {number} : {objective.title}",
                    reverse("roadmaps:objective", args=[roadmap.pk, number]),
                    list(dict.fromkeys(codes)),
                )
            )
    return groups
