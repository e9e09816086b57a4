"""A thread that tells, every few seconds, that a job or a lock's holder is still at work.

Only holders on another host are judged by it (holder.alive); on the same host the pid answers.
It writes through its own database connection and never stops the work it reports on.
"""

import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import connection

log = logging.getLogger(__name__)


class Heartbeat:
    def __init__(self, beat: Callable[[], object], name: str):
        self.beat, self.name = beat, name
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"heartbeat-{name}", daemon=True)

    def _run(self) -> None:
        try:
            while not self.stopped.wait(settings.JOB_HEARTBEAT_SECONDS):
                try:
                    self.beat()
                except Exception:  # noqa: BLE001 - a missed beat must not stop the work
                    log.warning("signe de vie non enregistré (%s)", self.name, exc_info=True)
        finally:
            connection.close()

    def __enter__(self) -> "Heartbeat":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)
