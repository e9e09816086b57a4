"""What the events add up to: events held and participants, per territory, kind and month, in
the shape the indicator engine reads (the staged table `event_activity`); and the section of a
roadmap objective's page that lists the events serving it."""

from collections import defaultdict
from dataclasses import dataclass

import pyarrow as pa
from django.conf import settings
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from capsante.indicators.services import compute_and_store, definitions
from capsante.ingest.staging import StagingStore
from capsante.jobs import services as jobs
from capsante.jobs.models import Job, JobStatus
from capsante.roadmaps.models import Objective
from capsante.roadmaps.sections import Section
from capsante.ui.formats import month

from . import ambassadors
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


def activity_table(periods: list[str] | None = None) -> pa.Table:
    """The staged table `event_activity`: each event held (in the months asked, Paris time),
    with its participants in the commune where they count — the event's own; for an event
    online, the communes of the registrants marked present (or their tallies), the others with
    an empty commune code."""
    held = with_counts(Event.objects.filter(status=EventStatus.HELD)).select_related(
        "territory", "commune__parent"
    )
    columns: dict[str, list] = {name: [] for name in STAGED_COLUMNS}

    def add(period, event, departement, commune, number) -> None:
        for name, value in zip(
            STAGED_COLUMNS,
            (period, str(event.pk), event.kind, departement, commune, number),
            strict=True,
        ):
            columns[name].append(value)

    for event in held.order_by("starts_at", "pk"):
        period = timezone.localtime(event.starts_at).strftime("%Y-%m")
        if periods is not None and period not in periods:
            continue
        total = participants(event) or 0
        if event.commune_id:
            departement = event.commune.parent.code if event.commune.parent_id else ""
            add(period, event, departement, event.commune.code, total)
            continue
        departement = event.territory.code if event.territory.level == "departement" else ""
        by_commune = _present_by_commune(event)
        for commune, number in sorted(by_commune.items()):
            add(period, event, departement, commune, number)
        add(period, event, departement, "", max(total - sum(by_commune.values()), 0))
    return pa.table(
        {
            name: pa.array(values, pa.int64() if name == "participants" else pa.string())
            for name, values in columns.items()
        }
    )


STAGED_COLUMNS = ("period", "event_id", "kind", "departement_code", "commune_code", "participants")


def _present_by_commune(event: Event) -> dict[str, int]:
    present: dict[str, int] = defaultdict(int)
    if event.registrations_purged_at is not None:
        rows = event.tallies.exclude(commune=None).values_list("commune__code", "attended")
        for code, number in rows:
            present[code] += number
    else:
        rows = event.registrations.filter(attended=True).exclude(commune=None)
        for code in rows.values_list("commune__code", flat=True):
            present[code] += 1
    return dict(present)


AUDIENCE_COLUMNS = (
    "period",
    "event_id",
    "kind",
    "departement_code",
    "commune_code",
    "audience",
    "participants",
)


def _present_by_audience(event: Event) -> dict[tuple[str, str], int]:
    """(audience, commune code of the registrant) → registrants marked present."""
    present: dict[tuple[str, str], int] = defaultdict(int)
    if event.registrations_purged_at is not None:
        for audience, code, number in event.tallies.values_list(
            "audience", "commune__code", "attended"
        ):
            present[(audience, code or "")] += number
    else:
        for audience, code in event.registrations.filter(attended=True).values_list(
            "audience", "commune__code"
        ):
            present[(audience, code or "")] += 1
    return dict(present)


def audience_table(periods: list[str] | None = None) -> pa.Table:
    """The staged table `event_audiences`: the participants of each event held by audience, in
    the commune where they count (the event's; online, the registrant's). Those who came
    without registering have an empty audience."""
    held = with_counts(Event.objects.filter(status=EventStatus.HELD)).select_related(
        "territory", "commune__parent"
    )
    columns: dict[str, list] = {name: [] for name in AUDIENCE_COLUMNS}
    for event in held.order_by("starts_at", "pk"):
        period = timezone.localtime(event.starts_at).strftime("%Y-%m")
        if periods is not None and period not in periods:
            continue
        if event.commune_id:
            departement = event.commune.parent.code if event.commune.parent_id else ""
        else:
            departement = event.territory.code if event.territory.level == "departement" else ""
        totals: dict[tuple[str, str], int] = defaultdict(int)
        for (audience, code), number in _present_by_audience(event).items():
            totals[(audience, event.commune.code if event.commune_id else code)] += number
        walk_ins = (participants(event) or 0) - sum(totals.values())
        if walk_ins > 0:
            totals[("", event.commune.code if event.commune_id else "")] += walk_ins
        for (audience, commune), number in sorted(totals.items()):
            if number:
                row = (period, str(event.pk), event.kind, departement, commune, audience, number)
                for name, value in zip(AUDIENCE_COLUMNS, row, strict=True):
                    columns[name].append(value)
    return pa.table(
        {
            name: pa.array(values, pa.int64() if name == "participants" else pa.string())
            for name, values in columns.items()
        }
    )


INDICATORS = (
    "EVENTS_HELD",
    "EVENT_PARTICIPANTS",
    "EVENT_PARTICIPANTS_CITIZENS",
    "EVENT_PARTICIPANTS_PROFESSIONALS",
    "EVENT_PARTICIPANTS_ELECTED",
    "ACTIVATION_CITIZENS_REACHED",
    "AMBASSADOR_ACTIVITIES",
    "AMBASSADOR_PEOPLE_REACHED",
)


def export_activity(periods: list[str] | None = None, recompute: bool = True) -> list[str]:
    """Write `event_activity` for the months given (all months with an event held by default)
    under the table's lock, then recompute the events' indicators for those months."""
    table = activity_table(periods)
    audiences = audience_table(periods)
    ambassador_table = ambassadors.activity_table(periods)
    written = sorted(
        set(periods or [])
        | set(table.column("period").to_pylist())
        | set(ambassador_table.column("period").to_pylist())
    )
    if not written:
        return []
    catalogue = definitions()
    tables = ["event_activity", "event_audiences", "ambassador_activity"]
    with jobs.staging_lock(tables, "Événements tenus et activités des ambassadeurs"):
        store = StagingStore(settings.STAGING_DIR)
        store.write("event_activity", table, written)
        store.write("event_audiences", audiences, written)
        store.write("ambassador_activity", ambassador_table, written)
        codes = [code for code in INDICATORS if code in catalogue]
        if recompute and codes:
            compute_and_store(periods=written, codes=codes)
    return written


def enqueue_refresh(event: Event, user=None):
    """After an event is held or its attendance recorded: its month's figures, in the
    background once the change has committed (one waiting refresh per month is enough)."""
    period = timezone.localtime(event.starts_at).strftime("%Y-%m")
    return enqueue_refresh_period(period, user, event.territory)


def enqueue_refresh_period(period: str, user=None, territory=None):
    """The month's events and ambassadors' figures, restaged and recomputed in the background
    (an ambassador's activity logged, an event held)."""
    subject = f"events:{period}"
    if Job.objects.filter(subject=subject, status=JobStatus.QUEUED).exists():
        return None
    return jobs.submit(
        "capsante.events.tasks.refresh_event_indicators",
        kind="events",
        label=f"Mise à jour des indicateurs des événements ({month(period)})",
        user=user,
        territory=territory,
        subject=subject,
        periods=[period],
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
