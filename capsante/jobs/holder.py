"""Which process holds a job or a lock, and whether it is still there.

A holder is (host name, pid, process start time). On the same host, a holder is alive when its
pid exists, is not a zombie, and started when recorded (a pid reused by a later process is not
the holder). A holder on another host (several application servers sharing the database and the
staging folder) cannot be asked: it is alive while its heartbeat is recent.
"""

import datetime as dt
import errno
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

HOST = socket.gethostname()[:100]


@dataclass(frozen=True)
class Holder:
    host: str
    pid: int
    started: float | None

    @property
    def worker_id(self) -> str:
        """django-tasks' worker id (64 characters at most), naming the process."""
        return f"{self.host[:40]}:{self.pid}:{int(self.started or 0)}"

    def fields(self) -> dict:
        return {"holder_host": self.host, "holder_pid": self.pid, "holder_started": self.started}

    def describe(self) -> str:
        return f"processus {self.pid} sur {self.host}"


def _boot_time() -> float | None:
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    except OSError:
        pass
    return None


_BOOT = _boot_time()
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (state first), or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rfind(")") + 2 :].split()


def process_started(pid: int) -> float | None:
    """When the process started (seconds since the epoch), where the system says (Linux)."""
    fields = _stat(pid)
    if fields is None or _BOOT is None:
        return None
    return round(_BOOT + int(fields[19]) / _TICKS, 2)


def current() -> Holder:
    pid = os.getpid()
    return Holder(HOST, pid, process_started(pid))


def _pid_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError as error:
        return error.errno == errno.EPERM  # exists, owned by someone else
    fields = _stat(pid)
    # A killed child not yet reaped by its parent is a zombie: gone for our purpose.
    return fields is None or fields[0] not in ("Z", "X")


def alive(host: str, pid: int | None, started: float | None, heartbeat: dt.datetime | None) -> bool:
    if not host or pid is None:
        return False
    if host == HOST:
        if not _pid_running(pid):
            return False
        now_started = process_started(pid)
        return started is None or now_started is None or abs(now_started - started) < 1.0
    if heartbeat is None:
        return False
    return timezone.now() - heartbeat < dt.timedelta(seconds=settings.JOB_STALE_SECONDS)
