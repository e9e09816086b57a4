"""The directory's rules: who reads and edits which resource, an import's plan against the
database, freshness (verification, owners' reminders) and error reports.

Rules in words (decided through `accounts.access`):
- everyone reads the published resources; partners also read the unpublished ones of their scope;
- contributors, editors and regional admins in scope create and edit resources; a resource's
  owner edits it wherever it lies;
- a resource not verified for six months is flagged to the partners and its owner is reminded
  by e-mail (`capsante directory_reminders`, by cron or by the job queue);
- anyone may report an error on a published resource (a few reports an hour per sender); the
  owner, or else the partners in scope, are told; the reporter's address is erased once the
  report is dealt with, and after `DIRECTORY_REPORT_RETENTION_DAYS` whatever happens.
"""

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyarrow as pa
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from capsante.accounts import access
from capsante.accounts.models import Profile, Role
from capsante.ingest.connectors.directory import vocabulary
from capsante.ingest.connectors.directory.parser import from_table
from capsante.outbox.services import queue_mail
from capsante.territories.models import Level, Territory
from capsante.territories.planner import refresh_statistics
from capsante.ui.formats import plural

from .models import STALE_AFTER, ErrorReport, Resource

# The fields an imported file sets; the others (owner, publication, reminders) stay as they are.
IMPORTED_FIELDS = (
    "name",
    "kind",
    "description",
    "services",
    "specialties",
    "audiences",
    "address",
    "address_complement",
    "postal_code",
    "commune_id",
    "territory_id",
    "departement_code",
    "latitude",
    "longitude",
    "opening_hours",
    "phone",
    "email",
    "website",
    "accessibility_url",
    "appointment_url",
    "zone",
    "siret",
    "verified_on",
)
REPORTS_PER_SENDER_PER_HOUR = 5
REPORTS_PER_RESOURCE_PER_DAY = 20


# --- Who reads and edits what ----------------------------------------------------------------


def published() -> QuerySet[Resource]:
    return Resource.objects.filter(published=True)


def readable_resources(user) -> QuerySet[Resource]:
    return access.published_or_in_scope(user, Resource.objects.all(), Q(published=True))


def resource_for_user(user, pk: int) -> Resource:
    resource = (
        readable_resources(user).select_related("commune", "territory", "owner").filter(pk=pk)
    ).first()
    if resource is None:
        raise access.not_found("Ressource introuvable")
    return resource


def can_edit(user, resource: Resource) -> bool:
    if access.is_superuser(user):
        return True
    if resource.owner_id is not None and resource.owner_id == getattr(user, "pk", None):
        return True
    return resource.territory is not None and access.can_contribute(user, resource.territory)


def resource_to_edit(user, pk: int) -> Resource:
    access.require_partner(user)
    resource = resource_for_user(user, pk)
    access.require(can_edit(user, resource), "Votre rôle ne permet pas de modifier cette fiche.")
    return resource


def managed_resources(user) -> QuerySet[Resource]:
    """The resources a partner looks after: those of their scope and those they own."""
    access.require_partner(user)
    if access.is_superuser(user):
        return Resource.objects.all()
    in_scope = access.within_scope_q(user, "territory")
    return Resource.objects.filter(in_scope | Q(owner=user))


def creatable_territories(user) -> QuerySet[Territory]:
    """Communes, départements and régions where the user may create a resource."""
    return access.territories_where(
        user, access.CONTRIBUTE_ROLES, [Level.COMMUNE, Level.DEPARTEMENT, Level.REGION]
    )


def assignable_owners(user) -> QuerySet:
    """Accounts that may be named owner of a resource: partners sharing the user's scope."""
    users = get_user_model().objects.filter(is_active=True, profile__isnull=False)
    if access.is_superuser(user):
        return users.order_by("last_name", "username")
    scope_q = access.overlapping_scope_q(user, "profile__scope")
    return users.filter(scope_q | Q(profile__scope__isnull=True) | Q(pk=user.pk)).order_by(
        "last_name", "username"
    )


# --- Where a resource belongs ----------------------------------------------------------------


def territory_for(commune: Territory | None, zone: list[str]) -> Territory | None:
    """The commune; else the département the zone names, or the région holding all of the
    zone's départements; else none (a national resource)."""
    if commune is not None:
        return commune
    departements = list(
        Territory.objects.filter(level=Level.DEPARTEMENT, code__in=zone).select_related("parent")
    )
    if len(departements) == 1:
        return departements[0]
    regions = {d.parent_id for d in departements}
    if departements and len(regions) == 1 and departements[0].parent is not None:
        return departements[0].parent
    return None


def departement_code_of(commune: Territory | None) -> str:
    return vocabulary.departement_of(commune.code) if commune is not None else ""


# --- Imports: a file's plan against the database ---------------------------------------------


class ResourcePlan(tuple):
    """(to add, to change, to withdraw) — the shape the import service counts — and `apply`."""

    def apply(self, import_record=None) -> None:
        to_add, to_change, to_remove = self
        for values in to_add:
            Resource.objects.create(**values)
        for resource, wanted in to_change:
            for name, value in wanted.items():
                setattr(resource, name, value)
            resource.published = True
            resource.save()
        for resource in to_remove:
            resource.published = False
            resource.save()
        if to_add:
            refresh_statistics(Resource)


def _commune_lookup(rows: list[dict]) -> dict[str, Territory]:
    codes = {row["commune_code"] for row in rows if row["commune_code"]}
    return {t.code: t for t in Territory.objects.filter(level=Level.COMMUNE, code__in=codes)}


def _wanted(row: dict, communes: dict[str, Territory], territories: dict) -> dict:
    commune = communes.get(row["commune_code"])
    key = (row["commune_code"], tuple(row["zone"]))
    if key not in territories:
        territories[key] = territory_for(commune, row["zone"])
    territory = territories[key]
    return {
        "name": row["name"],
        "kind": row["kind"],
        "description": row["description"],
        "services": row["services"],
        "specialties": row["specialties"],
        "audiences": row["audiences"],
        "address": row["address"],
        "address_complement": row["address_complement"],
        "postal_code": row["postal_code"],
        "commune_id": commune.pk if commune else None,
        "territory_id": territory.pk if territory else None,
        "departement_code": row["departement_code"] or departement_code_of(commune),
        "latitude": row["latitude"],
        "longitude": row["longitude"],
        "opening_hours": row["opening_hours"],
        "phone": row["phone"],
        "email": row["email"],
        "website": row["website"],
        "accessibility_url": row["accessibility_url"],
        "appointment_url": row["appointment_url"],
        "zone": row["zone"],
        "siret": row["siret"],
        "verified_on": row["verified_on"],
    }


def plan_sync(table: pa.Table, *, full_extract: bool = False) -> ResourcePlan:
    """What a file would add, change and withdraw (unpublish), without writing anything.

    A file stands for its own source: it withdraws that source's resources of the départements
    it covers (all of them if it is declared a full extract), never a resource of another source
    nor one entered by hand."""
    rows = list(from_table(table))
    communes = _commune_lookup(rows)
    sources = {row["source"] for row in rows}
    existing = {
        (r.source, r.external_id): r
        for r in Resource.objects.filter(source__in=sources).select_related("territory")
    }
    territories: dict = {}
    to_add, to_change, seen = [], [], set()
    for row in rows:
        key = (row["source"], row["external_id"])
        seen.add(key)
        wanted = _wanted(row, communes, territories)
        current = existing.get(key)
        if current is None:
            to_add.append({"source": key[0], "external_id": key[1], **wanted})
        elif not current.published or any(
            getattr(current, name) != value for name, value in wanted.items()
        ):
            to_change.append((current, wanted))
    covered = {(row["source"], row["departement_code"]) for row in rows}
    to_remove = [
        resource
        for key, resource in existing.items()
        if key not in seen
        and resource.published
        and (full_extract or (resource.source, resource.departement_code) in covered)
    ]
    return ResourcePlan((to_add, to_change, to_remove))


# --- Freshness ---------------------------------------------------------------------------------


def stale_cutoff(today: dt.date | None = None) -> dt.date:
    return (today or timezone.localdate()) - STALE_AFTER


def stale(queryset: QuerySet[Resource], today: dt.date | None = None) -> QuerySet[Resource]:
    return queryset.filter(published=True, verified_on__lt=stale_cutoff(today))


def freshness_for_partner(user) -> dict | None:
    """What the partners' home page says about the resources they look after."""
    if not access.is_partner(user):
        return None
    resources = managed_resources(user)
    return {
        "stale": stale(resources).count(),
        "owned_stale": stale(resources.filter(owner=user)).count(),
        "open_reports": ErrorReport.objects.filter(
            resource__in=resources, resolved_at=None
        ).count(),
    }


@transaction.atomic
def mark_verified(resource: Resource, user) -> None:
    resource.verified_on = timezone.localdate()
    resource.reminded_on = None
    if resource.owner_id is None:
        resource.owner = user
    resource.save()


@dataclass
class ReminderRun:
    mails: int = 0
    resources: int = 0
    emails_erased: int = 0
    owners: list[str] = field(default_factory=list)


def send_reminders(
    base_url: str, today: dt.date | None = None, *, every: dt.timedelta = dt.timedelta(days=30)
) -> ReminderRun:
    """One mail per owner listing their resources not verified for six months, at most once a
    month per resource; then erase the reporters' addresses past their retention."""
    today = today or timezone.localdate()
    run = ReminderRun()
    due = (
        stale(Resource.objects.exclude(owner=None), today)
        .filter(Q(reminded_on=None) | Q(reminded_on__lte=today - every))
        .select_related("owner")
        .order_by("owner_id", "verified_on")
    )
    by_owner: dict = {}
    for resource in due:
        by_owner.setdefault(resource.owner, []).append(resource)
    for owner, resources in by_owner.items():
        if not owner.email or not owner.is_active:
            continue
        with transaction.atomic():
            lines = [
                f"- {r.name} (vérifiée le {r.verified_on:%d/%m/%Y}) : "
                f"{base_url}{reverse('directory:edit', args=[r.pk])}"
                for r in resources
            ]
            queue_mail(
                "directory_reminder",
                f"Annuaire : {plural(len(resources), 'fiche')} à vérifier",
                "Bonjour,\n\nLes fiches suivantes de l’annuaire des ressources n’ont pas été "
                "vérifiées depuis plus de six mois. Le public voit la date de la dernière "
                "vérification : merci de relire chaque fiche, de la corriger si besoin et de "
                "cliquer sur « Marquer comme vérifiée ».\n\n" + "\n".join(lines) + "\n",
                [owner.email],
            )
            Resource.objects.filter(pk__in=[r.pk for r in resources]).update(reminded_on=today)
        run.mails += 1
        run.resources += len(resources)
        run.owners.append(owner.get_username())
    run.emails_erased = erase_old_reporter_emails()
    return run


# --- Error reports ---------------------------------------------------------------------------


def sender_key(address: str) -> str:
    """A keyed hash of the sender's network address: enough to count their reports, not to
    find them."""
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


def report_refusal(resource: Resource, key: str, now: dt.datetime | None = None) -> str:
    """Why a new report is refused now (a French sentence), or "" when it is accepted.

    The limit counts the reports already stored, in the database: it holds across the server's
    processes without a shared cache (see docs/decisions/0016)."""
    now = now or timezone.now()
    recent = ErrorReport.objects.filter(sender_key=key, created_at__gte=now - dt.timedelta(hours=1))
    if recent.count() >= REPORTS_PER_SENDER_PER_HOUR:
        return (
            "Vous avez déjà envoyé plusieurs signalements dans l’heure. Merci de réessayer plus "
            "tard."
        )
    today = ErrorReport.objects.filter(
        resource=resource, created_at__gte=now - dt.timedelta(days=1)
    )
    if today.count() >= REPORTS_PER_RESOURCE_PER_DAY:
        return "Cette fiche a déjà reçu de nombreux signalements aujourd’hui : ils seront traités."
    return ""


def _recipients(resource: Resource) -> list[str]:
    """The owner; without one, the contributors, editors and admins whose scope holds it."""
    if resource.owner is not None and resource.owner.email and resource.owner.is_active:
        return [resource.owner.email]
    if resource.territory is None:
        return []
    candidates = Profile.objects.filter(
        role__in=[Role.REGIONAL_ADMIN, Role.EDITOR, Role.CONTRIBUTOR], user__is_active=True
    ).select_related("user", "scope")
    return sorted(
        {
            p.user.email
            for p in candidates
            if p.user.email and access.can_contribute(p.user, resource.territory)
        }
    )


@transaction.atomic
def report_error(
    resource: Resource, message: str, email: str, key: str, base_url: str
) -> ErrorReport:
    report = ErrorReport.objects.create(
        resource=resource, message=message.strip(), reporter_email=email.strip(), sender_key=key
    )
    recipients = _recipients(resource)
    if recipients:
        queue_mail(
            "directory_error_report",
            f"Annuaire : erreur signalée sur « {resource.name} »",
            f"Bonjour,\n\nQuelqu’un signale une erreur sur la fiche « {resource.name} » :\n\n"
            f"{report.message}\n\nLa fiche : {base_url}"
            f"{reverse('directory:edit', args=[resource.pk])}\n"
            "Une fois la fiche corrigée, marquez le signalement comme traité.\n",
            recipients,
        )
    return report


def open_reports(resources: Iterable[Resource] | QuerySet[Resource]) -> QuerySet[ErrorReport]:
    return ErrorReport.objects.filter(resource__in=resources, resolved_at=None).select_related(
        "resource"
    )


def report_to_resolve(user, pk: int) -> ErrorReport:
    access.require_partner(user)
    report = ErrorReport.objects.select_related("resource__territory").filter(pk=pk).first()
    if report is None or not managed_resources(user).filter(pk=report.resource_id).exists():
        raise access.not_found("Signalement introuvable")
    access.require(
        can_edit(user, report.resource), "Votre rôle ne permet pas de traiter ce signalement."
    )
    return report


def resolve_report(report: ErrorReport, user) -> None:
    """Dealt with: the reporter's address is no longer needed and is erased."""
    report.resolved_at = timezone.now()
    report.resolved_by = user
    report.reporter_email = ""
    report.save(update_fields=["resolved_at", "resolved_by", "reporter_email"])


def erase_old_reporter_emails(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    limit = now - dt.timedelta(days=settings.DIRECTORY_REPORT_RETENTION_DAYS)
    return (
        ErrorReport.objects.filter(created_at__lt=limit)
        .exclude(reporter_email="", sender_key="")
        .update(reporter_email="", sender_key="")
    )


# --- Owners (the demo, an admin's bulk assignment) -------------------------------------------


def assign_owner(resources: QuerySet[Resource], owner) -> int:
    return resources.filter(owner=None).update(owner=owner)


def counts_by_kind(queryset: QuerySet[Resource]) -> dict[str, int]:
    return dict(queryset.values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
