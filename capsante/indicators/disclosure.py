"""What of an indicator each reader may see.

A figure counted establishment by establishment (a structure-based indicator) says something
about named establishments once it is broken down finely enough: a commune with one hospital
shows that hospital's cyber-crisis exercise. Unless its definition declares the detail public
(`detail_public: true`, e.g. the MSSanté directory, which is open data), such an indicator is
published to everyone at département and région level only; the finer levels and the list of
establishments behind a figure are for partners whose scope holds the territory — or holds every
establishment the platform knows in it, for a territory straddling the scope's edge (an EPCI of
the Sarthe and the Orne, no establishment of the Orne loaded: its figure tells the ARS of the
Pays de la Loire nothing it may not read establishment by establishment).
"""

from django.db.models import Q, QuerySet

from capsante.accounts import access
from capsante.establishments.models import Establishment
from capsante.territories.models import Level, Territory
from capsante.territories.services import communes_of

from .models import Indicator

PUBLIC_LEVELS = frozenset({Level.REGION, Level.DEPARTEMENT})
WITHHELD = "réservé aux partenaires"
WITHHELD_REASON = (
    "Ce chiffre porte sur peu d’établissements nommés : il est publié à l’échelle du département "
    "et de la région ; le détail est réservé aux partenaires dont le périmètre couvre le territoire."
)


# A partner whose scope holds part of a territory (an EPCI straddling its edge) is a partner:
# « réservé aux partenaires » read to them as a fault (review of 7 December, ars.admin on the
# Sarthe's EPCI shared with the Orne). Where the territory has establishments beyond their scope,
# its figure stays withheld and says so, in words that also hold in a document handed on.
OUTSIDE_SCOPE = "en partie hors périmètre"
OUTSIDE_SCOPE_REASON = (
    "Ce territoire s’étend au-delà de votre périmètre : son chiffre compte aussi des "
    "établissements nommés qui n’en font pas partie. Il est publié à l’échelle du département et "
    "de la région ; le détail est réservé aux partenaires dont le périmètre couvre tout le "
    "territoire."
)


REASONS = {WITHHELD: WITHHELD_REASON, OUTSIDE_SCOPE: OUTSIDE_SCOPE_REASON}


def withheld_as(user, territory: Territory, indicator: Indicator | None = None) -> str | None:
    """What stands in place of the territory's figures counted by establishment (of
    `indicator`'s, when given) for this reader: None when they may read them,
    « réservé aux partenaires », or « en partie hors périmètre » for a territory straddling
    their scope's edge with establishments beyond it. Each question of the scope asked once."""
    if indicator is not None and not protects_establishments(indicator):
        return None
    if territory.level in PUBLIC_LEVELS or access.in_scope(user, territory):
        return None
    if not access.reaches_into(user, territory):
        return WITHHELD
    return None if _holds_every_establishment(user, territory) else OUTSIDE_SCOPE


def withheld_reason(user, territory: Territory) -> str:
    """Why a figure is withheld, for this reader."""
    return REASONS[withheld_as(user, territory) or WITHHELD]


def _beyond_scope(user) -> Q:
    """Establishments outside the reader's scope (none for a scope of all of France)."""
    return ~access.within_scope_q(user, "commune")


def _holds_every_establishment(user, territory: Territory) -> bool:
    """Whether every establishment the platform knows in the territory lies in the scope."""
    counted = Establishment.objects.filter(commune__in=communes_of(territory))
    return not counted.filter(_beyond_scope(user)).exists()


def holds_what_it_counts(user, territory: Territory) -> bool:
    """Whether the reader's scope holds the territory, or holds every establishment of it the
    platform knows (a territory straddling the scope's edge, nothing loaded beyond it)."""
    if access.in_scope(user, territory):
        return True
    return access.reaches_into(user, territory) and _holds_every_establishment(user, territory)


def _straddling_held(user) -> list[int]:
    """The territories straddling the reader's scope's edge that hold no establishment beyond
    it (`holds_what_it_counts`), as ids: what `disclosed` adds to the scope."""
    within = access.within_scope_q(user, "pk")
    communes = Territory.objects.filter(within, level=Level.COMMUNE)
    candidates = Territory.objects.filter(
        Q(level=Level.EPCI, pk__in=communes.values("epci"))
        | Q(level=Level.GROUPING, members__in=communes)
    ).exclude(within)
    return [t.pk for t in candidates.distinct() if holds_what_it_counts(user, t)]


def protects_establishments(indicator: Indicator) -> bool:
    return indicator.grain == "structure" and not indicator.detail_public


def sees_establishments(user, indicator: Indicator, territory: Territory) -> bool:
    """Whether the list of establishments behind the figure, with theirs, may be shown."""
    return not protects_establishments(indicator) or holds_what_it_counts(user, territory)


def reads_every_figure(user, territory: Territory) -> bool:
    """Whether this reader sees every figure of this territory (none is withheld from them)."""
    return withheld_as(user, territory) is None


def withholds(user, indicator: Indicator, territory: Territory) -> bool:
    """Whether the figure of this territory must not be shown to this reader at all."""
    return withheld_as(user, territory, indicator) is not None


def withholds_counts(user, territory: Territory) -> bool:
    """Whether counts of establishments in this territory (a campaign's figures by stage) must
    not be shown to this reader: the same levels as a structure-counted indicator."""
    return territory.level not in PUBLIC_LEVELS and not access.in_scope(user, territory)


def disclosed(
    user, queryset: QuerySet, indicator_path: str = "indicator", territory_path: str = "territory"
) -> QuerySet:
    """`withholds` as one SQL filter: the figures (values, targets) this reader may see."""
    scope = access.within_scope_q(user, territory_path)
    if not scope:
        return queryset  # all of France (an empty Q would vanish from the OR below)
    withheld = Q(
        **{
            f"{indicator_path}__grain": "structure",
            f"{indicator_path}__detail_public": False,
        }
    ) & ~Q(**{f"{territory_path}__level__in": list(PUBLIC_LEVELS)})
    held = Q(**{f"{territory_path}__in": _straddling_held(user)})
    return queryset.filter(~withheld | scope | held)
