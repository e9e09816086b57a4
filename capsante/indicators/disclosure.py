"""What of an indicator each reader may see.

A figure counted establishment by establishment (a structure-based indicator) says something
about named establishments once it is broken down finely enough: a commune with one hospital
shows that hospital's cyber-crisis exercise. Unless its definition declares the detail public
(`detail_public: true`, e.g. the MSSanté directory, which is open data), such an indicator is
published to everyone at département and région level only; the finer levels and the list of
establishments behind a figure are for partners whose scope holds the territory.
"""

from django.db.models import Q, QuerySet

from capsante.accounts import access
from capsante.territories.models import Level, Territory

from .models import Indicator

PUBLIC_LEVELS = frozenset({Level.REGION, Level.DEPARTEMENT})
WITHHELD = "réservé aux partenaires"
WITHHELD_REASON = (
    "Ce chiffre porte sur peu d’établissements nommés : il est publié à l’échelle du département "
    "et de la région ; le détail est réservé aux partenaires dont le périmètre couvre le territoire."
)


# A partner whose scope holds part of the territory (an EPCI straddling its edge) is a partner:
# « réservé aux partenaires » read to them as a fault (review of 7 December, ars.admin on the
# Sarthe's EPCI shared with the Orne). The figure is still withheld: it also counts named
# establishments outside their scope.
OUTSIDE_SCOPE = "en partie hors de votre périmètre"
OUTSIDE_SCOPE_REASON = (
    "Ce territoire s’étend au-delà de votre périmètre : son chiffre compte aussi des "
    "établissements nommés qui n’en sont pas. Il est publié à l’échelle du département et de la "
    "région ; le détail est réservé aux partenaires dont le périmètre couvre tout le territoire."
)


def withheld_label(user, territory: Territory) -> str:
    """What stands in place of a withheld figure, for this reader (`OUTSIDE_SCOPE`)."""
    return OUTSIDE_SCOPE if access.reaches_into(user, territory) else WITHHELD


def withheld_reason(user, territory: Territory) -> str:
    """Why a figure is withheld, for this reader."""
    return OUTSIDE_SCOPE_REASON if access.reaches_into(user, territory) else WITHHELD_REASON


def protects_establishments(indicator: Indicator) -> bool:
    return indicator.grain == "structure" and not indicator.detail_public


def sees_establishments(user, indicator: Indicator, territory: Territory) -> bool:
    """Whether the list of establishments behind the figure, with theirs, may be shown."""
    return not protects_establishments(indicator) or access.in_scope(user, territory)


def reads_every_figure(user, territory: Territory) -> bool:
    """Whether this reader sees every figure of this territory (none is withheld from them)."""
    return territory.level in PUBLIC_LEVELS or access.in_scope(user, territory)


def withholds(user, indicator: Indicator, territory: Territory) -> bool:
    """Whether the figure of this territory must not be shown to this reader at all."""
    return protects_establishments(indicator) and not reads_every_figure(user, territory)


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
    return queryset.filter(~withheld | scope)
