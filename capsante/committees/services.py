"""Committee logic: meetings, decisions, their conversion into roadmap actions and follow-up."""

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet

from capsante.accounts import access
from capsante.roadmaps.models import Action, ActionStatus, Objective
from capsante.roadmaps.services import update_action
from capsante.territories.models import Level, Territory

from .models import OPEN_STATUSES, Committee, Decision, Meeting


def meetings_of(territory: Territory) -> QuerySet[Meeting]:
    return Meeting.objects.filter(committee__territory=territory).select_related("committee")


def last_meeting(territory: Territory, on_or_before: dt.date | None = None) -> Meeting | None:
    """The territory's most recent meeting (of any of its committees) up to a date."""
    meetings = meetings_of(territory)
    if on_or_before:
        meetings = meetings.filter(date__lte=on_or_before)
    return meetings.order_by("-date", "-pk").first()


def previous_meeting(meeting: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(committee=meeting.committee, date__lt=meeting.date)
        .order_by("-date", "-pk")
        .first()
    )


def create_meeting(committee: Committee, **fields) -> Meeting:
    meeting = Meeting(committee=committee, **fields)
    meeting.full_clean()
    meeting.save()
    return meeting


@transaction.atomic
def add_decision(
    meeting: Meeting,
    text: str,
    owner: str,
    due_date: dt.date | None = None,
    objective: Objective | None = None,
) -> Decision:
    """Record a decision; with an objective, it also becomes an action of the roadmap."""
    decision = Decision(meeting=meeting, text=text, owner=owner, due_date=due_date)
    decision.full_clean()
    decision.save()
    if objective is not None:
        decision_to_action(decision, objective)
    return decision


@transaction.atomic
def decision_to_action(decision: Decision, objective: Objective) -> Action:
    """Put the decision on the roadmap, where the objective's actions are followed."""
    if decision.action_id:
        return decision.action
    if objective.roadmap.territory_id != decision.meeting.committee.territory_id:
        raise ValueError("L'objectif doit appartenir à la feuille de route du même territoire.")
    last = objective.actions.order_by("-order").values_list("order", flat=True).first()
    action = Action.objects.create(
        objective=objective,
        order=(last or 0) + 1,
        group="Décisions du comité",
        text=decision.text,
        owner=decision.owner,
        status=decision.status,
        start_date=decision.meeting.date,
        due_date=decision.due_date,
        note=f"Décision du {decision.meeting.committee.name}, réunion du {decision.meeting.date:%d/%m/%Y}.",
    )
    decision.action = action
    decision.save(update_fields=["action"])
    return action


@transaction.atomic
def record_follow_up(decision: Decision, meeting: Meeting, status: str, note: str) -> Decision:
    """What the committee said about a decision at a later meeting; a linked action follows."""
    if meeting.committee_id != decision.meeting.committee_id:
        raise ValueError("Le suivi se fait lors d'une réunion du même comité.")
    ActionStatus(status)  # refuses an unknown status
    decision.status = status
    decision.follow_up = note
    decision.followed_up_at = meeting
    decision.save()
    if decision.action_id and decision.action.status != status:
        update_action(decision.action, {"status": status})
    return decision


def decisions_to_follow(meeting: Meeting) -> list[Decision]:
    """Decisions of the committee's earlier meetings that are still open, or were reviewed at
    this very meeting (so the page shows what was said)."""
    earlier = Decision.objects.filter(
        meeting__committee=meeting.committee, meeting__date__lt=meeting.date
    ).select_related("meeting", "action", "followed_up_at")
    return [d for d in earlier if d.is_open or d.followed_up_at_id == meeting.pk]


def is_late(decision: Decision, on: dt.date) -> bool:
    return bool(decision.is_open and decision.due_date and decision.due_date < on)


__all__ = ["OPEN_STATUSES", "add_decision", "create_meeting", "decision_to_action"]


# --- Who reads and changes what (rules in accounts.access) ----------------------------------


def committees_for_user(user) -> QuerySet[Committee]:
    """Committees are internal to the partners: those whose scope overlaps the territory."""
    return Committee.objects.filter(access.overlapping_scope_q(user, "territory"))


def committee_for_user(user, pk: int) -> Committee:
    committee = committees_for_user(user).select_related("territory").filter(pk=pk).first()
    if committee is None:
        raise access.not_found("Comité introuvable")
    return committee


def committee_for_editor(user, pk: int) -> Committee:
    """A committee whose meetings and decisions the user may record; 404 / 403 otherwise."""
    committee = committee_for_user(user, pk)
    access.require(
        access.can_edit(user, committee.territory),
        "Vous ne pouvez pas modifier les comités de ce territoire.",
    )
    return committee


def meeting_for_user(user, pk: int, edit: bool = False) -> Meeting:
    """A meeting the user may read (or, with `edit`, change); 404 / 403 otherwise."""
    meeting = (
        Meeting.objects.select_related("committee__territory")
        .filter(pk=pk, committee__in=committees_for_user(user))
        .first()
    )
    if meeting is None:
        raise access.not_found("Réunion introuvable")
    if edit:
        access.require(
            access.can_edit(user, meeting.committee.territory),
            "Vous ne pouvez pas modifier les comités de ce territoire.",
        )
    return meeting


def editable_territories(user) -> QuerySet[Territory]:
    """Where the user may create a committee: régions and départements they edit."""
    return access.territories_where(
        user, access.EDIT_ROLES, [Level.REGION, Level.DEPARTEMENT]
    ).order_by("level", "code")
