"""What the events add up to: events held and participants, per territory, kind and month, in
the shape the indicator engine reads (the staged table `event_activity`); and the section of a
roadmap objective's page that lists the events serving it."""

from collections import defaultdict
from dataclasses import dataclass

import pyarrow as pa
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from capsante.roadmaps.models import Objective
from capsante.roadmaps.sections import Section

from .models import Event, EventStatus, RegistrationStatus, Tally
from .services import visible_events


def with_counts(events: QuerySet[Event]) -> QuerySet[Event]:
    """Events with `seated`, `present` (registrants marked present) and `tallied_present`
    (the same, once registrations are erased) annotated in one query."""
    return events.annotate(
        seated=Count(
            "registrations",
            filter=Q(registrations__status=RegistrationStatus.CONFIRMED),
            distinct=True,
        ),
        present=Count("registrations", filter=Q(registrations__attended=True), distinct=True),
        tallied_present=Subquery(
            Tally.objects.filter(event=OuterRef("pk"))
            .values("event")
            .annotate(total=Sum("attended"))
            .values("total")[:1]
        ),
    )


def participants(event: Event) -> int | None:
    """Everyone present: the organisers' count when recorded, else the registrants marked
    present (None before anyone recorded anything)."""
    if event.participants is not None:
        return event.participants
    present = getattr(event, "present", None)
    if present is None:
        present = event.registrations.filter(attended=True).count()
    tallied = getattr(event, "tallied_present", None)
    if tallied is None and event.registrations_purged_at is not None:
        tallied = sum(event.tallies.values_list("attended", flat=True))
    total = (present or 0) + (tallied or 0)
    return total or None


@dataclass(frozen=True)
class Activity:
    period: str  # "YYYY-MM" of the event's start, Paris time
    departement_code: str
    commune_code: str
    kind: str
    events_held: int
    participants: int


def activity(events: QuerySet[Event] | None = None) -> list[Activity]:
    """Events held and their participants, per month, département, commune (empty for an event
    online or without a commune) and kind."""
    events = Event.objects.all() if events is None else events
    held = with_counts(events.filter(status=EventStatus.HELD)).select_related(
        "territory", "commune__parent"
    )
    totals: dict[tuple[str, str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for event in held:
        if event.commune_id and event.commune.parent_id:
            departement, commune = event.commune.parent.code, event.commune.code
        else:
            # Online, or organised for a whole région: counted where its team is.
            departement, commune = event.territory.code, ""
        key = (
            timezone.localtime(event.starts_at).strftime("%Y-%m"),
            departement,
            commune,
            event.kind,
        )
        totals[key][0] += 1
        totals[key][1] += participants(event) or 0
    return [Activity(*key, *values) for key, values in sorted(totals.items())]


def activity_table(events: QuerySet[Event] | None = None) -> pa.Table:
    """`activity` as the staged table `event_activity` of the contract."""
    rows = activity(events)
    return pa.table(
        {
            "period": pa.array([r.period for r in rows], pa.string()),
            "departement_code": pa.array([r.departement_code for r in rows], pa.string()),
            "commune_code": pa.array([r.commune_code for r in rows], pa.string()),
            "kind": pa.array([r.kind for r in rows], pa.string()),
            "events_held": pa.array([r.events_held for r in rows], pa.int64()),
            "participants": pa.array([r.participants for r in rows], pa.int64()),
        }
    )


def objective_section(user, objective: Objective) -> Section | None:
    """The events serving an objective (directly or through one of its actions), upcoming
    first, then those held with their participants."""
    events = with_counts(
        visible_events(user)
        .filter(Q(objectives=objective) | Q(actions__objective=objective))
        .distinct()
        .select_related("commune", "territory")
    ).order_by("starts_at", "pk")
    events = list(events)
    if not events:
        return None
    now = timezone.now()
    upcoming = [e for e in events if e.ends_at >= now]
    past = [e for e in events if e.ends_at < now]
    past.reverse()
    held = [e for e in past if e.status == EventStatus.HELD]
    return Section(
        "events/objective_section.html",
        {
            "upcoming": upcoming,
            "past": [(e, participants(e)) for e in past],
            "held_count": len(held),
            "participants_total": sum(participants(e) or 0 for e in held),
        },
    )
