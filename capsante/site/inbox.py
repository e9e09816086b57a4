"""A person's tasks, across the domains: values to validate, callbacks due, late actions of
their roadmap, imports in error, targets off track. Each domain's getter decides what the
person may see; this module only gathers."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from capsante.accounts import access
from capsante.campaigns import services as campaigns
from capsante.campaigns.models import FollowUp
from capsante.imports.models import ImportRecord, ImportStatus
from capsante.imports.services import imports_for_user
from capsante.indicators import services as indicators
from capsante.indicators.models import ManualEntry, ManualStatus, Target
from capsante.roadmaps.models import Action
from capsante.roadmaps.services import visible_roadmaps
from capsante.roadmaps.targets import late_actions

RECENT_DAYS = 30
ALERT_STATUSES = ("hors_trajectoire", "a_surveiller")
LIMIT = 50


@dataclass
class Inbox:
    to_review: list[ManualEntry] = field(default_factory=list)
    rejected: list[ManualEntry] = field(default_factory=list)
    callbacks: list[tuple] = field(default_factory=list)  # (campaign, follow-up)
    late: list[Action] = field(default_factory=list)
    failed_imports: list[ImportRecord] = field(default_factory=list)
    alerts: list[Target] = field(default_factory=list)
    today: dt.date = field(default_factory=timezone.localdate)

    @property
    def count(self) -> int:
        return sum(
            len(x)
            for x in (
                self.to_review,
                self.rejected,
                self.callbacks,
                self.late,
                self.failed_imports,
                self.alerts,
            )
        )


def _entries(user) -> tuple[list[ManualEntry], list[ManualEntry]]:
    entries = indicators.entries_for_user(user).select_related(
        "indicator", "territory__parent__parent", "proposed_by", "reviewed_by"
    )
    to_review = [
        e
        for e in entries.filter(status=ManualStatus.PROPOSED)
        if not indicators.review_refusal(user, e)
    ]
    since = timezone.now() - dt.timedelta(days=RECENT_DAYS)
    rejected = list(
        entries.filter(status=ManualStatus.REJECTED, proposed_by=user, reviewed_at__gte=since)
    )
    return to_review[:LIMIT], rejected[:LIMIT]


def _callbacks(user, today: dt.date) -> list[tuple]:
    found = []
    for campaign in campaigns.campaigns_for_user(user):
        followups: QuerySet[FollowUp] = campaigns.followups_for_user(user, campaign)
        for followup in campaigns.callbacks_due(followups, today)[:LIMIT]:
            commune = followup.establishment.commune
            if commune is not None and access.can_contribute(user, commune):
                found.append((campaign, followup))
    return sorted(found, key=lambda pair: pair[1].callback_on)[:LIMIT]


def _late(user, today: dt.date) -> list[Action]:
    roadmaps = [
        r
        for r in visible_roadmaps(user).select_related("territory")
        if access.can_edit(user, r.territory)
    ]
    actions = Action.objects.filter(objective__roadmap__in=roadmaps)
    return list(
        late_actions(actions, today)
        .select_related("objective__roadmap")
        .order_by("due_date", "pk")[:LIMIT]
    )


def _failed_imports(user) -> list[ImportRecord]:
    since = timezone.now() - dt.timedelta(days=RECENT_DAYS)
    records = imports_for_user(user).filter(
        status__in=[ImportStatus.REFUSED, ImportStatus.FAILED], created_at__gte=since
    )
    if not access.can_administer(user):
        records = records.filter(user=user)
    return list(records.select_related("user")[:LIMIT])


def _alerts(user) -> list[Target]:
    targets = access.within_scope(user, Target.objects.all(), "territory")
    return list(
        targets.filter(status__in=ALERT_STATUSES)
        .select_related("indicator", "territory")
        .order_by("-status", "indicator__order")[:LIMIT]
    )


def inbox_for(user, today: dt.date | None = None) -> Inbox:
    """The tasks of a partner (anyone else has none)."""
    access.require_partner(user)
    today = today or timezone.localdate()
    to_review, rejected = _entries(user)
    return Inbox(
        to_review=to_review,
        rejected=rejected,
        callbacks=_callbacks(user, today),
        late=_late(user, today),
        failed_imports=_failed_imports(user),
        alerts=_alerts(user),
        today=today,
    )
