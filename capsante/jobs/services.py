"""Run work as jobs: enqueue it, run it with its progress and outcome recorded, retry it, and
find after a crash the jobs whose process is gone.

A job function is a django-tasks task made with `@job_task("kind")`: called with the id of its
`Job` and its own keyword arguments, it may report progress with `progress(step, done, total)`,
returns a French sentence (its outcome) or raises — `JobFailed` for an outcome that is a failure
in the users' terms, anything else for a technical failure. `submit(task, …)` records the job
and enqueues it once the surrounding transaction has committed; `run_inline(…)` runs work now,
in this process, recorded the same way (the operator's commands).
"""

import contextlib
import contextvars
import datetime as dt
import functools
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules, import_string
from django_tasks import task
from django_tasks.base import Task
from django_tasks_db.models import DBTaskResult

from capsante.ui.formats import number, plural

from . import holder, locks
from .heartbeat import Heartbeat
from .models import ACTIVE, RETRYABLE, Job, JobStatus

log = logging.getLogger(__name__)
PROGRESS_EVERY_SECONDS = 0.5
INTERRUPTED_MESSAGE = (
    "Échec technique — interrompu : le processus qui exécutait ce travail s'est arrêté "
    "(redémarrage du serveur, manque de mémoire…) le {when}. {what}"
)


STOPPED_MESSAGE = (
    "Échec technique — interrompu : le travailleur a été arrêté pendant ce travail ; "
    "« Réessayer » le relance."
)


class JobFailed(Exception):
    """The job ended on an outcome that is a failure for its users (message in French)."""


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    # Called when a job of this kind is found interrupted, to put its domain record right.
    on_interrupted: Callable[[Job], str] | None = None
    # Makes the new job of a retry; None: the same task with the same arguments.
    retry: Callable[[Job, Any], Job] | None = None


KINDS: dict[str, Kind] = {}
# Run at each recovery after the jobs: a domain finds its own records left "en cours".
RECOVERIES: list[Callable[[], int]] = []
_current: contextvars.ContextVar[Job | None] = contextvars.ContextVar("job", default=None)
_last_progress: contextvars.ContextVar[float] = contextvars.ContextVar("progress", default=0.0)


def register_kind(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind


@functools.cache
def _discover_kinds() -> None:
    # Each app's kinds are registered by its `tasks` module, imported here the first time a
    # kind is asked for rather than at start-up: the tasks read the domains' services and the
    # libraries they import, which a command such as `capsante indicators show` does not need.
    autodiscover_modules("tasks")


def kind_of(name: str) -> Kind | None:
    """The kind of job called `name`, whichever app registers it."""
    _discover_kinds()
    return KINDS.get(name)


def kind_label(name: str) -> str:
    kind = kind_of(name)
    return kind.label if kind is not None else name


def current() -> Job | None:
    return _current.get()


# --- Running ----------------------------------------------------------------------------------


def _claim(job: Job) -> bool:
    """Mark a queued job running in this process; False when it is no longer queued."""
    me = holder.current()
    now = timezone.now()
    fields = {"status": JobStatus.RUNNING, "started_at": now, "heartbeat_at": now, **me.fields()}
    if not Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(**fields):
        return False
    for name, value in fields.items():
        setattr(job, name, value)
    return True


def _finish(job: Job, status: str, message: str) -> None:
    job.status, job.message, job.finished_at = status, message, timezone.now()
    if status == JobStatus.SUCCEEDED and job.progress_total:
        job.progress_done = job.progress_total
    Job.objects.filter(pk=job.pk).update(
        status=status,
        message=message,
        finished_at=job.finished_at,
        progress_done=job.progress_done,
    )


@contextlib.contextmanager
def _running(job: Job) -> Iterator[None]:
    token = _current.set(job)
    beat = Heartbeat(
        lambda: Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now()),
        f"travail {job.pk}",
    )
    try:
        with beat:
            yield
    finally:
        _current.reset(token)


def _execute(job: Job, func: Callable[..., Any], kwargs: dict) -> Any:
    # What the worker's console shows of each job (`capsante worker -v1`, `make run`).
    log.info("travail n° %s commencé : %s", job.pk, job.label)
    started = time.monotonic()
    try:
        with _running(job):
            try:
                outcome = func(**kwargs)
            except JobFailed as exc:
                _finish(job, JobStatus.FAILED, str(exc))
                raise
            except (KeyboardInterrupt, SystemExit):
                # The worker was stopped in the middle (Ctrl+C twice): as after a crash, the
                # work was undone and may be retried.
                _finish(job, JobStatus.INTERRUPTED, STOPPED_MESSAGE)
                raise
            except BaseException as exc:
                failed = f"Échec technique : {exc}"[:2000] or "Échec technique"
                _finish(job, JobStatus.FAILED, failed)
                raise
        _finish(job, JobStatus.SUCCEEDED, outcome if isinstance(outcome, str) else "")
        return outcome
    finally:
        _log_end(job, started)


ENDED = {
    JobStatus.SUCCEEDED: "terminé",
    JobStatus.FAILED: "en échec",
    JobStatus.INTERRUPTED: "interrompu",
}


def _log_end(job: Job, started: float) -> None:
    took = number(time.monotonic() - started, 1)
    said = job.message.splitlines()[0] if job.message else job.label
    level = logging.INFO if job.status == JobStatus.SUCCEEDED else logging.WARNING
    ended = ENDED.get(job.status, job.get_status_display().lower())
    log.log(level, "travail n° %s %s en %s s : %s", job.pk, ended, took, said)


def job_task(kind: str, **options: Any) -> Callable[[Callable[..., Any]], Task]:
    """Make a function a django-tasks task whose runs are recorded on their `Job`."""

    def decorate(func: Callable[..., Any]) -> Task:
        @functools.wraps(func)
        def run(job_id: int, **kwargs: Any) -> Any:
            job = Job.objects.filter(pk=job_id).first()
            if job is None or not _claim(job):
                # Recovered, or run by another worker already: never run a job twice.
                log.warning("travail n° %s : plus en attente, non exécuté", job_id)
                return None
            return _execute(job, func, kwargs)

        run.job_kind = kind  # type: ignore[attr-defined]
        return task(**options)(run)

    return decorate


def submit(
    job_task_: Task | str,
    *,
    kind: str,
    label: str,
    user=None,
    territory=None,
    subject: str = "",
    retry_of: Job | None = None,
    run_after: dt.datetime | None = None,
    **kwargs: Any,
) -> Job:
    """Record a job and enqueue its task once the surrounding transaction has committed
    (not before `run_after`, when given).

    The task may be named by its dotted path: a domain's services then enqueue the task defined
    on top of them (in their app's tasks.py) without importing it."""
    path = job_task_ if isinstance(job_task_, str) else job_task_.module_path
    job = Job.objects.create(
        kind=kind,
        label=label[:200],
        user=user if getattr(user, "pk", None) else None,
        territory=territory,
        subject=subject,
        task=path,
        arguments={**kwargs, "run_after": run_after.isoformat()} if run_after else kwargs,
        retry_of=retry_of,
    )

    def enqueue() -> None:
        task_ = import_string(path)
        if run_after is not None:
            task_ = task_.using(run_after=run_after)
        result = task_.enqueue(job_id=job.pk, **kwargs)
        Job.objects.filter(pk=job.pk).update(task_id=str(result.id))

    transaction.on_commit(enqueue)
    return job


def run_inline(
    func: Callable[[], Any], *, kind: str, label: str, user=None, territory=None, subject=""
) -> Any:
    """Run work now in this process, recorded as a job (its crash is found like any other)."""
    job = Job.objects.create(
        kind=kind,
        label=label[:200],
        user=user if getattr(user, "pk", None) else None,
        territory=territory,
        subject=subject,
    )
    _claim(job)
    return _execute(job, lambda: func(), {})


def progress(step: str, done: int = 0, total: int = 0, *, force: bool = False) -> None:
    """Tell the running job where it is (recorded at most twice a second)."""
    job = current()
    if job is None:
        return
    now = time.monotonic()
    if not force and now - _last_progress.get() < PROGRESS_EVERY_SECONDS and done < total:
        return
    _last_progress.set(now)
    job.progress_step, job.progress_done, job.progress_total = step[:200], done, total
    Job.objects.filter(pk=job.pk).update(
        progress_step=job.progress_step,
        progress_done=done,
        progress_total=total,
        heartbeat_at=timezone.now(),
    )


def staging_lock(tables, purpose: str):
    """The staging lock, held for the running job (shown as waiting while another holds it)."""

    def waiting(row) -> None:
        since = timezone.localtime(row.acquired_at).strftime("%H:%M") if row.acquired_at else "?"
        progress(
            f"en attente : la table « {row.table} » est prise ({row.purpose or 'autre travail'}, "
            f"depuis {since})"
        )

    return locks.staging_lock(tables, purpose, job=current(), on_wait=waiting)


# --- Retrying ---------------------------------------------------------------------------------


class CannotRetry(Exception):
    """Why a job cannot be retried, in French."""


def retry(job: Job, user) -> Job:
    """Enqueue a failed or interrupted job again (a new job, pointing to this one)."""
    if job.status not in RETRYABLE:
        raise CannotRetry("Seul un travail en échec ou interrompu peut être relancé.")
    if job.retries.exists():
        raise CannotRetry("Ce travail a déjà été relancé.")
    kind = kind_of(job.kind)
    if kind is not None and kind.retry is not None:
        return kind.retry(job, user)
    if not job.task:
        raise CannotRetry("Ce travail a été lancé en ligne de commande : relancez la commande.")
    return submit(
        import_string(job.task),
        kind=job.kind,
        label=job.label,
        user=user,
        territory=job.territory,
        subject=job.subject,
        retry_of=job,
        **{k: v for k, v in job.arguments.items() if k != "run_after"},
    )


# --- Recovery ---------------------------------------------------------------------------------


@dataclass
class Recovery:
    tables: list[str]
    jobs: list[Job]
    requeued: int
    records: int

    def summary(self) -> str:
        parts = [
            plural(len(self.jobs), "travail interrompu marqué", "travaux interrompus marqués")
            + " en échec",
            plural(len(self.tables), "table préparée remise", "tables préparées remises")
            + " en état"
            + (f" ({', '.join(self.tables)})" if self.tables else ""),
        ]
        if self.requeued:
            parts.append(plural(self.requeued, "tâche remise", "tâches remises") + " en file")
        if self.records:
            parts.append(
                plural(
                    self.records,
                    "enregistrement « en cours » orphelin clos",
                    "enregistrements « en cours » orphelins clos",
                )
            )
        return "Reprise : " + ", ".join(parts) + "."


def _alive(job: Job) -> bool:
    return holder.alive(job.holder_host, job.holder_pid, job.holder_started, job.heartbeat_at)


def _worker_alive(worker_id: str) -> bool:
    """Whether the worker named by a django-tasks worker id (holder.Holder.worker_id) is there."""
    parts = worker_id.split(":")
    try:
        host, pid, started = ":".join(parts[:-2]), int(parts[-2]), float(parts[-1])
    except (IndexError, ValueError):
        return True  # not one of ours: leave it alone
    return holder.alive(host, pid, started or None, timezone.now())


def recover() -> Recovery:
    """Find the work left running by processes that are gone, and put it right: the staged
    tables first (back to their backup unless the write had committed), then the jobs (marked
    interrupted, their domain told), then the queue's own rows."""
    # Every app's kinds of job are known before they are asked to put their records right.
    _discover_kinds()
    tables = locks.recover_stale_locks()
    interrupted = []
    when = timezone.localtime().strftime("%d/%m/%Y à %H:%M")
    for job in Job.objects.filter(status=JobStatus.RUNNING).order_by("pk"):
        if _alive(job):
            continue
        kind = kind_of(job.kind)
        what = ""
        if kind is not None and kind.on_interrupted is not None:
            what = kind.on_interrupted(job) or ""
        message = INTERRUPTED_MESSAGE.format(when=when, what=what).strip()
        if Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.INTERRUPTED, message=message, finished_at=timezone.now()
        ):
            job.status, job.message = JobStatus.INTERRUPTED, message
            interrupted.append(job)
        if job.task_id:
            DBTaskResult.objects.filter(id=job.task_id, status="RUNNING").update(
                status="FAILED",
                finished_at=timezone.now(),
                exception_class_path="capsante.jobs.services.Interrupted",
                traceback=message,
            )
    requeued = 0
    # A worker that died between taking a task from the queue and starting its job: the job
    # never began, so its task goes back to the queue.
    for result in DBTaskResult.objects.filter(status="RUNNING"):
        if result.worker_ids and _worker_alive(result.worker_ids[-1]):
            continue
        queued = Job.objects.filter(task_id=str(result.id), status=JobStatus.QUEUED).exists()
        DBTaskResult.objects.filter(id=result.id, status="RUNNING").update(
            status="READY" if queued else "FAILED",
            started_at=None if queued else result.started_at,
            finished_at=None if queued else timezone.now(),
        )
        requeued += int(queued)
    records = sum(hook() for hook in RECOVERIES)
    return Recovery(tables, interrupted, requeued, records)


def active_subjects(prefix: str) -> set[str]:
    """Subjects of the jobs still queued or running, of one kind of subject ("import:")."""
    return set(
        Job.objects.filter(status__in=ACTIVE, subject__startswith=prefix).values_list(
            "subject", flat=True
        )
    )
