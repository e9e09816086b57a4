"""Which workers are running: each `capsante worker` says so in the database, and keeps saying
it every JOB_HEARTBEAT_SECONDS (heartbeat.Heartbeat) while it runs, idle or busy.

The readiness check reads `latest_heartbeat()`: a platform whose workers all stopped accepts
uploads that nobody will import.
"""

import contextlib
import datetime as dt
from collections.abc import Iterator

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from . import holder
from .heartbeat import Heartbeat
from .models import Worker


@contextlib.contextmanager
def announced(worker_id: str) -> Iterator[Worker]:
    """Record the worker while the block runs; its row goes when the block ends, however it
    ends: a stop signal (SystemExit) can land at any moment, the row being written included."""
    me, now = holder.current(), timezone.now()
    try:
        # Rows of workers that stopped without a word (killed) are dropped once stale.
        Worker.objects.filter(heartbeat_at__lt=now - stale_after()).delete()
        worker, _ = Worker.objects.update_or_create(
            worker_id=worker_id,
            defaults={"host": me.host, "pid": me.pid, "started_at": now, "heartbeat_at": now},
        )
        beat = Heartbeat(
            lambda: Worker.objects.filter(pk=worker.pk).update(heartbeat_at=timezone.now()),
            f"travailleur {worker_id}",
        )
        with beat:
            yield worker
    finally:
        _forget(worker_id)


def _forget(worker_id: str) -> None:
    """A signal that lands between psycopg sending a query and reading its answer leaves the
    connection with that query in flight, and every later statement on it refused: the row then
    goes through a new connection."""
    try:
        Worker.objects.filter(worker_id=worker_id).delete()
    except DatabaseError:
        with contextlib.suppress(DatabaseError):
            connection.close()
        Worker.objects.filter(worker_id=worker_id).delete()


def stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=settings.JOB_STALE_SECONDS)


def latest_heartbeat() -> dt.datetime | None:
    """The most recent sign of life of any worker, or None when none ever said it runs."""
    return Worker.objects.order_by("-heartbeat_at").values_list("heartbeat_at", flat=True).first()
