"""What runs in the background, and who holds which staged table.

A `Job` is the platform's record of one piece of background work (an import, a recompute, a
mail batch…): what it is, who asked, its progress and outcome in French, and the process that
runs it (host, pid, process start time) so that a crash can be told from a long run. The queue
itself is django-tasks' (`django_tasks_db.DBTaskResult`); a job points to its task by id.

A `Worker` is one running `capsante worker` process, with the time of its last sign of life: the
readiness check (`/readyz`) asks whether one is there to run what the web queues.

A `StagingLock` is one row per staged table: free when its token is empty. Whoever writes a
staged table holds its row from the diff to the recompute; a row held by a process that is gone
is recovered by the next one that needs it (docs/decisions/0010).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("En attente")
    RUNNING = "running", _("En cours")
    SUCCEEDED = "succeeded", _("Terminé")
    FAILED = "failed", _("Échec")
    INTERRUPTED = "interrupted", _("Échec technique — interrompu")


ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)
RETRYABLE = (JobStatus.FAILED, JobStatus.INTERRUPTED)


class Job(models.Model):
    kind = models.CharField(_("nature"), max_length=40)
    label = models.CharField(_("libellé"), max_length=200)
    status = models.CharField(
        _("statut"), max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    # The django-tasks task: its dotted path (to enqueue it again) and the id of its result.
    task = models.CharField(_("tâche"), max_length=200, blank=True)
    task_id = models.CharField(_("identifiant dans la file"), max_length=64, blank=True)
    arguments = models.JSONField(_("arguments"), default=dict, blank=True)
    # What the job is about, as "<kind>:<pk>" (an import record…): the domain finds it back.
    subject = models.CharField(_("objet"), max_length=60, blank=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("demandé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("territoire"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("dernier signe de vie"), null=True, blank=True)
    progress_step = models.CharField(_("étape"), max_length=200, blank=True)
    progress_done = models.BigIntegerField(default=0)
    progress_total = models.BigIntegerField(default=0)
    message = models.TextField(_("message"), blank=True)
    holder_host = models.CharField(_("machine"), max_length=100, blank=True)
    holder_pid = models.IntegerField(_("processus"), null=True, blank=True)
    holder_started = models.FloatField(_("processus démarré à (s)"), null=True, blank=True)
    retry_of = models.ForeignKey(
        "self",
        verbose_name=_("relance de"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="retries",
    )

    class Meta:
        verbose_name = _("travail")
        verbose_name_plural = _("travaux")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "kind"])]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status not in ACTIVE

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 100 if self.finished else 0
        return min(100, int(100 * self.progress_done / self.progress_total))


class StagingLock(models.Model):
    table = models.CharField(_("table préparée"), max_length=64, unique=True)
    # Empty when free. The holder's token also names its staging backups (.<table>.backup-<token>).
    token = models.CharField(_("jeton"), max_length=32, blank=True)
    # Set in the same database transaction as the holder's write: after a crash, a committed
    # write is kept (its backup dropped), any other is undone from the backup.
    committed = models.BooleanField(_("écriture validée"), default=False)
    # A crashed holder's token whose files are still to be put right (set when its lock is taken
    # over, cleared once done): a recovery that itself stops half-way is finished by the next one.
    recover_token = models.CharField(max_length=32, blank=True)
    recover_committed = models.BooleanField(default=False)
    purpose = models.CharField(_("pour"), max_length=200, blank=True)
    job = models.ForeignKey(
        Job, verbose_name=_("travail"), null=True, blank=True, on_delete=models.SET_NULL
    )
    holder_host = models.CharField(_("machine"), max_length=100, blank=True)
    holder_pid = models.IntegerField(_("processus"), null=True, blank=True)
    holder_started = models.FloatField(_("processus démarré à (s)"), null=True, blank=True)
    acquired_at = models.DateTimeField(_("pris le"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("dernier signe de vie"), null=True, blank=True)

    class Meta:
        verbose_name = _("verrou de table préparée")
        verbose_name_plural = _("verrous de tables préparées")
        ordering = ["table"]

    def __str__(self) -> str:
        return f"{self.table} ({self.purpose or 'libre'})"

    @property
    def held(self) -> bool:
        return bool(self.token)


class Worker(models.Model):
    """A running `capsante worker`: its row is written at start, its heartbeat renewed every
    JOB_HEARTBEAT_SECONDS by a thread of its own, and the row deleted when it stops."""

    worker_id = models.CharField(_("identifiant"), max_length=64, unique=True)
    host = models.CharField(_("machine"), max_length=100)
    pid = models.IntegerField(_("processus"))
    started_at = models.DateTimeField(_("démarré le"))
    heartbeat_at = models.DateTimeField(_("dernier signe de vie"))

    class Meta:
        verbose_name = _("travailleur")
        verbose_name_plural = _("travailleurs")
        ordering = ["-heartbeat_at"]

    def __str__(self) -> str:
        return self.worker_id
