"""Field difficulties: who reads and follows which, the public report with its guards against
robots, the workflow (qualify, escalate, resolve or close; merge duplicates), the reporter told
of the resolution, and the erasure of their address. Statistics are in stats.py."""

import datetime as dt
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from capsante.accounts import access
from capsante.outbox.services import queue_mail
from capsante.territories.models import Level, Territory

from .models import (
    CLOSED_STATUSES,
    Comment,
    Difficulty,
    EscalatedTo,
    Origin,
    Product,
    ReporterContact,
    Status,
)

_STAMP_SALT = "capsante.difficulties.form"

# What may follow what: a difficulty is qualified (its blocker category said), escalated to
# whoever can solve it, then resolved, or closed without a solution at any step.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.NEW: (Status.QUALIFIED, Status.CLOSED_UNRESOLVED),
    Status.QUALIFIED: (Status.ESCALATED, Status.RESOLVED, Status.CLOSED_UNRESOLVED),
    Status.ESCALATED: (Status.QUALIFIED, Status.RESOLVED, Status.CLOSED_UNRESOLVED),
    Status.RESOLVED: (),
    Status.CLOSED_UNRESOLVED: (),
}


class WorkflowError(ValueError):
    """A change the workflow refuses; the message says why, in French."""


# --- Who reads and follows what (rules in accounts.access) -----------------------------------


def readable(user) -> QuerySet[Difficulty]:
    """Partners read the difficulties of the territories within their scope; nobody else."""
    return access.within_scope(user, Difficulty.objects.all())


def difficulty_for_reader(user, pk: int) -> Difficulty:
    difficulty = (
        readable(user)
        .select_related("territory", "commune", "product__vendor", "owner", "duplicate_of")
        .filter(pk=pk)
        .first()
    )
    if difficulty is None:
        raise access.not_found("Difficulté introuvable")
    return difficulty


def can_follow(user, difficulty: Difficulty) -> bool:
    """Advisers (contributors), editors and regional admins of its territory follow it."""
    return access.can_contribute(user, difficulty.territory)


def difficulty_for_follower(user, pk: int) -> Difficulty:
    difficulty = difficulty_for_reader(user, pk)
    access.require(
        can_follow(user, difficulty), "Votre rôle ne permet pas de suivre les difficultés."
    )
    return difficulty


def followed_territories(user) -> QuerySet[Territory]:
    """The départements where the user may record and follow difficulties."""
    return access.territories_where(user, access.CONTRIBUTE_ROLES, [Level.DEPARTEMENT]).order_by(
        "code"
    )


def owners_for(difficulty: Difficulty) -> list:
    """Who may be made responsible: the accounts that may follow the difficulty."""
    users = get_user_model().objects.filter(is_active=True).select_related("profile")
    return [
        u
        for u in users.order_by("last_name", "first_name", "username")
        if can_follow(u, difficulty)
    ]


def active_products() -> QuerySet[Product]:
    return Product.objects.filter(active=True, vendor__active=True).select_related("vendor")


# --- Against robots: the time the form took ----------------------------------------------------


def form_stamp(now: float | None = None) -> str:
    """A signed moment, written in the form when it is shown."""
    return signing.dumps(now if now is not None else time.time(), salt=_STAMP_SALT)


def filled_too_fast(stamp: str, now: float | None = None) -> bool:
    """True when the form came back sooner than a person could fill it, or without a valid
    stamp (a robot posting directly); a stamp older than a day is refused too."""
    try:
        shown = float(signing.loads(stamp or "", salt=_STAMP_SALT, max_age=86400))
    except (signing.BadSignature, TypeError, ValueError):
        return True
    now = now if now is not None else time.time()
    return now - shown < settings.DIFFICULTIES_MIN_FILL_SECONDS


# --- Reporting ---------------------------------------------------------------------------------


def departement_of(commune: Territory) -> Territory:
    territory = commune.parent
    if territory is None or territory.level != Level.DEPARTEMENT:
        raise ValueError(f"la commune {commune.code} n’a pas de département")
    return territory


@transaction.atomic
def report(
    *,
    commune: Territory,
    profession: str,
    service: str,
    description: str,
    product: Product | None = None,
    other_software: str = "",
    email: str = "",
    origin: str = Origin.PUBLIC_FORM,
    recorded_by=None,
    reported_at: dt.datetime | None = None,
) -> Difficulty:
    """Record a difficulty; the reporter's address is kept only with their consent (the form
    asks it) to tell them of the resolution."""
    difficulty = Difficulty(
        territory=departement_of(commune),
        commune=commune,
        profession=profession,
        service=service,
        product=product,
        other_software="" if product else other_software.strip(),
        description=description.strip(),
        origin=origin,
        recorded_by=recorded_by,
        reported_at=reported_at or timezone.now(),
    )
    if recorded_by is not None:
        difficulty._history_user = recorded_by
    else:
        # The trail's author column: who sent it, since no account did.
        difficulty._change_reason = str(Origin(origin).label)
    difficulty.save()
    if email.strip():
        ReporterContact.objects.create(
            difficulty=difficulty, email=email.strip(), consented_at=timezone.now()
        )
    return difficulty


# --- The workflow ------------------------------------------------------------------------------


def next_statuses(difficulty: Difficulty) -> tuple[str, ...]:
    if difficulty.duplicate_of_id:
        return ()
    return TRANSITIONS[difficulty.status]


@transaction.atomic
def follow_up(
    difficulty: Difficulty,
    user,
    *,
    status: str,
    blocker: str = "",
    escalated_to: str = "",
    owner=None,
    due_on: dt.date | None = None,
    resolution: str = "",
    comment: str = "",
    base_url: str = "",
    now: dt.datetime | None = None,
) -> Difficulty:
    """Change a difficulty's status, category, owner or due date, with an optional comment.
    Resolving it mails the reporters who asked (its own and its merged duplicates')."""
    now = now or timezone.now()
    difficulty = Difficulty.objects.select_for_update().get(pk=difficulty.pk)
    previous = difficulty.status
    if status != previous and status not in next_statuses(difficulty):
        raise WorkflowError(
            f"Une difficulté « {difficulty.get_status_display()} » ne peut pas passer à "
            f"« {Status(status).label} »."
        )
    if status in (Status.QUALIFIED, Status.ESCALATED, Status.RESOLVED) and not blocker:
        raise WorkflowError("Indiquez la catégorie de blocage pour qualifier la difficulté.")
    if status == Status.ESCALATED and not escalated_to:
        raise WorkflowError("Indiquez à qui la difficulté est escaladée.")
    if status in CLOSED_STATUSES and status != previous and not resolution.strip():
        raise WorkflowError("Indiquez la réponse apportée, ou pourquoi la difficulté est close.")
    difficulty.status = status
    difficulty.blocker = blocker
    difficulty.escalated_to = escalated_to if escalated_to in EscalatedTo.values else ""
    difficulty.owner = owner
    difficulty.due_on = due_on
    difficulty.resolution = resolution.strip()
    if status in CLOSED_STATUSES and previous not in CLOSED_STATUSES:
        difficulty.closed_at = now
    difficulty._history_user = user
    difficulty.save()
    if comment.strip():
        add_comment(difficulty, user, comment)
    if status == Status.RESOLVED and previous != Status.RESOLVED:
        notify_resolution(difficulty, base_url, now)
    return difficulty


def add_comment(difficulty: Difficulty, user, text: str) -> Comment:
    comment = Comment(difficulty=difficulty, author=user, text=text.strip())
    comment._history_user = user
    comment.save()
    return comment


@transaction.atomic
def merge(duplicate: Difficulty, kept: Difficulty, user, now: dt.datetime | None = None) -> None:
    """The duplicate points to the kept difficulty and is closed; its own duplicates follow;
    statistics count the kept one only. Its reporter is told when the kept one is resolved."""
    now = now or timezone.now()
    if duplicate.pk == kept.pk:
        raise WorkflowError("Une difficulté ne peut pas être le doublon d’elle-même.")
    if kept.duplicate_of_id:
        raise WorkflowError(
            f"La difficulté n° {kept.pk} est elle-même un doublon : choisissez "
            f"la n° {kept.duplicate_of_id}."
        )
    if duplicate.duplicate_of_id:
        raise WorkflowError(f"La difficulté n° {duplicate.pk} est déjà fusionnée.")
    if kept.territory_id != duplicate.territory_id:
        raise WorkflowError("Les deux difficultés doivent être du même département.")
    for other in duplicate.duplicates.all():
        other.duplicate_of = kept
        other._history_user = user
        other.save()
    duplicate.duplicate_of = kept
    if duplicate.status not in CLOSED_STATUSES:
        duplicate.status = Status.CLOSED_UNRESOLVED
        duplicate.closed_at = now
    duplicate.resolution = f"Doublon de la difficulté n° {kept.pk}, qui suit son cours."
    duplicate._history_user = user
    duplicate.save()
    add_comment(kept, user, f"La difficulté n° {duplicate.pk} y a été fusionnée (doublon).")


def notify_resolution(difficulty: Difficulty, base_url: str = "", now=None) -> int:
    """Mail the resolution to the reporters who gave their address (through the outbox, after
    commit); each is told once."""
    now = now or timezone.now()
    contacts = ReporterContact.objects.filter(
        Q(difficulty=difficulty) | Q(difficulty__duplicate_of=difficulty), notified_at=None
    ).select_related("difficulty")
    told = 0
    base_url = (base_url or settings.PUBLIC_URL).rstrip("/")
    for contact in contacts:
        body = render_to_string(
            "difficulties/mail/resolved.txt",
            {
                "difficulty": difficulty,
                "reported": contact.difficulty,
                "retention_days": settings.DIFFICULTIES_CONTACT_RETENTION_DAYS,
                "report_url": base_url + reverse("difficulties:report"),
            },
        )
        queue_mail(
            "difficulty_resolved",
            "Votre signalement à Cap e-santé : difficulté résolue",
            body,
            [contact.email],
        )
        contact.notified_at = now
        contact.save(update_fields=["notified_at"])
        told += 1
    return told


# --- Erasure -----------------------------------------------------------------------------------


def purge_contacts(now: dt.datetime | None = None, days: int | None = None) -> int:
    """Erase the reporters' addresses of the difficulties closed more than `days` days ago (the
    setting by default); a duplicate's address stays until the difficulty it was merged into is
    closed as long. Returns how many were erased."""
    now = now or timezone.now()
    days = settings.DIFFICULTIES_CONTACT_RETENTION_DAYS if days is None else days
    cutoff = now - dt.timedelta(days=days)
    expired = Q(
        difficulty__duplicate_of=None,
        difficulty__status__in=CLOSED_STATUSES,
        difficulty__closed_at__lt=cutoff,
    ) | Q(
        difficulty__duplicate_of__status__in=CLOSED_STATUSES,
        difficulty__duplicate_of__closed_at__lt=cutoff,
    )
    return ReporterContact.objects.filter(expired).delete()[0]
