"""Event logic: who reads and changes which event, the public calendar's filters, and saving an
event with its programme. Registrations are in registrations.py, counts in counts.py."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from capsante.accounts import access
from capsante.roadmaps.models import Objective
from capsante.territories.models import Level, Territory
from capsante.territories.services import within

from .models import PUBLIC_STATUSES, Event, EventFormat, EventStatus, RegistrationStatus
from .registrations import announce_cancellation, refresh_seats

# --- Who reads and changes what (rules in accounts.access) ----------------------------------


def visible_events(user) -> QuerySet[Event]:
    """Published (and full, cancelled, held) events for everyone; drafts for the editors of
    their territory only."""
    return access.published_or_in_scope(
        user, Event.objects.all(), Q(status__in=PUBLIC_STATUSES), roles=access.EDIT_ROLES
    )


def event_for_reader(user, pk: int) -> Event:
    """The event if the user may read it; 404 otherwise (a draft's existence is not disclosed)."""
    event = visible_events(user).select_related("territory", "commune").filter(pk=pk).first()
    if event is None:
        raise access.not_found("Événement introuvable")
    return event


def event_for_editor(user, pk: int) -> Event:
    """An event the user may change; 404 if unreadable, 403 if readable but not editable."""
    event = event_for_reader(user, pk)
    access.require(
        access.can_edit(user, event.territory),
        "Vous ne pouvez pas modifier les événements de ce territoire.",
    )
    return event


def event_for_report(user, pk: int) -> Event:
    """An event's closing report: for the partners whose scope holds its territory (its
    organisers among them); 404 if the event is unreadable, 403 for other readers."""
    event = event_for_reader(user, pk)
    access.require(
        access.in_scope(user, event.territory),
        "Le bilan d’un événement est réservé aux partenaires de son territoire.",
    )
    return event


def editable_territories(user) -> QuerySet[Territory]:
    """Where the user may organise events: the régions and départements they edit."""
    return access.territories_where(
        user, access.EDIT_ROLES, [Level.REGION, Level.DEPARTEMENT]
    ).order_by("level", "code")


def managed_events(user) -> QuerySet[Event]:
    """The events an editor organises (every status), with their registration counts."""
    territories = editable_territories(user)
    return (
        Event.objects.filter(territory__in=territories)
        .select_related("territory", "commune")
        .annotate(
            confirmed=Count(
                "registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)
            ),
            waiting=Count(
                "registrations", filter=Q(registrations__status=RegistrationStatus.WAITING)
            ),
        )
        .order_by("-starts_at", "pk")
    )


def objectives_for_many(territories: QuerySet[Territory]) -> QuerySet[Objective]:
    """The roadmap objectives an event of these territories may serve: those of the roadmaps of
    these territories and of the territories within them."""
    inside = Q(pk__in=[])
    for territory in territories:
        inside |= Q(roadmap__territory__in=within(territory).values("pk"))
    return (
        Objective.objects.filter(inside)
        .select_related("roadmap__territory")
        .order_by("roadmap__territory__code", "roadmap__period_start", "order", "pk")
    )


# --- The public calendar ----------------------------------------------------------------------


@dataclass
class CalendarFilters:
    territory: Territory | None = None
    kind: str = ""
    audience: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    format: str = ""  # "presentiel" (in person, hybrid included), "distanciel" (online, hybrid)


def calendar(user, filters: CalendarFilters) -> QuerySet[Event]:
    """The events the user reads that match the filters, soonest first. Without dates: from
    today on."""
    events = visible_events(user).select_related("territory", "commune")
    if filters.territory is not None:
        events = events.filter(
            Q(territory__in=within(filters.territory).values("pk"))
            | Q(commune__in=within(filters.territory).values("pk"))
        )
    if filters.kind:
        events = events.filter(kind=filters.kind)
    if filters.audience:
        # A JSON list of codes: the code in quotes cannot match a longer code.
        events = events.filter(audiences__icontains=f'"{filters.audience}"')
    if filters.format == EventFormat.IN_PERSON:
        events = events.filter(format__in=[EventFormat.IN_PERSON, EventFormat.HYBRID])
    elif filters.format == EventFormat.ONLINE:
        events = events.filter(format__in=[EventFormat.ONLINE, EventFormat.HYBRID])
    start = filters.start or (None if filters.end else timezone.localdate())
    if start:
        events = events.filter(ends_at__gte=_day_start(start))
    if filters.end:
        events = events.filter(starts_at__lt=_day_start(filters.end + dt.timedelta(days=1)))
    return events.order_by("starts_at", "pk")


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight of that day in Paris (the current time zone), as an aware moment."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def calendar_territories() -> QuerySet[Territory]:
    """The régions and départements the calendar can be filtered on: those with events."""
    with_events = Event.objects.filter(status__in=PUBLIC_STATUSES)
    return (
        Territory.objects.filter(
            Q(pk__in=with_events.values("territory"))
            | Q(level=Level.REGION, children__in=with_events.values("territory"))
            | Q(level=Level.DEPARTEMENT, children__in=with_events.values("commune"))
        )
        .distinct()
        .order_by("level", "code")
    )


def feed_territory(level: str, code: str) -> Territory:
    """The région, département or commune a territory feed is asked for (404 otherwise)."""
    territory = Territory.objects.filter(
        level__in=[Level.REGION, Level.DEPARTEMENT, Level.COMMUNE], level=level, code=code
    ).first()
    if territory is None:
        raise access.not_found("Territoire introuvable")
    return territory


def feed_links(event: Event | None = None, territory: Territory | None = None) -> list:
    """The feeds a page offers: (label, path) of the event's, of its département's and région's,
    or of the territory the calendar is filtered on."""
    links = []
    if event is not None:
        links.append(("Cet événement", reverse("events:event_ics", args=[event.pk])))
        place = event.commune.parent if event.commune_id and event.commune.parent_id else None
        for scope in filter(None, [place or event.territory, (place or event.territory).parent]):
            if scope.level in (Level.DEPARTEMENT, Level.REGION):
                links.append(_territory_link(scope))
    elif territory is not None:
        links.append(_territory_link(territory))
    return links


def _territory_link(territory: Territory) -> tuple[str, str]:
    label = f"Tous les événements : {territory.name}"
    return label, reverse("events:territory_ics", args=[territory.level, territory.code])


# --- Saving ---------------------------------------------------------------------------------


@transaction.atomic
def save_event(
    event: Event, parts_formset=None, base_url: str = "", previous_status: str | None = None
) -> Event:
    """Save an event (and its programme) as an editor changed it (django-simple-history records
    who changed what). More seats promote the waiting list, a full event is full or open again
    as its seats say, and a cancellation is mailed to everyone registered."""
    event.full_clean()
    event.save()
    if parts_formset is not None:
        parts_formset.instance = event
        parts_formset.save()
    if event.status == EventStatus.CANCELLED and previous_status != EventStatus.CANCELLED:
        announce_cancellation(event, base_url)
    refresh_seats(event, base_url)
    event.refresh_from_db(fields=["status"])
    return event
