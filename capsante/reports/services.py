"""Reports as plain functions: the roadmap document, committee reports from dated snapshots,
scheduled mailings. Views and commands only call these."""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from capsante.accounts import access
from capsante.committees.services import last_meeting
from capsante.roadmaps.models import Roadmap
from capsante.territories.models import Territory
from capsante.ui.formats import month, plural

from . import committee_render, committee_report, publication, roadmap_document
from .models import Frequency, ReportKind, ReportSnapshot, ScheduledReport

FORMATS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
}
DEFAULT_RANGE_DAYS = 90
logger = logging.getLogger(__name__)


class ReportError(Exception):
    """A report that cannot be made, with a message for the user (in French)."""


def format_of(filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in FORMATS:
        raise ReportError(
            f"Format de fichier inconnu : « .{suffix} » (attendu : {', '.join('.' + f for f in FORMATS)})."
        )
    return suffix


# --- The roadmap document ---------------------------------------------------------------------


def roadmap_of(territory: Territory, period: str | None = None) -> Roadmap:
    roadmaps = Roadmap.objects.filter(territory=territory).order_by("-period_start")
    if period:
        start, _, end = period.partition("-")
        roadmaps = roadmaps.filter(period_start=start, period_end=end or start)
    roadmap = roadmaps.first()
    if roadmap is None:
        raise ReportError(f"Aucune feuille de route pour {territory.name} ({territory.code}).")
    return roadmap


def has_roadmap(territory: Territory) -> bool:
    return Roadmap.objects.filter(territory=territory).exists()


def roadmap_report(roadmap: Roadmap, fmt: str = "pdf", refresh: bool = False) -> bytes:
    """The roadmap document; in PDF, its edition kept while unchanged, unless `refresh`."""
    if fmt == "html":
        return roadmap_document.roadmap_html(roadmap).encode()
    if fmt == "pdf":
        return roadmap_document.edition(roadmap, refresh=refresh)
    raise ReportError("La feuille de route s’exporte en PDF ou en HTML.")


@dataclass(frozen=True)
class EditionsRefreshed:
    laid_out: list[str]  # the roadmaps' territories, by name
    unchanged: int

    @property
    def summary(self) -> str:
        if not self.laid_out and not self.unchanged:
            return (
                "Aucun document de feuille de route n’a encore été demandé : rien à mettre à jour."
            )
        parts = []
        if self.laid_out:
            laid_out = plural(
                len(self.laid_out), "document remis en page", "documents remis en page"
            )
            parts.append(f"{laid_out} ({', '.join(self.laid_out)})")
        if self.unchanged:
            parts.append(plural(self.unchanged, "document inchangé", "documents inchangés"))
        return f"Feuilles de route : {', '.join(parts)}."


def refresh_roadmap_editions(
    every: bool = False, progress=lambda done, total: None
) -> EditionsRefreshed:
    """Lay out again each roadmap document whose kept edition no longer shows what the
    document would (decision 0051): those asked for at least once, or `every` roadmap's."""
    kept = publication.kept_roadmap_editions()
    roadmaps = [
        roadmap
        for roadmap in Roadmap.objects.select_related("territory").order_by("territory__code")
        if every or roadmap_document.edition_name(roadmap) in kept
    ]
    laid_out, unchanged = [], 0
    for done, roadmap in enumerate(roadmaps):
        progress(done, len(roadmaps))
        if roadmap_document.refresh_edition(roadmap):
            laid_out.append(f"{roadmap.territory.name} {roadmap.period_label}")
        else:
            unchanged += 1
    progress(len(roadmaps), len(roadmaps))
    return EditionsRefreshed(laid_out, unchanged)


def roadmap_filename(roadmap: Roadmap, fmt: str) -> str:
    """« feuille-de-route-72-2025-2026.pdf »: the name its edition is kept under."""
    return f"{roadmap_document.edition_name(roadmap)}.{fmt}"


# --- Committee reports and their snapshots ----------------------------------------------------


def default_range(territory: Territory, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """Since the territory's last committee meeting (or the last 90 days), up to today."""

    today = today or timezone.localdate()
    last = last_meeting(territory, today)
    start = last.date if last else today - dt.timedelta(days=DEFAULT_RANGE_DAYS)
    return start, today


def generate_snapshot(
    territory: Territory,
    start: dt.date,
    end: dt.date,
    kind: str = ReportKind.COMMITTEE,
    user=None,
) -> ReportSnapshot:
    if end < start:
        raise ReportError("La date de fin précède la date de début.")
    data = committee_report.build(territory, start, end, kind=kind)
    return ReportSnapshot.objects.create(
        kind=kind,
        territory=territory,
        start=start,
        end=end,
        as_of=dt.date.fromisoformat(data["as_of"]),
        generated_by=user if getattr(user, "is_authenticated", False) else None,
        data=data,
    )


def snapshot_for(
    territory: Territory,
    start: dt.date,
    end: dt.date,
    kind: str = ReportKind.COMMITTEE,
    refresh: bool = False,
    user=None,
) -> tuple[ReportSnapshot, bool]:
    """The report's snapshot: the latest one for the same territory and dates, so that asking
    again gives the same figures; a new one when there is none or when `refresh` asks for it."""
    if not refresh:
        existing = ReportSnapshot.objects.filter(
            kind=kind, territory=territory, start=start, end=end
        ).first()
        if existing:
            return existing, False
    return generate_snapshot(territory, start, end, kind, user), True


def render_snapshot(snapshot: ReportSnapshot, fmt: str) -> bytes:
    if fmt == "pdf":
        return committee_render.to_pdf(snapshot.data, snapshot.pk)
    if fmt == "docx":
        return committee_render.to_docx(snapshot.data, snapshot.pk)
    if fmt == "html":
        return committee_render.to_html(snapshot.data, snapshot.pk).encode()
    raise ReportError("Le rapport de comité s’exporte en PDF, DOCX ou HTML.")


def snapshot_filename(snapshot: ReportSnapshot, fmt: str) -> str:
    kind = "rapport-comite" if snapshot.kind == ReportKind.COMMITTEE else "synthese"
    return f"{kind}-{snapshot.territory.code}-{snapshot.start:%Y%m%d}-{snapshot.end:%Y%m%d}-n{snapshot.pk}.{fmt}"


# --- Scheduled reports ------------------------------------------------------------------------


@dataclass
class Period:
    key: str  # 2026-11 or 2026-W47
    label: str
    start: dt.date
    end: dt.date


def last_complete_period(frequency: str, today: dt.date) -> Period:
    """The period that has just ended: last calendar month, or last ISO week (Monday–Sunday)."""
    if frequency == Frequency.WEEKLY:
        end = today - dt.timedelta(days=today.isoweekday())
        start = end - dt.timedelta(days=6)
        year, week, _ = start.isocalendar()
        return Period(f"{year}-W{week:02d}", f"semaine {week} de {year}", start, end)
    end = today.replace(day=1) - dt.timedelta(days=1)
    start = end.replace(day=1)
    period = start.strftime("%Y-%m")
    return Period(period, month(period), start, end)


def send_scheduled(schedule: ScheduledReport, today: dt.date | None = None) -> bool:
    """Mail the report of the period that just ended, once: a second run for the same period
    sends nothing. Returns whether a mail was sent."""
    today = today or timezone.localdate()
    period = last_complete_period(schedule.frequency, today)
    recipients = schedule.recipient_list
    if schedule.last_period == period.key or not recipients:
        return False
    snapshot, _ = snapshot_for(schedule.territory, period.start, period.end, schedule.kind)
    attachments = [
        (snapshot_filename(snapshot, "pdf"), render_snapshot(snapshot, "pdf"), FORMATS["pdf"])
    ]
    if schedule.kind == ReportKind.COMMITTEE:
        attachments.append(
            (
                snapshot_filename(snapshot, "docx"),
                render_snapshot(snapshot, "docx"),
                FORMATS["docx"],
            )
        )
    data = snapshot.data
    title = committee_render.TITLES[schedule.kind]
    body = (
        f"Bonjour,\n\nVoici {title.lower()} de {schedule.territory.name} pour la période "
        f"du {period.start:%d/%m/%Y} au {period.end:%d/%m/%Y} ({period.label}).\n\n"
        f"- {plural(len(data['indicators_moved']), 'indicateur en mouvement', 'indicateurs en mouvement')}\n"
        f"- {plural(len(data['status_changes']), 'changement de statut', 'changements de statut')}\n"
        f"- {plural(len(data['at_risk']), 'objectif chiffré à risque', 'objectifs chiffrés à risque')}\n"
        f"- {plural(len(data['actions']['completed']), 'action réalisée', 'actions réalisées')}, "
        f"{len(data['actions']['late'])} en retard\n\n"
        f"Le rapport complet est joint (instantané n° {snapshot.pk} : le régénérer redonne les mêmes chiffres).\n\n"
        "Cap e-santé — envoi programmé. Pour ne plus le recevoir, écrivez à l’équipe de votre délégation territoriale.\n"
    )
    message = EmailMessage(
        subject=f"[Cap e-santé] {title} — {schedule.territory.name} — {period.label}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        attachments=attachments,
    )
    with transaction.atomic():
        # Lock the row so that two overlapping cron runs cannot both send the same period.
        locked = ScheduledReport.objects.select_for_update().get(pk=schedule.pk)
        if locked.last_period == period.key:
            return False
        message.send()
        locked.last_period, locked.last_sent, locked.last_snapshot = (
            period.key,
            timezone.now(),
            snapshot,
        )
        locked.save(update_fields=["last_period", "last_sent", "last_snapshot"])
    schedule.refresh_from_db()
    return True


def send_due_reports(
    today: dt.date | None = None,
) -> list[tuple[ScheduledReport, bool | Exception]]:
    """Each active schedule: whether its report was sent, or the error that stopped it. One
    report that fails (a snapshot it cannot render, a refused mail…) is logged and retried at the
    next run; it does not keep the others from going."""
    results: list[tuple[ScheduledReport, bool | Exception]] = []
    for schedule in ScheduledReport.objects.filter(active=True).select_related("territory"):
        try:
            results.append((schedule, send_scheduled(schedule, today)))
        except Exception as exc:
            logger.exception("Rapport programmé « %s » non envoyé", schedule)
            results.append((schedule, exc))
    return results


# --- Who reads what (rules in accounts.access) ----------------------------------------------


def snapshots_for_user(user):
    """Committee reports are the partners' governance: those whose scope overlaps the territory."""
    return ReportSnapshot.objects.filter(access.overlapping_scope_q(user, "territory"))


def snapshot_for_user(user, pk: int) -> ReportSnapshot:
    snapshot = snapshots_for_user(user).select_related("territory").filter(pk=pk).first()
    if snapshot is None:
        raise access.not_found("Rapport introuvable")
    return snapshot
