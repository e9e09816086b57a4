"""Imports as background jobs: the upload's job, the recompute left undone by a crash, and what
recovery and a retry do for an import (docs/decisions/0010)."""

import datetime as dt
import time
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from capsante.indicators.services import recompute_after_import
from capsante.ingest import registry
from capsante.jobs import services as jobs
from capsante.jobs.models import Job

from . import services
from .models import ImportRecord, ImportStatus

# An upload whose import was interrupted waits this long for a retry, then is deleted: it may
# hold identities (NIR, names, birth dates).
UPLOAD_KEPT_FOR_RETRY = dt.timedelta(hours=24)


@jobs.job_task("import")
def import_uploaded_file(record_id: int, path: str) -> str:
    return services.outcome(services.run_uploaded_import(record_id, path))


@jobs.job_task("recompute")
def recompute_import(record_id: int) -> str:
    """Recompute what an import feeds, under the same locks as the import itself."""
    record = ImportRecord.objects.get(pk=record_id)
    tables = services.locked_tables(registry.get(record.source))
    with jobs.staging_lock(tables, f"Recalcul après l'import n° {record.pk}"):
        jobs.progress("recalcul des indicateurs", 0, 1, force=True)
        run = recompute_after_import(record)
    ImportRecord.objects.filter(pk=record.pk).update(
        message="Import terminé ; recalcul des indicateurs fait après la reprise."
    )
    if run is None:
        return "Aucun indicateur ne lit cette source."
    return f"{run.counts}."


def enqueue_upload(record: ImportRecord, path: Path | str, *, retry_of: Job | None = None) -> Job:
    """Queue the import of an uploaded file; the file stays until the job ends."""
    return jobs.submit(
        import_uploaded_file,
        kind="import",
        label=services.import_label(record),
        user=record.user,
        subject=services.subject_of(record),
        retry_of=retry_of,
        record_id=record.pk,
        path=str(path),
    )


def enqueue_recompute(record: ImportRecord, *, retry_of: Job | None = None) -> Job:
    return jobs.submit(
        recompute_import,
        kind="recompute",
        label=f"Recalcul des indicateurs après l'import n° {record.pk} ({record.source_label})",
        user=record.user,
        subject=services.subject_of(record),
        retry_of=retry_of,
        record_id=record.pk,
    )


def _interrupted(job: Job) -> str:
    """An import job found interrupted: say on its record what became of the import."""
    record = services.record_of(job)
    if record is None or job.kind != "import":
        return ""
    now = timezone.now()
    if record.source in services.NEVER_KEPT and job.arguments.get("path"):
        # An identity file (NIR, names, birth dates) is never kept waiting for a retry.
        Path(job.arguments["path"]).unlink(missing_ok=True)
    if record.written_at:
        # The write had committed: the data landed whole, only the recompute was cut short.
        with transaction.atomic():
            again = enqueue_recompute(record)
            ImportRecord.objects.filter(pk=record.pk).update(
                status=ImportStatus.IMPORTED,
                finished_at=now,
                progress_step="",
                message=(
                    "Import terminé, mais le recalcul des indicateurs a été interrompu : il est "
                    f"relancé (travail n° {again.pk})."
                ),
            )
        return "Les données de l'import étaient écrites en entier ; le recalcul est relancé."
    hint = (
        "Le fichier déposé est encore là : « Réessayer » le relance."
        if services.upload_still_there(job)
        else services.RESEND
        if job.task
        else "Relancez la commande d'import."
    )
    ImportRecord.objects.filter(pk=record.pk).update(
        status=ImportStatus.FAILED,
        finished_at=now,
        progress_step="",
        message=(
            "Échec technique — interrompu : le processus s'est arrêté pendant l'import. Rien n'a "
            f"été importé : les tables préparées sont revenues à leur état d'avant. {hint}"
        ),
    )
    return f"Rien n'a été importé. {hint}"


def _retry(job: Job, user) -> Job:
    record = services.record_of(job)
    if job.kind == "recompute" and record is not None:
        return enqueue_recompute(record, retry_of=job)
    if record is None or not job.task:
        raise jobs.CannotRetry(
            "Cet import a été lancé en ligne de commande : relancez la commande."
        )
    if not services.upload_still_there(job):
        raise jobs.CannotRetry(services.RESEND)
    with transaction.atomic():
        again = ImportRecord.objects.create(
            source=record.source,
            file_name=record.file_name,
            user=user,
            dry_run=record.dry_run,
            options=record.options,
        )
        ImportRecord.objects.filter(pk=record.pk).update(
            message=(
                "Échec technique — interrompu : le processus s'est arrêté pendant l'import ; rien "
                f"n'avait été importé. Le même fichier a été relancé : import n° {again.pk}."
            )
        )
        return enqueue_upload(again, job.arguments["path"], retry_of=job)


def _orphans() -> int:
    """Records left "en cours" with no job at work on them (a process stopped before jobs
    existed, or killed between the two): closed as interrupted. Then uploads abandoned after an
    interruption are deleted once the time allowed for a retry has passed."""
    active = jobs.active_subjects("import:")
    stale = [
        r
        for r in ImportRecord.objects.filter(status__in=(ImportStatus.QUEUED, ImportStatus.RUNNING))
        if services.subject_of(r) not in active
    ]
    for record in stale:
        ImportRecord.objects.filter(pk=record.pk).update(
            status=ImportStatus.FAILED,
            finished_at=timezone.now(),
            progress_step="",
            message="Échec technique — interrompu : cet import ne s'est pas terminé. Rien n'a "
            "été importé. Déposez le fichier à nouveau.",
        )
    waiting = {
        str(Path(p))
        for p in Job.objects.filter(kind="import", status__in=jobs.ACTIVE).values_list(
            "arguments__path", flat=True
        )
        if p
    }
    limit = time.time() - UPLOAD_KEPT_FOR_RETRY.total_seconds()
    directory = Path(settings.UPLOAD_TEMP_DIR)
    for path in directory.iterdir() if directory.is_dir() else []:
        if path.is_file() and str(path) not in waiting and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
    return len(stale)


jobs.register_kind(
    jobs.Kind("import", "Import de données", on_interrupted=_interrupted, retry=_retry)
)
jobs.register_kind(jobs.Kind("recompute", "Recalcul des indicateurs", retry=_retry))
jobs.RECOVERIES.append(_orphans)
