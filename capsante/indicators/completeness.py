"""Whether a territory's latest figure counts every commune the month before counted.

A territory's figure is the sum of its communes' figures. When a month's file no longer holds a
commune (a corrected file sent without it, a source that did not report it), the import lists
the removal and the engine sums the communes that are left: the Mayenne's figure for the month
is then the Mayenne without Laval, under the same heading as before. A reader comparing it with
the month before, or handing it to a committee, has to be told. This compares the communes that
carry a value in the figure's month with those of the month before, from the stored values.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Max, Q, Sum, Value
from django.db.models.functions import Abs, Coalesce

from capsante.engine.periods import shift
from capsante.territories.models import Level, Territory
from capsante.territories.services import communes_of, enclosing
from capsante.ui import formats

from .models import Indicator, IndicatorValue
from .sources import SOURCES

# Below this part of the month before (its denominator, or its numerator when the indicator has
# none), a missing commune does not move the territory's figure enough to be worth a warning: a
# small commune whose count a source masks or that has nothing to count one month.
SHARE_WORTH_SAYING = 1.0  # percent
NAMES_SHOWN = 5
SIGNATURE_CHUNK = 1000  # communes per query in `partial_months`
# Where « reste à faire » would be worked out from a figure short of communes.
NOT_FROM_PARTIAL = "non calculé sur un chiffre partiel"

# Where the statuses' rule is printed (the catalogue, the roadmap document, the committee report):
# what `services.assess` does with a month short of communes (decision 0044).
STATUS_RULE_NOTE = (
    "Pour les indicateurs comptés commune par commune (tables de l’Assurance Maladie), un dernier"
    " mois auquel manquent des communes comptées le mois précédent (au moins"
    f" {SHARE_WORTH_SAYING:.0f}\u00a0% de son total) n’entre pas dans le calcul du statut : le"
    " statut est celui des mois complets, et son motif le dit."
)


@dataclass(frozen=True)
class MissingCommunes:
    """Communes of `territory` counted in `previous` and absent from `period`."""

    territory: Territory
    period: str
    previous: str
    names: list[str]
    share: float  # their part of the territory's total in `previous`, in percent

    def sentence(self, named: bool = True) -> str:
        """In French, for the page and the `show` command: « Laval manque dans les données
        d’octobre 2026, alors qu’elle était comptée en septembre 2026 (16,1 % du total de la
        Mayenne ce mois-là) : ce chiffre porte sur les autres communes. » Unnamed (« 1 commune
        manque… ») for a reader who may not see the communes of an indicator counted
        establishment by establishment (`disclosure`)."""
        one = len(self.names) == 1
        if not named:
            who = formats.plural(len(self.names), "commune")
        elif one:
            who = self.names[0]
        else:
            shown = ", ".join(self.names[:NAMES_SHOWN])
            if len(self.names) > NAMES_SHOWN:
                shown += f" et {formats.plural(len(self.names) - NAMES_SHOWN, 'autre')}"
            who = f"{formats.plural(len(self.names), 'commune')} ({shown})"
        missing, counted = (
            ("manque", "alors qu’elle était comptée")
            if one
            else ("manquent", "alors qu’elles étaient comptées")
        )
        return (
            f"{who} {missing} dans les données {formats.of_name(formats.month(self.period))},"
            f" {counted} en {formats.month(self.previous)}"
            f" ({formats.percent(self.share)} du total {self.territory.of_name} ce mois-là) :"
            " ce chiffre porte sur les autres communes."
        )

    def short(self) -> str:
        """Under a dashboard's figure, unnamed (the cards are kept for every reader alike; the
        indicator's page names them): « il manque 1 commune comptée en février 2025 (71,3 % du
        total) »."""
        return f"il manque {self._counted_before()} ({formats.percent(self.share)} du total)"

    def set_aside(self) -> str:
        """Why a target's status leaves this month out, in its reason: « mars 2025 laissé de
        côté : il y manque 1 commune comptée en février 2025 ». Unnamed: the reason is stored
        once and shown to every reader, the public dashboard's included."""
        return f"{formats.month(self.period)} laissé de côté : il y manque {self._counted_before()}"

    def _counted_before(self) -> str:
        """« 1 commune comptée en février 2025 », « 2 communes comptées en février 2025 »."""
        counted = "comptée" if len(self.names) == 1 else "comptées"
        return (
            f"{formats.plural(len(self.names), 'commune')} {counted} en"
            f" {formats.month(self.previous)}"
        )


def counts_every_commune(indicator: Indicator) -> bool:
    """Whether each month of the indicator should hold every commune: counted by commune, from
    sources whose every month does (the Assurance Maladie's tables). Not an events count (a
    commune with no workshop this month), nor one counted establishment by establishment (an
    establishment with no identity created this month)."""
    sources = [SOURCES.get(code) for code in indicator.sources]
    return (
        indicator.grain == "commune"
        and bool(sources)
        and all(source is not None and source.every_commune_each_month for source in sources)
    )


def missing_communes(
    indicator: Indicator, territory: Territory, value: IndicatorValue | None
) -> MissingCommunes | None:
    """The communes that counted in the month before `value` and not in its month, when they
    weighed at least `SHARE_WORTH_SAYING` of that month; None otherwise: for a commune, a
    hand-entered figure, a figure with no month before it, or an indicator whose months need not
    hold every commune (`counts_every_commune`)."""
    return missing_communes_of(territory, [(indicator, value)]).get(indicator.pk)


def missing_communes_of(
    territory: Territory, figures: Iterable[tuple[Indicator, IndicatorValue | None]]
) -> dict[int, MissingCommunes]:
    """`missing_communes` for several of the territory's figures at once, by indicator id: one
    grouped query for the figures of a same month (a dashboard's are of one or two months), and
    two more only when communes are missing."""
    if territory.level == Level.COMMUNE:
        return {}
    by_period: dict[str, list[int]] = defaultdict(list)
    for indicator, value in figures:
        if value is not None and not value.manual_entry_id and counts_every_commune(indicator):
            by_period[value.period].append(indicator.pk)
    found: dict[int, MissingCommunes] = {}
    if not by_period:
        return found
    # Listed first: as a subquery, PostgreSQL planned a parallel scan of every territory for
    # it, and the check took 25.6 ms for the Mayenne against 18.0 ms (région: 77 → 60 ms).
    communes = list(communes_of(territory).values_list("pk", flat=True))
    for period, ids in by_period.items():
        found.update(_missing_in_month(territory, communes, period, ids))
    return found


def partial_months(
    indicator: Indicator, territory: Territory, values: Iterable[IndicatorValue]
) -> dict[str, MissingCommunes]:
    """`missing_communes` for every month of a territory's series (`values`), by month: what the
    indicator's page marks in its table of monthly values, so that an October sent without Laval
    and never sent again reads as such once November has come.

    One grouped query tells, month by month, how many communes carry a value and the sum of
    their ids; only a month whose pair differs from the month before's is compared commune by
    commune (`_missing_in_month`), and most series have none."""
    if territory.level == Level.COMMUNE or not counts_every_commune(indicator):
        return {}
    months = sorted({v.period for v in values if not v.manual_entry_id})
    if not months:
        return {}
    communes = list(communes_of(territory).values_list("pk", flat=True))
    signature: dict[str, tuple[int, int]] = defaultdict(lambda: (0, 0))
    # By a thousand communes: for the 4,025 of Auvergne-Rhône-Alpes in one query, PostgreSQL
    # planned a parallel scan of the indicator's values (national values, 450 ms); a thousand at
    # a time it reads them by the unique key's index, as it does for the 1,228 of the Pays de la
    # Loire (23 ms; bench/RESULTS.md, 6 December, thirteenth session).
    for start in range(0, len(communes), SIGNATURE_CHUNK):
        for period, count, ids in (
            IndicatorValue.objects.filter(
                indicator=indicator,
                is_current=True,
                territory_id__in=communes[start : start + SIGNATURE_CHUNK],
            )
            .values("period")
            .annotate(count=Count("pk"), ids=Sum("territory_id"))
            .values_list("period", "count", "ids")
        ):
            before = signature[period]
            signature[period] = (before[0] + count, before[1] + ids)
    found = {}
    for period in months:
        previous = signature.get(shift(period, -1))
        if previous is None or signature.get(period) == previous:
            continue
        missing = _missing_in_month(territory, communes, period, [indicator.pk])
        if indicator.pk in missing:
            found[period] = missing[indicator.pk]
    return found


def partial_figures() -> dict[tuple[int, int, str], MissingCommunes]:
    """`missing_communes` for every territory's figures at once, by (indicator id, territory id,
    month): what the open data's values say of a figure short of communes, where asking each
    of France's 10,000 territories in turn would take minutes.

    One grouped query gives, for each commune-counted indicator and month, how many communes of
    France carry a value and the sum of their ids. A month whose pair is the month before's lost
    no commune anywhere (most months). In another, the communes counted the month before and
    not in it are listed, and each territory they belong to (EPCI, département, région,
    groupings) is compared commune by commune, as its own page does."""
    indicators = [i.pk for i in Indicator.objects.all() if counts_every_commune(i)]
    if not indicators:
        return {}
    communes = IndicatorValue.objects.filter(
        indicator_id__in=indicators,
        is_current=True,
        manual_entry=None,
        territory__level=Level.COMMUNE,
    )
    signature = {
        (indicator_id, period): (count, ids)
        for indicator_id, period, count, ids in communes.values("indicator_id", "period")
        .annotate(count=Count("pk"), ids=Sum("territory_id"))
        .values_list("indicator_id", "period", "count", "ids")
    }
    found: dict[tuple[int, int, str], MissingCommunes] = {}
    for (indicator_id, period), pair in sorted(signature.items()):
        previous = shift(period, -1)
        if signature.get((indicator_id, previous), pair) == pair:
            continue
        counted = communes.filter(indicator_id=indicator_id)
        gone = set(counted.filter(period=previous).values_list("territory_id", flat=True)) - set(
            counted.filter(period=period).values_list("territory_id", flat=True)
        )
        for territory in enclosing(gone):
            members = list(communes_of(territory).values_list("pk", flat=True))
            missing = _missing_in_month(territory, members, period, [indicator_id])
            if indicator_id in missing:
                found[(indicator_id, territory.pk, period)] = missing[indicator_id]
    return found


def _missing_in_month(
    territory: Territory, communes: list[int], period: str, indicator_ids: list[int]
) -> dict[int, MissingCommunes]:
    previous = shift(period, -1)
    in_force = IndicatorValue.objects.filter(
        indicator_id__in=indicator_ids, is_current=True, territory_id__in=communes
    )
    # A commune's part of its month: its denominator, or its numerator, or its value.
    weight = Abs(Coalesce("denominator", "numerator", "value", Value(0.0)))
    # Compared in the database, one row per commune missing: most months miss none, and then
    # nothing comes back. National values in PostgreSQL, the five commune-counted indicators:
    # 18.0 ms for the Mayenne, 60 ms for the Pays de la Loire's 1,228 communes (one indicator:
    # 3.2 and 12.3 ms; an anti-join 96 ms for the Mayenne, PostgreSQL reading the month for all
    # of France; bench/RESULTS.md, 5 December, tenth session, and 6 December).
    gone_rows = (
        in_force.filter(period__in=[previous, period])
        .values("indicator_id", "territory_id")
        .annotate(
            in_month=Count("pk", filter=Q(period=period)),
            weight=Max(weight, filter=Q(period=previous)),
        )
        .filter(in_month=0)
        .values_list("indicator_id", "territory_id", "weight")
    )
    gone: dict[int, dict[int, float]] = defaultdict(dict)
    for indicator_id, territory_id, weighed in gone_rows:
        gone[indicator_id][territory_id] = weighed or 0.0
    if not gone:
        return {}
    totals = dict(
        in_force.filter(period=previous, indicator_id__in=list(gone))
        .values("indicator_id")
        .annotate(total=Sum(weight))
        .values_list("indicator_id", "total")
    )
    names = dict(
        Territory.objects.filter(
            pk__in={pk for communes in gone.values() for pk in communes}
        ).values_list("pk", "name")
    )
    found = {}
    for indicator_id, communes in gone.items():
        total = totals.get(indicator_id) or 0.0
        share = 100 * sum(communes.values()) / total if total > 0 else 0.0
        if share >= SHARE_WORTH_SAYING:
            missing = sorted((names[pk] for pk in communes), key=formats.sort_key)
            found[indicator_id] = MissingCommunes(territory, period, previous, missing, share)
    return found
