"""Whether a territory's latest figure counts every commune the month before counted.

A territory's figure is the sum of its communes' figures. When a month's file no longer holds a
commune (a corrected file sent without it, a source that did not report it), the import lists
the removal and the engine sums the communes that are left: the Mayenne's figure for the month
is then the Mayenne without Laval, under the same heading as before. A reader comparing it with
the month before, or handing it to a committee, has to be told. This compares the communes that
carry a value in the figure's month with those of the months before (`MONTHS_LOOKED_BACK`: a
commune absent two months running lacks from both), from the stored values.

A figure summed over a rolling window (the documents of the last 12 months) is short of a
commune when any month of its window lacks it, and the stored values cannot tell (the commune
keeps a value from its other months): for those, the staged table tells which communes each
month lost (`capsante.engine.gaps`, decision 0046).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, Sum, Value
from django.db.models.functions import Abs, Coalesce

from capsante.engine.files import definition_file
from capsante.engine.gaps import Gaps, commune_gaps, kept_gaps, weight_side
from capsante.engine.periods import MONTHS_LOOKED_BACK, shift
from capsante.territories.models import Level, Territory
from capsante.territories.services import communes_of, enclosing
from capsante.ui import formats

from .models import Indicator, IndicatorValue
from .sources import SOURCES

if TYPE_CHECKING:
    from capsante.engine.definitions import Definition

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
    " mois auquel manquent des communes comptées l’un des trois mois précédents (au moins"
    f" {SHARE_WORTH_SAYING:.0f}\u00a0% de son total) n’entre pas dans le calcul du statut, ni les"
    " mois juste avant lui qui en manquent aussi : le statut est celui des mois complets, et son"
    " motif le dit. Pour un chiffre qui additionne"
    " plusieurs mois (12 mois glissants), tous les derniers chiffres dont l’un des mois manque"
    " ainsi de communes sont laissés de côté."
)


@dataclass(frozen=True)
class MissingCommunes:
    """Communes of `territory` counted in `previous` and absent from `period`: `previous` is the
    month before, or for communes absent several months running the last month that counted
    them (`MONTHS_LOOKED_BACK`)."""

    territory: Territory
    period: str
    previous: str
    names: list[str]
    share: float  # their part of the territory's total in `previous`, in percent
    # A rolling window's figure: how many months it sums, and those of them short of the
    # communes (`previous` is then the month before the first of them). `share` is then an
    # estimate of their part of the window's total, from what they counted the month before.
    window: int = 0
    months: tuple[str, ...] = ()

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
        if self.window:
            return self._window_sentence(who, missing, counted)
        return (
            f"{who} {missing} dans les données {formats.of_name(formats.month(self.period))},"
            f" {counted} en {formats.month(self.previous)}"
            f" ({formats.percent(self.share)} du total {self.territory.of_name} ce mois-là) :"
            " ce chiffre porte sur les autres communes."
        )

    def _window_sentence(self, who: str, missing: str, counted: str) -> str:
        """« Laval manque dans les données de mars 2025, l’un des 12 mois que ce chiffre
        additionne, alors qu’elle était comptée en février 2025 : il manque ainsi à ce chiffre
        environ 2,4 % du total de la Mayenne. »"""
        months = [formats.of_name(formats.month(m)) for m in self.months]
        listed = months[0] if len(months) == 1 else ", ".join(months[:-1]) + " et " + months[-1]
        before = f"en {formats.month(self.previous)}" if len(months) == 1 else "le mois précédent"
        return (
            f"{who} {missing} dans les données {listed}, {self._among_months()} que ce chiffre"
            f" additionne, {counted} {before} : il manque ainsi à ce chiffre environ"
            f" {formats.percent(self.share)} du total {self.territory.of_name}."
        )

    @property
    def short_months(self) -> list[str]:
        """The months that lack the communes: the window's, or the figure's own month."""
        return list(self.months or (self.period,))

    def _among_months(self) -> str:
        """« l’un des 12 mois », « 2 des 12 mois »."""
        count = len(self.months)
        return f"{'l’un' if count == 1 else formats.number(count)} des {self.window} mois"

    def short(self) -> str:
        """Under a dashboard's figure, unnamed (the cards are kept for every reader alike; the
        indicator's page names them): « il manque 1 commune comptée en février 2025 (71,3 % du
        total) »."""
        if self.window:
            return (
                f"il manque {formats.plural(len(self.names), 'commune')} à"
                f" {self._among_months()} additionnés (environ {formats.percent(self.share)}"
                " du total)"
            )
        return f"il manque {self._counted_before()} ({formats.percent(self.share)} du total)"

    def set_aside(self, later: int = 0) -> str:
        """Why a target's status leaves this month out, in its reason: « mars 2025 laissé de
        côté : il y manque 1 commune comptée en février 2025 ». Unnamed: the reason is stored
        once and shown to every reader, the public dashboard's included.

        `later`: how many months after this one were left out too (a commune absent several
        months running; a rolling window's figures, each short of the communes while its window
        holds the month that lacks them)."""
        if not self.window:
            if not later:
                return (
                    f"{formats.month(self.period)} laissé de côté : il y manque"
                    f" {self._counted_before()}"
                )
            return (
                f"{formats.plural(later + 1, 'mois', 'mois')} laissés de côté, de"
                f" {formats.month(self.period)} à {formats.month(shift(self.period, later))} :"
                f" il y manque {self._counted_before()}"
            )
        communes = formats.plural(len(self.names), "commune")
        if not later:
            return (
                f"{formats.month(self.period)} laissé de côté : il manque {communes} à"
                f" {self._among_months()} qu’il additionne"
            )
        last = shift(self.period, later)
        return (
            f"{formats.plural(later + 1, 'mois', 'mois')} laissés de côté, de"
            f" {formats.month(self.period)} à {formats.month(last)} : il manque {communes} à"
            f" {'l’un' if len(self.months) == 1 else formats.number(len(self.months))} des"
            f" {self.window} mois que chacun additionne"
        )

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
    """The communes that counted in one of the months before `value` (`MONTHS_LOOKED_BACK`)
    and not in its month, when they weighed at least `SHARE_WORTH_SAYING` of the last month
    that counted them; None otherwise: for a commune, a
    hand-entered figure, a figure with no month before it, or an indicator whose months need not
    hold every commune (`counts_every_commune`)."""
    return missing_communes_of(territory, [(indicator, value)]).get(indicator.pk)


def missing_communes_of(
    territory: Territory,
    figures: Iterable[tuple[Indicator, IndicatorValue | None]],
    known: Iterable[GoneCommunes] = (),
    read: list[GoneCommunes] | None = None,
) -> dict[int, MissingCommunes]:
    """`missing_communes` for several of the territory's figures at once, by indicator id: one
    grouped query for the figures of a same month (a dashboard's are of one or two months), and
    two more only when communes are missing.

    `known`: communes gone already read for an enclosing territory (`gone_communes`), from which
    the territory's are taken instead of read again (a dashboard checks the région it compares
    with first: its query reads every commune the département's would). `read`: where the
    communes gone that this call reads are added, for the territories it encloses."""
    by_period: dict[str, list[int]] = defaultdict(list)
    windowed: list[tuple[RollingWindow, IndicatorValue]] = []
    for indicator, value in figures:
        if value is None or value.manual_entry_id or not counts_every_commune(indicator):
            continue
        rolling = _rolling(indicator)
        if rolling is not None:
            windowed.append((rolling, value))
        elif territory.level != Level.COMMUNE:
            by_period[value.period].append(indicator.pk)
    found: dict[int, MissingCommunes] = {}
    if not by_period and not windowed:
        return found
    # Listed first: as a subquery, PostgreSQL planned a parallel scan of every territory for
    # it, and the check took 25.6 ms for the Mayenne against 18.0 ms (région: 77 → 60 ms).
    members = _members(territory)
    communes = [pk for pk, _code, _name in members]
    enclosing_reads = list(known)
    for period, ids in by_period.items():
        gone = next((g for g in enclosing_reads if g.covers(period, ids, communes)), None)
        if gone is None:
            gone = gone_communes(communes, period, ids)
            if read is not None:
                read.append(gone)
        found.update(_missing_in_month(territory, communes, period, ids, gone))
    for rolling, value in windowed:
        totals = {value.period: rolling.total(value)}
        partial = _window_partial(rolling, territory, members, totals)
        if value.period in partial:
            found[rolling.indicator.pk] = partial[value.period]
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
    if not counts_every_commune(indicator):
        return {}
    rolling = _rolling(indicator)
    if rolling is not None:
        totals: dict[str, float | None] = {}
        for v in sorted(values, key=lambda v: v.is_current):  # the version in force last
            if not v.manual_entry_id:
                totals[v.period] = rolling.total(v)
        return _window_partial(rolling, territory, _members(territory), totals)
    if territory.level == Level.COMMUNE:
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
        before = shift(period, -1)
        previous = signature.get(before)
        # A month like the one before lost nothing since it, unless the one before lacked
        # communes: they may still be missing (`MONTHS_LOOKED_BACK`).
        if previous is None or (signature.get(period) == previous and before not in found):
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
    found: dict[tuple[int, int, str], MissingCommunes] = {}
    indicators = []
    for indicator in Indicator.objects.all():
        rolling = _rolling(indicator)
        if rolling is not None:
            found.update(_window_partial_figures(rolling))
        elif counts_every_commune(indicator):
            indicators.append(indicator.pk)
    if not indicators:
        return found
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
    short: set[tuple[int, str]] = set()  # (indicator, month) found lacking communes somewhere
    for (indicator_id, period), pair in sorted(signature.items()):
        previous = shift(period, -1)
        if (
            signature.get((indicator_id, previous), pair) == pair
            and (indicator_id, previous) not in short
        ):
            continue
        counted = communes.filter(indicator_id=indicator_id)
        gone = set(
            counted.filter(period__in=months_before(period)).values_list("territory_id", flat=True)
        ) - set(counted.filter(period=period).values_list("territory_id", flat=True))
        for territory in enclosing(gone):
            members = list(communes_of(territory).values_list("pk", flat=True))
            missing = _missing_in_month(territory, members, period, [indicator_id])
            if indicator_id in missing:
                found[(indicator_id, territory.pk, period)] = missing[indicator_id]
                short.add((indicator_id, period))
    return found


@dataclass(frozen=True)
class GoneCommunes:
    """The communes among `communes` (ids) with a value in force in one of the
    `MONTHS_LOOKED_BACK` months before `period` and none in it, for `indicator_ids`: by
    indicator, each commune's weight in the last of those months it was counted, and that
    month (`counted_in`)."""

    period: str
    indicator_ids: frozenset[int]
    communes: frozenset[int]
    weights: dict[int, dict[int, float]]
    counted_in: dict[int, dict[int, str]] = field(default_factory=dict)

    def covers(self, period: str, indicator_ids: Iterable[int], communes: Iterable[int]) -> bool:
        return (
            period == self.period
            and self.indicator_ids.issuperset(indicator_ids)
            and self.communes.issuperset(communes)
        )

    def among(
        self, indicator_ids: Iterable[int], communes: Iterable[int]
    ) -> dict[int, dict[int, float]]:
        """Those of `communes` gone, for `indicator_ids`."""
        members = set(communes)
        found = {}
        for indicator_id in indicator_ids:
            mine = {
                pk: weight
                for pk, weight in self.weights.get(indicator_id, {}).items()
                if pk in members
            }
            if mine:
                found[indicator_id] = mine
        return found


def _weight():
    # A commune's part of its month: its denominator, or its numerator, or its value.
    return Abs(Coalesce("denominator", "numerator", "value", Value(0.0)))


def months_before(period: str) -> list[str]:
    """The months in which a commune absent from `period` is looked for, latest first."""
    return [shift(period, -k) for k in range(1, MONTHS_LOOKED_BACK + 1)]


def gone_communes(communes: list[int], period: str, indicator_ids: list[int]) -> GoneCommunes:
    """The communes gone from `period` (`GoneCommunes`): those with no value in it, read first,
    then the months before for those alone.

    National values in PostgreSQL, the four commune-counted indicators of a month: 5.5–6.8 ms
    for the Mayenne, 25–29 ms for the Pays de la Loire's 1,228 communes, where one grouped
    query over the month and the three before took 9–11 and 51–53 ms, and over the month and
    the one before 31–33 ms (bench/RESULTS.md, 6 December, eighteenth session). Most communes
    carry a value in the month; the few that do not (140 in the région, a small commune a
    source masks) are looked for in the months before."""
    before = months_before(period)
    present: dict[int, set[int]] = defaultdict(set)
    for indicator_id, territory_id in IndicatorValue.objects.filter(
        indicator_id__in=indicator_ids, is_current=True, territory_id__in=communes, period=period
    ).values_list("indicator_id", "territory_id"):
        present[indicator_id].add(territory_id)
    absent = {pk for i in indicator_ids for pk in communes if pk not in present[i]}
    counted_in: dict[int, dict[int, str]] = defaultdict(dict)
    weights: dict[int, dict[int, float]] = defaultdict(dict)
    if absent:
        for indicator_id, territory_id, month, weighed in (
            IndicatorValue.objects.filter(
                indicator_id__in=indicator_ids,
                is_current=True,
                territory_id__in=absent,
                period__in=before,
            )
            .annotate(weight=_weight())
            .values_list("indicator_id", "territory_id", "period", "weight")
        ):
            if territory_id in present[indicator_id]:
                continue
            if month > counted_in[indicator_id].get(territory_id, ""):
                counted_in[indicator_id][territory_id] = month
                weights[indicator_id][territory_id] = weighed or 0.0
    return GoneCommunes(
        period, frozenset(indicator_ids), frozenset(communes), dict(weights), dict(counted_in)
    )


def _missing_in_month(
    territory: Territory,
    communes: list[int],
    period: str,
    indicator_ids: list[int],
    gone: GoneCommunes | None = None,
) -> dict[int, MissingCommunes]:
    if gone is None:
        gone = gone_communes(communes, period, indicator_ids)
    missing_by_indicator = gone.among(indicator_ids, communes)
    if not missing_by_indicator:
        return {}
    # Said against the last month any of them was counted: the month before, or for a commune
    # absent two months running, the month before its first absence.
    previous_of = {
        indicator_id: max(gone.counted_in[indicator_id][pk] for pk in missing)
        for indicator_id, missing in missing_by_indicator.items()
    }
    in_force = IndicatorValue.objects.filter(
        indicator_id__in=list(missing_by_indicator), is_current=True, territory_id__in=communes
    )
    totals = {
        (indicator_id, month): total
        for indicator_id, month, total in in_force.filter(period__in=set(previous_of.values()))
        .values("indicator_id", "period")
        .annotate(total=Sum(_weight()))
        .values_list("indicator_id", "period", "total")
    }
    names = dict(
        Territory.objects.filter(
            pk__in={pk for by in missing_by_indicator.values() for pk in by}
        ).values_list("pk", "name")
    )
    found = {}
    for indicator_id, missing in missing_by_indicator.items():
        previous = previous_of[indicator_id]
        total = totals.get((indicator_id, previous)) or 0.0
        share = 100 * sum(missing.values()) / total if total > 0 else 0.0
        if share >= SHARE_WORTH_SAYING:
            listed = sorted((names[pk] for pk in missing), key=formats.sort_key)
            found[indicator_id] = MissingCommunes(territory, period, previous, listed, share)
    return found


# --- Rolling windows (decision 0046) ---------------------------------------------------------


@dataclass
class RollingWindow:
    """A rolling window's indicator: how many months its figure sums, and what the staged table
    says each month lost (`engine.gaps`), read at its first use."""

    indicator: Indicator
    months: int
    _lists: tuple[str, Gaps] | None = field(default=None, repr=False)

    def lost(self) -> Gaps:
        """By month: the communes it lost, each with what it counted when last counted."""
        return self._read()[1]

    def total(self, value: IndicatorValue) -> float | None:
        """What the territory's window counted, on the side a commune's part is read from (the
        staged tables' gaps are read from the same side: `engine.gaps.weight_side`)."""
        return value.denominator if self._read()[0] == "denominator" else value.numerator

    def _read(self) -> tuple[str, Gaps]:
        if self._lists is None:
            self._lists = _window_lists(self.indicator)
        return self._lists


def _rolling(indicator: Indicator) -> RollingWindow | None:
    """The indicator's rolling window when it is counted by commune every month and sums
    several months, else None: from the catalogue as last mirrored (`Indicator.window_months`),
    whose reading imports the engine's SQL checks and Arrow (0.3 s of a 0.8 s command)."""
    if not indicator.window_months or not counts_every_commune(indicator):
        return None
    return RollingWindow(indicator, indicator.window_months)


def _window_lists(indicator: Indicator) -> tuple[str, Gaps]:
    """The side and the communes each month lost: the list kept beside the staged tables when it
    is current, without reading the catalogue (`kept_gaps`); else read from the tables."""
    kept = kept_gaps(
        settings.STAGING_DIR,
        indicator.code,
        indicator.definition_version,
        definition_file(indicator.code),
    )
    if kept is not None:
        return kept.side, kept.gaps
    definition = _definition(indicator)
    if definition is None:  # gone from the catalogue: no query to read the table with
        return "numerator", {}
    return weight_side(definition), commune_gaps(settings.STAGING_DIR, definition)


def _definition(indicator: Indicator) -> Definition | None:
    """The catalogue's definition of `indicator`. Whether it sums a rolling window is the
    mirror's to say (`_rolling`): the stored values were computed with the catalogue it
    mirrors, even when a file has been edited since."""
    # lazy: `services` imports this module (the statuses leave partial months out).
    from .services import definitions

    return definitions().get(indicator.code)


def window_of(indicator: Indicator) -> int:
    """How many months the indicator's figure sums (0: a month's own figure)."""
    rolling = _rolling(indicator)
    return rolling.months if rolling is not None else 0


def trailing(values: list[IndicatorValue], partial: dict[str, MissingCommunes]) -> int:
    """How many of the last `values` are partial (`partial_months`): a rolling window's figures
    each lack a commune while their window holds the month that lacks it, so a status or a
    comparison leaves them all out."""
    count = 0
    while count < len(values) and values[-1 - count].period in partial:
        count += 1
    return count


def _members(territory: Territory) -> list[tuple[int, str, str]]:
    """The territory's communes (itself, for a commune): id, code and name."""
    return list(communes_of(territory).values_list("pk", "code", "name"))


def keep_window_gaps(indicators: Iterable[Indicator]) -> None:
    """List now, and keep beside the staged tables, the communes each month lost for the rolling
    windows among `indicators`: an import does it once its recompute is done, so that no
    reader's page pays for reading the table again (0.6–0.75 s at national scale;
    `engine.gaps.commune_gaps`)."""
    for indicator in indicators:
        if _rolling(indicator) is None:
            continue
        definition = _definition(indicator)
        if definition is not None:
            commune_gaps(settings.STAGING_DIR, definition)


def _window_partial(
    rolling: RollingWindow,
    territory: Territory,
    members: list[tuple[int, str, str]],
    totals: dict[str, float | None],
) -> dict[str, MissingCommunes]:
    """By month of `totals` (the territory's figures, and what each counted): the figures whose
    window holds a month that lacks communes of the territory the month before held, when
    their estimated part (what they counted the month before) reaches `SHARE_WORTH_SAYING` of
    the window's total with it."""
    window = rolling.months
    names = {code: name for _pk, code, name in members}
    lost: dict[str, dict[str, float]] = {}
    for month, communes in rolling.lost().items():
        mine = {code: weight for code, weight in communes.items() if code in names}
        if mine:
            lost[month] = mine
    found: dict[str, MissingCommunes] = {}
    if not lost:
        return found
    for period, total in totals.items():
        months = [m for m in (shift(period, -k) for k in range(window)) if m in lost]
        if not months:
            continue
        missing: dict[str, float] = defaultdict(float)
        for month in months:
            for code, weight in lost[month].items():
                missing[code] += abs(weight)
        whole = abs(total or 0.0) + sum(missing.values())
        share = 100 * sum(missing.values()) / whole if whole > 0 else 0.0
        if share >= SHARE_WORTH_SAYING:
            months.sort()
            found[period] = MissingCommunes(
                territory,
                period,
                shift(months[0], -1),
                sorted((names[code] for code in missing), key=formats.sort_key),
                share,
                window=window,
                months=tuple(months),
            )
    return found


def _window_partial_figures(rolling: RollingWindow) -> dict[tuple[int, int, str], MissingCommunes]:
    """`partial_figures` for a rolling window's indicator: the communes some month lost, and
    every territory they belong to (themselves included: a commune's own window lacks the
    month), compared month by month as each page does."""
    codes = {code for month in rolling.lost().values() for code in month}
    if not codes:
        return {}
    gone = list(
        Territory.objects.filter(level=Level.COMMUNE, code__in=codes).values_list("pk", flat=True)
    )
    indicator = rolling.indicator
    found: dict[tuple[int, int, str], MissingCommunes] = {}
    for territory in [*Territory.objects.filter(pk__in=gone), *enclosing(gone)]:
        values = IndicatorValue.objects.filter(
            indicator=indicator, territory=territory, is_current=True, manual_entry=None
        )
        totals = {v.period: rolling.total(v) for v in values}
        for period, missing in _window_partial(
            rolling, territory, _members(territory), totals
        ).items():
            found[(indicator.pk, territory.pk, period)] = missing
    return found


# --- A figure made from some of the territory's départements ------------------------------

# The levels whose figure sums communes of several départements: a région's, and an EPCI's or a
# grouping's that straddles départements (the Communauté urbaine d'Alençon: 26 communes of the
# Orne, 5 of the Sarthe, whose Assurance Maladie tables only the Pays de la Loire's are loaded).
SPANNING_LEVELS = frozenset({Level.REGION, Level.EPCI, Level.GROUPING})


@dataclass(frozen=True)
class Coverage:
    """A territory's figure for a month when only some of its départements have one: a survey
    run in one département, a source not yet sent by the others, a région's tables loaded for an
    EPCI that straddles its edge. The figure is then theirs alone (the Pays de la Loire's share
    of pharmacies with a fax was the Sarthe's, 142 of 156; the CU d'Alençon's figures were its 5
    communes of the Sarthe's, 7,749 of its 56,138 inhabitants), which a reader has to be told."""

    covered: tuple[str, ...]  # the départements with a figure, by name
    departements: int  # how many the territory spans
    # An EPCI's or a grouping's: the covered départements after « de » (« de la Sarthe »),
    # its figure being those of its communes; empty for a région.
    covered_of: tuple[str, ...] = ()

    @property
    def of_communes(self) -> bool:
        return bool(self.covered_of)

    @property
    def short(self) -> str:
        """« Sarthe seule », « communes de la Sarthe seules », « 2 départements sur 5 »."""
        if self.of_communes:
            if len(self.covered) == 1:
                return f"communes {self.covered_of[0]} seules"
            return f"communes de {len(self.covered)} départements sur {self.departements}"
        if len(self.covered) == 1:
            return f"{self.covered[0]} seule"
        return f"{len(self.covered)} départements sur {self.departements}"

    @property
    def sentence(self) -> str:
        named = ", ".join(self.covered)
        if self.of_communes:
            if len(self.covered) == 1:
                made_of = f"des seules communes {self.covered_of[0]}"
            else:
                made_of = (
                    f"des communes de {len(self.covered)} de ses {self.departements}"
                    f" départements ({named})"
                )
            return (
                f"Chiffre établi à partir {made_of} : ses communes des autres départements"
                " n’ont pas de chiffre ce mois-là."
            )
        if len(self.covered) == 1:
            made_of = f"du seul département {named}"
        else:
            made_of = f"de {len(self.covered)} départements sur {self.departements} ({named})"
        return (
            f"Chiffre régional établi à partir {made_of} : les autres départements de la région"
            " n’ont pas de chiffre ce mois-là."
        )

    @property
    def no_gap(self) -> str:
        """Instead of a gap from this figure: it would be a gap from some départements only."""
        return (
            "sans objet : chiffre partiel"
            if self.of_communes
            else "sans objet : chiffre régional partiel"
        )


def with_coverage(label: str, coverage: Coverage | None) -> str:
    """A figure as written, followed by what it is made of when that is some of the territory's
    départements: « 91,0 % (Sarthe seule) »."""
    return f"{label} ({coverage.short})" if coverage else label


def _departements_spanned(territories: Iterable[Territory]) -> dict[int, set[int]]:
    """The départements of each territory's communes (a région's: its départements), by id:
    one query per level."""
    spanned: dict[int, set[int]] = defaultdict(set)
    by_level: dict[str, list[int]] = defaultdict(list)
    for territory in territories:
        by_level[territory.level].append(territory.pk)
    if by_level[Level.REGION]:
        rows = Territory.objects.filter(
            parent_id__in=by_level[Level.REGION], level=Level.DEPARTEMENT
        ).values_list("parent_id", "pk")
        for region_id, departement_id in rows:
            spanned[region_id].add(departement_id)
    if by_level[Level.EPCI]:
        rows = (
            Territory.objects.filter(epci_id__in=by_level[Level.EPCI], level=Level.COMMUNE)
            .values_list("epci_id", "parent_id")
            .distinct()
        )
        for epci_id, departement_id in rows:
            spanned[epci_id].add(departement_id)
    if by_level[Level.GROUPING]:
        rows = (
            Territory.members.through.objects.filter(from_territory_id__in=by_level[Level.GROUPING])
            .values_list("from_territory_id", "to_territory__parent_id")
            .distinct()
        )
        for grouping_id, departement_id in rows:
            spanned[grouping_id].add(departement_id)
    return spanned


def partial_coverage(
    figures: Iterable[tuple[Indicator, Territory, str]],
) -> dict[tuple[int, int, str], Coverage]:
    """For each (indicator, territory, month) given whose territory spans several départements
    (`SPANNING_LEVELS`), the départements whose figure makes the territory's, when some of them
    have none that month; keyed by (indicator, territory, month) numbers and text. Two to four
    queries for all of them."""
    wanted = {
        (indicator.pk, territory.pk, period): territory
        for indicator, territory, period in figures
        if territory.level in SPANNING_LEVELS and period
    }
    if not wanted:
        return {}
    spanned = {
        pk: departements
        for pk, departements in _departements_spanned(set(wanted.values())).items()
        if len(departements) > 1
    }
    wanted = {key: t for key, t in wanted.items() if key[1] in spanned}
    if not wanted:
        return {}
    departements = Territory.objects.in_bulk(set().union(*spanned.values()))
    with_figure: set[tuple[int, int, str]] = set(
        IndicatorValue.objects.filter(
            indicator_id__in={i for i, _t, _p in wanted},
            period__in={p for _i, _t, p in wanted},
            territory_id__in=departements,
            is_current=True,
            value__isnull=False,
        ).values_list("indicator_id", "territory_id", "period")
    )
    found: dict[tuple[int, int, str], Coverage] = {}
    for (indicator_id, territory_id, period), territory in wanted.items():
        spans = spanned[territory_id]
        covered = sorted(
            (departements[d] for d in spans if (indicator_id, d, period) in with_figure),
            key=lambda d: formats.sort_key(d.name),
        )
        if not covered or len(covered) == len(spans):
            continue
        found[(indicator_id, territory_id, period)] = Coverage(
            tuple(d.name for d in covered),
            len(spans),
            tuple(d.of_name for d in covered) if territory.level != Level.REGION else (),
        )
    return found
