"""One writer per staged table at a time, across processes, on SQLite and PostgreSQL.

`staging_lock(tables, purpose)` takes the `StagingLock` row of each table (sorted, so that two
holders of overlapping sets cannot wait on each other) with an atomic update of a free row —
`UPDATE … SET token = mine WHERE table = t AND token = ''` works the same on both databases and
holds no transaction while waiting. A row held by a process that is gone (holder.alive) is taken
over the same way, conditioned on the dead token; its files are then put right from the staging
backups before anything else reads the table (docs/decisions/0010).

The holder calls `lease.mark_committed()` inside the database transaction that makes its write
final: after a crash, that flag tells recovery to keep the new files rather than the backup.
"""

import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone

from capsante.ui.formats import number

from . import holder
from .heartbeat import Heartbeat
from .models import Job, StagingLock

if TYPE_CHECKING:
    from capsante.ingest.staging import StagingStore

log = logging.getLogger(__name__)
POLL_SECONDS = 0.25

Waiting = Callable[[StagingLock], None]


@dataclass
class Lease:
    token: str
    tables: list[str]
    recovered: list[str] = field(default_factory=list)

    def mark_committed(self) -> None:
        """Call inside the transaction that commits the holder's write."""
        StagingLock.objects.filter(token=self.token).update(committed=True)


def store() -> "StagingStore":
    # The staging store reads Parquet with Arrow; the jobs' services (and every app that queues
    # a job) import this module at start-up, and a command should not wait for Arrow.
    from capsante.ingest.staging import StagingStore  # lazy: see above

    return StagingStore(settings.STAGING_DIR)


def _row(table: str) -> StagingLock:
    try:
        return StagingLock.objects.get_or_create(table=table)[0]
    except IntegrityError:  # created meanwhile by another process
        return StagingLock.objects.get(table=table)


def _held_by_a_live_process(row: StagingLock) -> bool:
    return holder.alive(row.holder_host, row.holder_pid, row.holder_started, row.heartbeat_at)


def _take(table: str, token: str, purpose: str, job: Job | None, stale: StagingLock | None):
    """Take the row if free (stale None) or from a dead holder (stale: the row as read)."""
    me = holder.current()
    now = timezone.now()
    values = {
        "token": token,
        "committed": False,
        "purpose": purpose[:200],
        "job": job,
        "acquired_at": now,
        "heartbeat_at": now,
        **me.fields(),
    }
    rows = StagingLock.objects.filter(table=table)
    if stale is None:
        return rows.filter(token="").update(**values) == 1
    # A recovery left unfinished by an earlier taker is kept: its token is older and also
    # still to be put right (StagingStore.recover is idempotent).
    if not stale.recover_token:
        values["recover_token"], values["recover_committed"] = stale.token, stale.committed
    return rows.filter(token=stale.token, committed=stale.committed).update(**values) == 1


def _finish_recovery(table: str, token: str) -> bool:
    """Put the files of a crashed holder right, if a taken-over row says so."""
    row = StagingLock.objects.get(table=table)
    if not row.recover_token:
        return False
    touched = store().recover(table, row.recover_token, row.recover_committed)
    log.warning(
        "table %s : reprise après l'arrêt de son détenteur (jeton %s, écriture %s) : %s",
        table,
        row.recover_token,
        "validée, conservée" if row.recover_committed else "annulée depuis la sauvegarde",
        ", ".join(p.name for p in touched) or "rien à réparer",
    )
    StagingLock.objects.filter(table=table, token=token).update(
        recover_token="", recover_committed=False
    )
    return True


def acquire(
    table: str,
    token: str,
    purpose: str,
    *,
    job: Job | None = None,
    wait: bool = True,
    on_wait: Waiting | None = None,
) -> bool:
    """Hold `table` under `token`; wait while a live process holds it (unless wait=False)."""
    _row(table)
    started, holders = time.monotonic(), set()
    while True:
        if _take(table, token, purpose, job, None):
            break
        row = StagingLock.objects.get(table=table)
        if row.token and not _held_by_a_live_process(row):
            if _take(table, token, purpose, job, row):
                break
            continue  # someone else took it over first: look again
        if not wait:
            return False
        if row.token:
            holders.add(row.purpose or row.token)
            if on_wait is not None:
                on_wait(row)
        time.sleep(POLL_SECONDS)
    if holders:
        # Worth knowing for the operator: work waiting on work (logged, not an error).
        log.warning(
            "table %s prise pour « %s » après %s s d'attente (tenue par : %s)",
            table,
            purpose,
            number(time.monotonic() - started, 1),
            "; ".join(sorted(holders)),
        )
    return True


def release(token: str) -> None:
    StagingLock.objects.filter(token=token).update(
        token="",
        committed=False,
        purpose="",
        job=None,
        holder_host="",
        holder_pid=None,
        holder_started=None,
        acquired_at=None,
        heartbeat_at=None,
    )


@contextlib.contextmanager
def staging_lock(
    tables: Iterable[str],
    purpose: str,
    *,
    job: Job | None = None,
    on_wait: Waiting | None = None,
) -> Iterator[Lease]:
    """Hold every table of `tables` until the block ends, whatever its outcome."""
    lease = Lease(uuid.uuid4().hex, sorted(set(tables)))
    try:
        for table in lease.tables:
            acquire(table, lease.token, purpose, job=job, on_wait=on_wait)
            if _finish_recovery(table, lease.token):
                lease.recovered.append(table)
        beat = Heartbeat(
            lambda: StagingLock.objects.filter(token=lease.token).update(
                heartbeat_at=timezone.now()
            ),
            f"verrou {','.join(lease.tables)}",
        )
        with beat:
            yield lease
    finally:
        release(lease.token)


def recover_stale_locks() -> list[str]:
    """Take, repair and free every table whose holder is gone. Tables held by a live process
    are left alone. Returns the tables repaired."""
    repaired = []
    for row in StagingLock.objects.exclude(token="").order_by("table"):
        if _held_by_a_live_process(row):
            continue
        token = uuid.uuid4().hex
        if acquire(row.table, token, "reprise après un arrêt", wait=False):
            try:
                if _finish_recovery(row.table, token):
                    repaired.append(row.table)
            finally:
                release(token)
    # A free row can still owe a recovery (its taker stopped before finishing it).
    for row in StagingLock.objects.filter(token="").exclude(recover_token=""):
        token = uuid.uuid4().hex
        if acquire(row.table, token, "reprise après un arrêt", wait=False):
            try:
                if _finish_recovery(row.table, token):
                    repaired.append(row.table)
            finally:
                release(token)
    return repaired
