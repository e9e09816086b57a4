"""Who reads and changes what (rules in accounts.access), the EPCI page's content, and saving a
contract with its axes and working groups."""

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from capsante.accounts import access
from capsante.events.counts import with_counts
from capsante.events.models import Event
from capsante.events.services import visible_events
from capsante.indicators.dashboards import territory_cards
from capsante.roadmaps.models import Objective
from capsante.roadmaps.sections import Section
from capsante.territories.models import GroupingKind, Level, Territory
from capsante.territories.services import communes_of
from capsante.ui.formats import sort_key

from . import counts
from .models import Axis, Contract, EpciFunction, Function, Official, OfficialLoad, OfficialsList

# --- Contracts ------------------------------------------------------------------------------


def readable_contracts(user) -> QuerySet[Contract]:
    """The CLS of the partner's scope (and those that contain it): partners only."""
    if not access.is_partner(user):
        return Contract.objects.none()
    return Contract.objects.filter(access.overlapping_scope_q(user)).select_related("territory")


def contract_for_reader(user, pk: int) -> Contract:
    contract = readable_contracts(user).filter(pk=pk).first()
    if contract is None:
        raise access.not_found("Contrat local de santé introuvable")
    return contract


def contract_for_editor(user, pk: int) -> Contract:
    contract = contract_for_reader(user, pk)
    access.require(
        access.can_edit(user, contract.territory),
        "Vous ne pouvez pas modifier les contrats locaux de santé de ce territoire.",
    )
    return contract


def contract_territories(user) -> QuerySet[Territory]:
    """Where an editor may record a CLS: the EPCI and CLS perimeters of their scope."""
    return (
        access.territories_where(user, access.EDIT_ROLES, [Level.EPCI, Level.GROUPING])
        .filter(Q(level=Level.EPCI) | Q(grouping_kind=GroupingKind.CLS))
        .order_by("name")
    )


def with_content(contracts: QuerySet[Contract]) -> QuerySet[Contract]:
    return contracts.annotate(
        axes_count=Count("axes", distinct=True),
        groups_attended=Count(
            "working_groups", filter=Q(working_groups__attended=True), distinct=True
        ),
    )


@transaction.atomic
def save_contract(contract: Contract, formsets=(), user=None) -> Contract:
    """Save a contract and its axes and working groups; its figures follow in the background."""
    contract.save()
    for formset in formsets:
        formset.instance = contract
        formset.save()
    counts.enqueue_refresh(contract, user)
    return contract


# --- EPCI page ------------------------------------------------------------------------------


def epci_for_reader(user, code: str) -> Territory:
    """An EPCI whose page the partner may read (their scope overlaps it); 404 otherwise."""
    epci = Territory.objects.filter(level=Level.EPCI, code=code).first()
    if epci is None or not access.is_partner(user) or not access.overlaps(user, epci):
        raise access.not_found("EPCI introuvable")
    return epci


EXECUTIVE_ORDER = {EpciFunction.PRESIDENT: 0, EpciFunction.VICE_PRESIDENT: 1}


def epci_officials(epci: Territory) -> list[Official]:
    """Its communes' mayors and its own executive: president, vice-presidents, then mayors."""
    communes = communes_of(epci)
    officials = Official.objects.filter(
        Q(commune__in=communes, function__in=(Function.MAYOR, Function.DELEGATE_MAYOR))
        | (Q(epci=epci) & ~Q(epci_function=EpciFunction.NONE))
    ).select_related("commune")
    return sorted(
        officials,
        key=lambda o: (
            EXECUTIVE_ORDER.get(o.epci_function, 2),
            sort_key(o.commune.name),
            o.last_name,
        ),
    )


def epci_contracts(user, epci: Territory) -> QuerySet[Contract]:
    """The CLS of the EPCI, or of a perimeter sharing communes with it."""
    communes = communes_of(epci).values("pk")
    return with_content(
        readable_contracts(user).filter(
            Q(territory=epci) | Q(territory__level=Level.GROUPING, territory__members__in=communes)
        )
    ).distinct()


def epci_events(user, epci: Territory) -> list[Event]:
    communes = communes_of(epci).values("pk")
    return list(
        with_counts(
            visible_events(user)
            .filter(Q(commune__in=communes) | Q(territory=epci))
            .select_related("commune")
        ).order_by("-starts_at")[:30]
    )


def epci_page(user, epci: Territory) -> dict:
    officials = epci_officials(epci)
    cards = [c for c in territory_cards(epci, user) if c.latest is not None or c.has_target]
    return {
        "epci": epci,
        "officials": officials,
        "mayors": sum(o.function == Function.MAYOR for o in officials),
        "contracts": list(epci_contracts(user, epci)),
        "events": epci_events(user, epci),
        "now": timezone.now(),
        "cards": cards,
        "lists": list(OfficialsList.objects.filter(territory=epci).select_related("mailing_list")),
        "can_edit": access.can_edit(user, epci),
        "last_load": OfficialLoad.objects.first(),
    }


def upcoming_events(user, epci: Territory) -> QuerySet[Event]:
    """The events an editor may invite this EPCI's officials to."""
    return visible_events(user).filter(ends_at__gte=timezone.now()).order_by("starts_at")


# --- The objective page's section (roadmaps/sections.py) ------------------------------------


def objective_section(user, objective: Objective) -> Section | None:
    """The CLS e-health axes serving an objective, with their progress: partners in scope."""
    axes = list(
        Axis.objects.filter(objective=objective, contract__in=readable_contracts(user))
        .select_related("contract__territory")
        .order_by("contract__territory__name", "order")
    )
    if not axes:
        return None
    return Section("officials/objective_section.html", {"axes": axes})
