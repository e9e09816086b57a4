"""What the difficulties add up to: counts by service, vendor, profession, territory and age
for the partners' statistics page; the median time to resolution by département and month; and
the staged table `difficulty_activity` the indicator engine reads (DIFFICULTIES_OPEN,
DIFFICULTY_RESOLUTION_DAYS), written the way the events write `event_activity`."""

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

import pyarrow as pa
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from capsante.accounts import access
from capsante.indicators.services import compute_and_store, definitions
from capsante.ingest.staging import StagingStore
from capsante.jobs import services as jobs
from capsante.jobs.models import Job, JobStatus
from capsante.roadmaps.models import Objective
from capsante.roadmaps.sections import Section
from capsante.territories.services import within

from .models import OPEN_STATUSES, Difficulty, Profession, Service, Status

INDICATORS = ("DIFFICULTIES_OPEN", "DIFFICULTY_RESOLUTION_DAYS")
STAGED_COLUMNS = ("period", "difficulty_id", "departement_code", "commune_code", "state", "days")
AGES = ("moins de 30 jours", "de 30 à 90 jours", "plus de 90 jours")
NO_VENDOR = "Autre ou non précisé"
NO_EPCI = "Commune hors EPCI connu"


@dataclass(frozen=True)
class Row:
    label: str
    count: int


def counted(difficulties: QuerySet[Difficulty]) -> QuerySet[Difficulty]:
    """A merged duplicate is counted once, in the difficulty it was merged into."""
    return difficulties.filter(duplicate_of=None)


def _rows(counter: Counter, order: list[str] | None = None) -> list[Row]:
    if order is not None:
        return [Row(label, counter[label]) for label in order if counter[label]]
    return [Row(label, n) for label, n in sorted(counter.items(), key=lambda i: (-i[1], i[0]))]


def _age(reported_at: dt.datetime, now: dt.datetime) -> str:
    days = (now - reported_at).days
    return AGES[0] if days < 30 else AGES[1] if days <= 90 else AGES[2]


def breakdowns(difficulties: QuerySet[Difficulty], now: dt.datetime | None = None) -> dict:
    """{dimension: [Row]} over the difficulties given (duplicates left out): every status for
    service, vendor, profession and territory; the open ones only for their age."""
    now = now or timezone.now()
    services, vendors, professions, territories, epcis, ages = (Counter() for _ in range(6))
    statuses = Counter()
    labels = {"service": dict(Service.choices), "profession": dict(Profession.choices)}
    rows = counted(difficulties).values_list(
        "service",
        "product__vendor__name",
        "profession",
        "territory__name",
        "commune__epci__name",
        "status",
        "reported_at",
    )
    for service, vendor, profession, territory, epci, status, reported_at in rows:
        services[str(labels["service"][service])] += 1
        vendors[vendor or NO_VENDOR] += 1
        professions[str(labels["profession"][profession])] += 1
        territories[territory] += 1
        epcis[epci or NO_EPCI] += 1
        statuses[str(Status(status).label)] += 1
        if status in OPEN_STATUSES:
            ages[_age(reported_at, now)] += 1
    return {
        "service": _rows(services),
        "vendor": _rows(vendors),
        "profession": _rows(professions),
        "territory": _rows(territories),
        "epci": _rows(epcis),
        "age": _rows(ages, list(AGES)),
        "status": _rows(statuses, [str(s.label) for s in Status]),
    }


def _period(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m")


def _days(difficulty: Difficulty) -> float:
    return round((difficulty.closed_at - difficulty.reported_at).total_seconds() / 86400, 1)


@dataclass(frozen=True)
class MonthRow:
    territory: str
    period: str
    opened: int
    open_at_end: int
    resolved: int
    median_days: float | None


def by_month(difficulties: QuerySet[Difficulty], now: dt.datetime | None = None) -> list[MonthRow]:
    """Per département and month (Paris time): difficulties reported, still open at the month's
    end (now, for the current month), resolved, and the median days it took to resolve them."""
    now = now or timezone.now()
    opened: Counter = Counter()
    open_at_end: Counter = Counter()
    days: dict[tuple[str, str], list[float]] = defaultdict(list)
    for d in counted(difficulties).select_related("territory"):
        name = d.territory.name
        opened[(name, _period(d.reported_at))] += 1
        for period in _open_months(d, now):
            open_at_end[(name, period)] += 1
        if d.status == Status.RESOLVED and d.closed_at:
            days[(name, _period(d.closed_at))].append(_days(d))
    keys = sorted(set(opened) | set(open_at_end) | set(days), key=lambda k: (k[0], k[1]))
    return [
        MonthRow(
            territory,
            period,
            opened[(territory, period)],
            open_at_end[(territory, period)],
            len(days[(territory, period)]),
            statistics.median(days[(territory, period)]) if days[(territory, period)] else None,
        )
        for territory, period in keys
    ]


def _months(first: str, last: str) -> list[str]:
    year, month = map(int, first.split("-"))
    found = []
    while f"{year:04d}-{month:02d}" <= last:
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def _open_months(difficulty: Difficulty, now: dt.datetime) -> list[str]:
    """The months at whose end the difficulty was open (the current month: open now)."""
    start = _period(difficulty.reported_at)
    if difficulty.closed_at is None:
        return _months(start, _period(now))
    return [
        p
        for p in _months(start, _period(difficulty.closed_at))
        if p != _period(difficulty.closed_at)
    ]


def activity_table(periods: list[str] | None = None, now: dt.datetime | None = None) -> pa.Table:
    """The staged table `difficulty_activity`: a row "open" for each month at whose end a
    difficulty was open, a row "resolved" in the month it was resolved, with the days it took."""
    now = now or timezone.now()
    columns: dict[str, list] = {name: [] for name in STAGED_COLUMNS}

    def add(*values) -> None:
        for name, value in zip(STAGED_COLUMNS, values, strict=True):
            columns[name].append(value)

    rows = counted(Difficulty.objects.all()).select_related("territory", "commune")
    for d in rows.order_by("reported_at", "pk"):
        for period in _open_months(d, now):
            if periods is None or period in periods:
                add(period, str(d.pk), d.territory.code, d.commune.code, "open", None)
        if d.status == Status.RESOLVED and d.closed_at:
            period = _period(d.closed_at)
            if periods is None or period in periods:
                add(period, str(d.pk), d.territory.code, d.commune.code, "resolved", _days(d))
    return pa.table(
        {
            name: pa.array(values, pa.float64() if name == "days" else pa.string())
            for name, values in columns.items()
        }
    )


def export_activity(periods: list[str] | None = None, recompute: bool = True) -> list[str]:
    """Write `difficulty_activity` (every month since the first difficulty by default) under the
    table's lock, then recompute the difficulties' indicators for those months."""
    table = activity_table(periods)
    written = set(periods or []) | set(table.column("period").to_pylist())
    if periods is None and written:
        written |= set(_months(min(written), _period(timezone.now())))
    written_list = sorted(written)
    if not written_list:
        return []
    catalogue = definitions()
    with jobs.staging_lock(["difficulty_activity"], "Difficultés remontées"):
        StagingStore(settings.STAGING_DIR).write("difficulty_activity", table, written_list)
        codes = [code for code in INDICATORS if code in catalogue]
        if recompute and codes:
            compute_and_store(periods=written_list, codes=codes)
    return written_list


def enqueue_refresh(user=None, territory=None):
    """After a difficulty is reported, moves or is merged: the indicators follow, in the
    background once the change has committed (one waiting refresh is enough)."""
    subject = "difficulties"
    if Job.objects.filter(subject=subject, status=JobStatus.QUEUED).exists():
        return None
    return jobs.submit(
        "capsante.difficulties.tasks.refresh_difficulty_indicators",
        kind="difficulties",
        label="Mise à jour des indicateurs des difficultés remontées",
        user=user,
        territory=territory,
        subject=subject,
    )


def objective_section(user, objective: Objective) -> Section | None:
    """On a roadmap objective that names the Sentinelle scheme (Sarthe's "ergonomics of the
    digital tools"): the public form for everyone; for partners in scope, the difficulties of
    the roadmap's territory, counted as on the statistics page."""
    text = " ".join([objective.title, objective.priority, objective.priority_detail]).lower()
    if "sentinelle" not in text:
        return None
    territory = objective.roadmap.territory
    counts = None
    if access.in_scope(user, territory):
        inside = counted(Difficulty.objects.filter(territory__in=within(territory).values("pk")))
        counts = {
            "total": inside.count(),
            "open": inside.filter(status__in=OPEN_STATUSES).count(),
            "resolved": inside.filter(status=Status.RESOLVED).count(),
        }
    return Section("difficulties/objective_section.html", {"counts": counts})
