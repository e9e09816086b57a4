"""Campaign logic: who is followed, where each structure stands, the advisers' call list, the
board's figures, and the monthly export that lets the indicator engine compute stage shares."""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from capsante.accounts import access
from capsante.establishments.models import Establishment
from capsante.indicators import disclosure
from capsante.indicators.services import compute_and_store, definitions
from capsante.jobs import services as jobs
from capsante.jobs.models import Job, JobStatus
from capsante.territories.planner import refresh_statistics
from capsante.territories.services import communes_of, covers
from capsante.ui import formats

from .models import Campaign, Contact, FollowUp, Stage

if TYPE_CHECKING:
    import pyarrow as pa

MONTH = "%Y-%m"
# Rows per INSERT when follow-ups are enrolled in bulk.
BATCH = 1000
UNDO_MINUTES = 15
FINAL_NEEDS_PROOF = (
    "L’étape finale demande un justificatif : l’adresse MSSanté utilisée, le courriel de "
    "résiliation de la ligne, le compte rendu de l’exercice…"
)


def population(campaign: Campaign) -> QuerySet[Establishment]:
    """The structures a campaign follows: active FINESS establishments of its kinds, in its territory."""
    structures = Establishment.objects.filter(
        active=True, commune__in=communes_of(campaign.territory)
    )
    kinds = Q()
    if campaign.category_groups:
        kinds |= Q(category_group__in=campaign.category_groups)
    if campaign.category_codes:
        kinds |= Q(category_code__in=campaign.category_codes)
    return structures.filter(kinds) if kinds else structures


def _set_history_date(followup: FollowUp, when: dt.datetime | None) -> None:
    # simple_history reads this attribute to date the record: a starting state dated by its survey.
    if when is not None:
        followup._history_date = when  # type: ignore[attr-defined]


@transaction.atomic
def enrol(
    campaign: Campaign,
    starting: dict[str, tuple[int, dt.datetime | None]] | None = None,
    structures: Iterable[Establishment] | None = None,
    has_mss: set[str] | None = None,
) -> int:
    """Create the follow-ups of structures not yet in the campaign, at their starting stage.

    Every structure enters at the first stage when the campaign starts, then reaches its
    starting stage on the date known for it (its survey answer, its exercise) or today: so the
    monthly series count every structure from the start, not only those already advanced.
    """
    stages = {s.order: s for s in campaign.stages.all()}
    first = min(stages)
    known = set(campaign.followups.values_list("establishment_id", flat=True))
    deadlines = dict(campaign.commune_deadlines.values_list("commune_id", "date"))
    opened = _start_of(campaign.started_on)
    entering: list[FollowUp] = []
    advancing: defaultdict[Stage, list[tuple[FollowUp, dt.datetime]]] = defaultdict(list)
    for structure in structures if structures is not None else population(campaign):
        if structure.pk in known:
            continue
        order, when = (starting or {}).get(structure.finess_et, (first, None))
        stage = stages.get(order, stages[first])
        followup = FollowUp(
            campaign=campaign,
            establishment=structure,
            stage=stages[first],
            has_mss=structure.finess_et in (has_mss or set()),
            deadline=deadlines.get(structure.commune_id, campaign.deadline),
        )
        # Entered strictly before reaching its stage: two records at the same instant would
        # leave their order to the database.
        reached = when or timezone.now()
        entered = min(d for d in (opened, reached - dt.timedelta(seconds=1)) if d is not None)
        _set_history_date(followup, entered)
        entering.append(followup)
        if stage.order != first:
            advancing[stage].append((followup, reached))
    if entering:
        _record_entries(entering, advancing)
        refresh_statistics(FollowUp, FollowUp.history.model)
    return len(entering)


def _record_entries(
    entering: list[FollowUp], advancing: dict[Stage, list[tuple[FollowUp, dt.datetime]]]
) -> None:
    """Store new follow-ups and their two history records (entered, then starting stage) in bulk.

    A campaign over a département enrols thousands of structures: saved one by one, each with
    its history record, that was most of `capsante demo`'s campaign time (bench/RESULTS.md).
    """
    FollowUp.objects.bulk_create(entering, batch_size=BATCH)
    FollowUp.history.bulk_history_create(entering, batch_size=BATCH)
    moved: list[FollowUp] = []
    for stage, followups in advancing.items():
        ids = [f.pk for f, _ in followups]
        for start in range(0, len(ids), BATCH):
            FollowUp.objects.filter(pk__in=ids[start : start + BATCH]).update(stage=stage)
        for followup, reached in followups:
            followup.stage = stage
            _set_history_date(followup, reached)
            moved.append(followup)
    FollowUp.history.bulk_history_create(moved, update=True, batch_size=BATCH)


def _start_of(day: dt.date | None) -> dt.datetime | None:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min)) if day else None


@transaction.atomic
def move(
    followup: FollowUp,
    stage: Stage,
    user,
    evidence: str = "",
    note: str = "",
    *,
    refresh: bool = True,
) -> FollowUp:
    """Record a structure's new stage; the history keeps who, when, evidence and note. The
    final stage (the fax line closed, the exercise done) asks for its proof."""
    if stage.campaign_id != followup.campaign_id:
        raise ValueError("Cette étape n'appartient pas à la campagne.")
    if stage.is_final and stage.pk != followup.stage_id and not evidence.strip():
        raise ValidationError({"evidence": FINAL_NEEDS_PROOF})
    followup.stage = stage
    followup.evidence = evidence
    followup.note = note
    if stage.mss_equipped is not None:
        followup.has_mss = stage.mss_equipped
    followup._history_user = user  # type: ignore[attr-defined]
    followup.save()
    if refresh:
        enqueue_refresh(followup.campaign, user)
    return followup


@transaction.atomic
def log_contact(followup: FollowUp, user, **fields) -> Contact:
    """Record a call, visit or mail; its next step's date becomes the structure's callback
    (a contact without one clears it)."""
    contact = Contact(
        campaign=followup.campaign, establishment=followup.establishment, user=user, **fields
    )
    contact._history_user = user  # type: ignore[attr-defined]
    contact.full_clean()
    contact.save()
    FollowUp.objects.filter(pk=followup.pk).update(
        last_contact_at=contact.created_at, callback_on=contact.next_date
    )
    return contact


def contact_for_author(user, campaign: Campaign, pk: int) -> Contact:
    """A contact its author may still take back: theirs, of this campaign, of the last
    UNDO_MINUTES minutes (the one-click "no answer" logged on the wrong line)."""
    contact = (
        Contact.objects.select_related("establishment")
        .filter(pk=pk, campaign=campaign, user=user)
        .first()
    )
    if contact is None:
        raise access.not_found("Contact introuvable")
    access.require(
        contact.created_at >= timezone.now() - dt.timedelta(minutes=UNDO_MINUTES),
        f"Un contact ne peut plus être annulé après {UNDO_MINUTES} minutes.",
    )
    return contact


@transaction.atomic
def undo_contact(user, contact: Contact) -> FollowUp | None:
    """Take back a contact: the structure's last contact and callback are those of the contact
    before it (the audit trail keeps the deletion, and who made it)."""
    followup = FollowUp.objects.filter(
        campaign=contact.campaign, establishment=contact.establishment
    ).first()
    contact._history_user = user  # type: ignore[attr-defined]
    contact.delete()
    if followup is not None:
        previous = (
            Contact.objects.filter(campaign=followup.campaign, establishment=followup.establishment)
            .order_by("-created_at", "-pk")
            .first()
        )
        FollowUp.objects.filter(pk=followup.pk).update(
            last_contact_at=previous.created_at if previous else None,
            callback_on=previous.next_date if previous else None,
        )
    return followup


@transaction.atomic
def move_many(
    followups: list[FollowUp], stage: Stage, user, evidence: str = "", note: str = ""
) -> int:
    """The same new stage for several structures of the call list (not the final stage, which
    asks for each structure's proof); one recomputation of the indicators for all."""
    if stage.is_final:
        raise ValidationError({"stage": "L’étape finale se renseigne structure par structure."})
    moved = 0
    for followup in followups:
        if followup.stage_id != stage.pk:
            move(followup, stage, user, evidence, note, refresh=False)
            moved += 1
    if moved:
        campaign = stage.campaign
        transaction.on_commit(lambda: refresh_indicators(campaign))
    return moved


def callbacks_due(followups: QuerySet[FollowUp], today: dt.date | None = None):
    """The structures to call back today or before (overdue first)."""
    today = today or timezone.localdate()
    return (
        followups.filter(callback_on__lte=today)
        .select_related("establishment__commune", "stage")
        .order_by("callback_on", "establishment__name")
    )


# --- Call list ---------------------------------------------------------------------------------


def call_list(
    campaign: Campaign,
    followups: QuerySet[FollowUp],
    *,
    stage: str = "",
    query: str = "",
    no_mss_only: bool = False,
) -> QuerySet[FollowUp]:
    """Structures not at the final stage, most urgent first: nearest deadline, no MSSanté
    mailbox, not contacted for longest."""
    rows = followups.select_related("establishment__commune", "stage")
    if stage:
        rows = rows.filter(stage__code=stage)
    else:
        rows = rows.exclude(stage=campaign.final_stage)
    if query:
        rows = rows.filter(
            Q(establishment__name__icontains=query)
            | Q(establishment__commune__name__icontains=query)
            | Q(establishment__finess_et=query)
            | Q(establishment__postal_code=query)
        )
    if no_mss_only:
        rows = rows.filter(has_mss=False)
    return rows.order_by(
        F("deadline").asc(nulls_last=True),
        "has_mss",
        F("last_contact_at").asc(nulls_first=True),
        "establishment__name",
    )


# --- Board -------------------------------------------------------------------------------------


@dataclass
class StageCount:
    stage: Stage
    count: int
    at_or_past: int
    total: int

    @property
    def share(self) -> float:
        return 100 * self.count / self.total if self.total else 0.0

    @property
    def share_at_or_past(self) -> float:
        return 100 * self.at_or_past / self.total if self.total else 0.0


def funnel(campaign: Campaign, followups: QuerySet[FollowUp]) -> list[StageCount]:
    counts = Counter(followups.values_list("stage__order", flat=True))
    total = sum(counts.values())
    stages = list(campaign.stages.all())
    return [
        StageCount(
            s, counts.get(s.order, 0), sum(n for o, n in counts.items() if o >= s.order), total
        )
        for s in stages
    ]


def by_area(campaign: Campaign, followups: QuerySet[FollowUp]) -> list[dict]:
    """Counts per stage for each EPCI (or département for a regional campaign)."""
    regional = campaign.territory.level == "region"
    key = (
        "establishment__commune__parent__name" if regional else "establishment__commune__epci__name"
    )
    table: dict[str, Counter] = defaultdict(Counter)
    for area, order in followups.values_list(key, "stage__order"):
        table[area or "—"][order] += 1
    stages = list(campaign.stages.all())
    final = stages[-1].order
    return [
        {
            "area": area,
            "counts": [counts.get(s.order, 0) for s in stages],
            "total": sum(counts.values()),
            "final_share": 100 * counts.get(final, 0) / sum(counts.values()),
        }
        for area, counts in sorted(table.items())
    ]


# --- Export for the engine ---------------------------------------------------------------------


def _month_ends(start: dt.date, end: dt.date) -> list[tuple[str, dt.datetime]]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
        months.append(
            (f"{year:04d}-{month:02d}", timezone.make_aware(dt.datetime.combine(nxt, dt.time.min)))
        )
        year, month = nxt.year, nxt.month
    return months


def status_table(campaign: Campaign, periods: Iterable[str] | None = None) -> "pa.Table":
    """Each followed structure's stage at the end of each month, from the audit history."""
    # Arrow (0.2 s to import, NumPy with it) only for the engine's export; the committee
    # report, the board and the API import this module for campaigns' progress.
    import pyarrow as pa  # lazy: see above

    today = timezone.localdate()
    start = campaign.started_on or today
    months = _month_ends(start, today)
    if periods is not None:
        wanted = set(periods)
        months = [(p, end) for p, end in months if p in wanted]
    orders = dict(campaign.stages.values_list("pk", "order"))
    records: dict[int, list[tuple[dt.datetime, int]]] = defaultdict(list)
    history = FollowUp.history.filter(campaign_id=campaign.pk).values_list(
        "id", "history_date", "stage_id", "history_type"
    )
    finess = dict(campaign.followups.values_list("pk", "establishment__finess_et"))
    for followup_id, when, stage_id, kind in history.order_by("history_date", "history_id"):
        records[followup_id].append((when, -1 if kind == "-" else orders.get(stage_id, 0)))
    columns: dict[str, list] = {"period": [], "campaign": [], "finess_et": [], "stage_order": []}
    for period, end in months:
        for followup_id, changes in records.items():
            state = [order for when, order in changes if when < end]
            if state and state[-1] > 0 and followup_id in finess:
                columns["period"].append(period)
                columns["campaign"].append(campaign.slug)
                columns["finess_et"].append(finess[followup_id])
                columns["stage_order"].append(state[-1])
    return pa.table(
        {
            "period": pa.array(columns["period"], pa.string()),
            "campaign": pa.array(columns["campaign"], pa.string()),
            "finess_et": pa.array(columns["finess_et"], pa.string()),
            "stage_order": pa.array(columns["stage_order"], pa.int64()),
        }
    )


def export_status(campaign: Campaign, periods: Iterable[str] | None = None) -> list[str]:
    """Write the campaign's monthly stages to staging (only this campaign's rows are replaced)."""
    from capsante.ingest.staging import StagingStore  # lazy: Arrow, as in status_table

    table = status_table(campaign, periods)
    written = sorted(set(table.column("period").to_pylist()))
    if written:
        StagingStore(settings.STAGING_DIR).write(
            "campaign_status", table, written, scope_columns=("campaign",)
        )
    return written


def refresh_indicators(campaign: Campaign, periods: Iterable[str] | None = None) -> None:
    """After a change, recompute the campaign's stage shares for the months it touched.

    Under the lock of the campaigns' staged table and of the tables its indicators read: two
    refreshes (or a refresh and an import) never write or read them half-way."""
    from capsante.ingest import contract  # lazy: Arrow, as in status_table

    periods = list(periods) if periods is not None else [timezone.localdate().strftime(MONTH)]
    catalogue = definitions()
    tables = {"campaign_status"} | {
        t for code in campaign.indicator_codes if code in catalogue for t in catalogue[code].tables
    }
    with jobs.staging_lock(
        sorted(t for t in tables if t in contract.TABLES), f"Campagne « {campaign.name} »"
    ):
        jobs.progress("export des étapes de la campagne", 0, 2, force=True)
        written = export_status(campaign, periods)
        if written and campaign.indicator_codes:
            jobs.progress("recalcul des indicateurs de la campagne", 1, 2, force=True)
            compute_and_store(periods=written, codes=campaign.indicator_codes)


def enqueue_refresh(campaign: Campaign, user=None):
    """Refresh the campaign's indicators in the background once the change has committed (one
    waiting refresh per campaign is enough: it reads the campaign as it is when it runs)."""
    subject = f"campaign:{campaign.pk}"
    if Job.objects.filter(subject=subject, status=JobStatus.QUEUED).exists():
        return None
    return jobs.submit(
        "capsante.campaigns.tasks.refresh_campaign",
        kind="campaign",
        label=f"Mise à jour des indicateurs de la campagne « {campaign.name} »",
        user=user,
        territory=campaign.territory,
        subject=subject,
        campaign_id=campaign.pk,
    )


def _final_count_at(
    campaign: Campaign, moment: dt.datetime, among: QuerySet[Establishment] | None = None
) -> tuple[int, int]:
    """(structures followed, structures at the final stage) as the history stood at `moment`;
    with `among`, only those structures."""
    final = campaign.final_stage
    last: dict[int, tuple[int | None, str]] = {}
    history = FollowUp.history.filter(campaign_id=campaign.pk, history_date__lt=moment)
    if among is not None:
        history = history.filter(establishment_id__in=among.values("pk"))
    history = history.order_by("history_date", "history_id")
    for followup_id, stage_id, kind in history.values_list("id", "stage_id", "history_type"):
        last[followup_id] = (stage_id, kind)
    alive = [stage for stage, kind in last.values() if kind != "-"]
    return len(alive), sum(1 for stage in alive if stage == final.pk)


def _share(part: int, whole: int) -> str:
    return f"{formats.number(part)} ({formats.percent(100 * part / whole)})" if whole else "—"


def campaigns_progress(territory, start: dt.date, end: dt.date) -> list[dict]:
    """For the committee report: each campaign meeting the territory, final-stage share at both ends
    of the period, from the audit history (so a later regeneration reads the same past).

    A campaign wider than the territory (the région's, in a département's committee) is counted
    on the structures located in the territory, and says so: the Mayenne's committee reads the
    Mayenne's structures, not the région's 1,321 under its own name."""

    rows = []
    located = Establishment.objects.filter(commune__in=communes_of(territory).values("pk"))
    begin = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    finish = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    for campaign in Campaign.objects.select_related("territory__parent").order_by("name"):
        wider = not covers(territory, campaign.territory)
        if wider and not covers(campaign.territory, territory):
            continue
        among = located if wider else None
        total_start, done_start = _final_count_at(campaign, begin, among)
        total_end, done_end = _final_count_at(campaign, finish, among)
        rows.append(
            {
                "Campagne": (
                    f"{campaign.name} (structures {territory.of_name})" if wider else campaign.name
                ),
                "Étape finale": campaign.final_stage.label,
                "Structures suivies": total_end,
                "Au début": _share(done_start, total_start),
                "À la fin": _share(done_end, total_end),
                "Progression": done_end - done_start,
            }
        )
    return rows


# --- Who reads and changes what (rules in accounts.access) ----------------------------------


def campaigns_for_user(user) -> QuerySet[Campaign]:
    """Campaigns are working tools: partners see those whose territory meets their scope."""
    return Campaign.objects.select_related("territory__parent").filter(
        access.overlapping_scope_q(user, "territory")
    )


def campaign_for_user(user, slug: str) -> Campaign:
    campaign = campaigns_for_user(user).filter(slug=slug).first()
    if campaign is None:
        raise access.not_found("Campagne introuvable")
    return campaign


def board_territory(user, campaign: Campaign):
    """The territory a user's board speaks of: the campaign's when it lies within their scope,
    else their scope (a Sarthe adviser on a regional campaign sees Sarthe's structures, so its
    indicators are Sarthe's too, not the région's beside a Sarthe funnel)."""
    if access.in_scope(user, campaign.territory):
        return campaign.territory
    return access.scope_of(user) or campaign.territory


def followups_for_user(user, campaign: Campaign) -> QuerySet[FollowUp]:
    """The follow-ups of the structures located in the user's scope."""
    followups = campaign.followups.all()
    if access.in_scope(user, campaign.territory):
        return followups  # the whole campaign lies within the scope: no filter to pay for
    return followups.filter(access.within_scope_q(user, "establishment__commune"))


def followup_for_contributor(user, campaign: Campaign, finess_et: str) -> FollowUp:
    """A follow-up the user may update: 404 outside their scope, 403 without a contributing role."""
    followup = (
        followups_for_user(user, campaign)
        .select_related("establishment__commune", "stage")
        .filter(establishment__finess_et=finess_et)
        .first()
    )
    if followup is None:
        raise access.not_found("Structure introuvable dans votre périmètre")
    access.require(
        access.can_contribute(user, followup.establishment.commune),
        "Votre rôle ne permet pas de mettre à jour le suivi des structures.",
    )
    return followup


def figures_disclosed(user, campaign: Campaign) -> bool:
    """A campaign's counts by stage speak of named establishments as finely as its territory:
    public at département and région level, finer for the partners whose scope holds it
    (the rule of structure-counted indicators, indicators.disclosure)."""
    return not disclosure.withholds_counts(user, campaign.territory)


def campaigns_readable(user) -> QuerySet[Campaign]:
    """Campaigns whose figures are public, and those the partners follow (overlapping their
    scope; see `campaigns_for_user`)."""
    campaigns = Campaign.objects.select_related("territory__parent", "owner")
    followed = access.overlapping_scope_q(user, "territory")
    if not followed:
        return campaigns  # all of France (an empty Q would vanish from the OR below)
    return campaigns.filter(Q(territory__level__in=list(disclosure.PUBLIC_LEVELS)) | followed)


def campaign_readable(user, slug: str) -> Campaign:
    campaign = campaigns_readable(user).filter(slug=slug).first()
    if campaign is None:
        raise access.not_found("Campagne introuvable")
    return campaign
