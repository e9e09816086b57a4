"""The ambassadors of Mon espace santé: people trained to inform and support the public (France
Services agents, digital mediators, volunteers), their activity (information desks, workshops
co-hosted, one-to-one mediation) and what it adds up to, as a staged table for the indicators.

Names and addresses are personal data: read only by the partners whose scope holds the
ambassador's département, never published; erased `CAPSANTE_AMBASSADORS_RETENTION_MONTHS`
months after the person left the network, their activities staying without a name.
"""

import datetime as dt
from collections import defaultdict

import pyarrow as pa
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from capsante.accounts import access
from capsante.territories.models import Level, Territory

from .models import Ambassador, AmbassadorActivity, AmbassadorStatus

ACTIVITY_COLUMNS = ("period", "departement_code", "commune_code", "kind", "activities", "people")
# The directory's figures: the activity of the last twelve months.
RECENT_DAYS = 365


def visible_ambassadors(user) -> QuerySet[Ambassador]:
    """The ambassadors of the départements in the user's scope; nothing for a visitor."""
    access.require_partner(user)
    return access.within_scope(user, Ambassador.objects.all()).select_related(
        "territory", "commune"
    )


def directory(user, since: dt.date | None = None) -> QuerySet[Ambassador]:
    """The directory, with each ambassador's activities and people reached since `since`."""
    since = since or timezone.localdate() - dt.timedelta(days=RECENT_DAYS)
    recent = Q(activities__date__gte=since)
    # Django leaves the model's ordering out of a query that groups: say it again, or the pages
    # of the directory could show someone twice and miss someone else.
    return (
        visible_ambassadors(user)
        .annotate(
            recent_activities=Count("activities", filter=recent),
            recent_people=Sum("activities__people", filter=recent),
        )
        .order_by("name", "pk")
    )


def ambassador_for_reader(user, pk: int) -> Ambassador:
    ambassador = visible_ambassadors(user).filter(pk=pk).first()
    if ambassador is None:
        raise access.not_found("Ambassadeur introuvable")
    return ambassador


def can_log(user, ambassador: Ambassador) -> bool:
    """Contributors, editors and admins of the département log its ambassadors' activity."""
    return access.can_contribute(user, ambassador.territory)


def manageable_departements(user) -> QuerySet[Territory]:
    """Where the user may add ambassadors: the départements they edit."""
    return access.territories_where(user, access.EDIT_ROLES, [Level.DEPARTEMENT]).order_by("code")


@transaction.atomic
def log_activity(
    ambassador: Ambassador,
    *,
    kind: str,
    date: dt.date,
    people: int,
    commune: Territory | None = None,
    note: str = "",
) -> AmbassadorActivity:
    activity = AmbassadorActivity(
        ambassador=ambassador,
        territory=ambassador.territory,
        commune=commune or ambassador.commune,
        kind=kind,
        date=date,
        people=people,
        note=note.strip(),
    )
    activity.full_clean()
    activity.save()
    return activity


def totals_by_kind(ambassador: Ambassador) -> list[tuple[str, int, int]]:
    """(kind's label, activities, people) of an ambassador, all time."""
    rows = (
        ambassador.activities.values("kind")
        .annotate(activities=Count("pk"), people=Sum("people"))
        .order_by("kind")
    )
    labels = dict(AmbassadorActivity._meta.get_field("kind").choices)
    return [(str(labels[r["kind"]]), r["activities"], r["people"] or 0) for r in rows]


# --- The staged table -----------------------------------------------------------------------


def activity_table(periods: list[str] | None = None) -> pa.Table:
    """The staged table `ambassador_activity`: activities and people reached per month,
    commune and kind (whether the ambassador is still named or not)."""
    totals: dict[tuple[str, str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    rows = AmbassadorActivity.objects.select_related("territory", "commune").values_list(
        "date", "territory__code", "commune__code", "kind", "people"
    )
    for date, departement, commune, kind, people in rows:
        period = date.strftime("%Y-%m")
        if periods is not None and period not in periods:
            continue
        key = (period, departement, commune, kind)
        totals[key][0] += 1
        totals[key][1] += people
    columns: dict[str, list] = {name: [] for name in ACTIVITY_COLUMNS}
    for key, (activities, people) in sorted(totals.items()):
        for name, value in zip(ACTIVITY_COLUMNS, (*key, activities, people), strict=True):
            columns[name].append(value)
    return pa.table(
        {
            name: pa.array(values, pa.int64() if name in ("activities", "people") else pa.string())
            for name, values in columns.items()
        }
    )


def activity_periods() -> list[str]:
    dates = AmbassadorActivity.objects.dates("date", "month")
    return [d.strftime("%Y-%m") for d in dates]


# --- Retention ------------------------------------------------------------------------------


def purge_ambassadors(today: dt.date | None = None, months: int | None = None) -> int:
    """Erase the ambassadors who left the network more than `months` months ago (the setting
    by default); their activities stay, without a name. Returns how many were erased."""
    today = today or timezone.localdate()
    months = settings.AMBASSADORS_RETENTION_MONTHS if months is None else months
    index = today.year * 12 + today.month - 1 - months
    cutoff = dt.date(index // 12, index % 12 + 1, 1)
    gone = Ambassador.objects.filter(status=AmbassadorStatus.LEFT, left_on__lt=cutoff)
    return gone.delete()[1].get("events.Ambassador", 0)
