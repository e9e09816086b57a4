"""`capsante worker`: put right what a crash left, then run the queued jobs until stopped."""

import contextlib
import logging
import os
import signal
import time

from django.db import InterfaceError, OperationalError, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from capsante.jobs import holder, presence
from capsante.jobs.services import recover

log = logging.getLogger("capsante.jobs")
LONGEST_WAIT_SECONDS = 30


class SteadyWorker(db_worker.Worker):
    """django-tasks-db's worker, which stops at the first database error but a lock: this one
    waits for the database to come back (PostgreSQL restarted, a network cut) and goes on, so
    that the queue does not depend on systemd restarting it (bench/fault_postgres_restart.py)."""

    def run(self) -> None:
        wait = 1
        while True:
            try:
                return super().run()
            except (OperationalError, InterfaceError) as error:
                if not self.running:
                    raise
                log.warning(
                    "base de données injoignable (%s) : nouvel essai dans %d s",
                    str(error).strip().splitlines()[0] if str(error).strip() else error,
                    wait,
                )
                connections.close_all()
                time.sleep(wait)
                wait = min(wait * 2, LONGEST_WAIT_SECONDS)


def _stop_now(signum, frame) -> None:
    raise SystemExit(0)


@contextlib.contextmanager
def _steady_worker():
    """The library's command builds its `Worker` by name and offers no other hook: the name is
    pointed at ours for the time of `handle`."""
    library_worker = db_worker.Worker
    db_worker.Worker = SteadyWorker
    try:
        yield
    finally:
        db_worker.Worker = library_worker


class Command(db_worker.Command):
    help = (
        "Exécute les travaux en file d'attente (imports, recalculs, courriels, rapports). "
        "Au démarrage, reprend ceux qu'un arrêt brutal a laissés « en cours » : tables "
        "préparées remises en état, travaux marqués en échec et relançables."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--recover-only",
            action="store_true",
            help="Reprend les travaux interrompus puis s'arrête, sans exécuter la file",
        )

    def configure_logging(self, verbosity: int) -> None:
        """At the usual verbosity, the console shows each job as the platform names it
        (« travail n° 12 terminé en 2,3 s : … », capsante.jobs) rather than the library's line
        per task state with its Python path; -v2 shows both, and the library's details."""
        super().configure_logging(verbosity)
        if verbosity == 1:
            logging.getLogger(db_worker.TASKS_LOGGER).setLevel(logging.WARNING)
        logging.getLogger("capsante.jobs").setLevel(
            logging.INFO if verbosity >= 1 else logging.WARNING
        )

    def handle(self, *args, **options):
        report = recover()
        if options["verbosity"] >= 1:
            self.stdout.write(report.summary())
        if options.pop("recover_only"):
            return
        # The worker names itself by host, pid and start time: recovery tells a dead one.
        options["worker_id"] = holder.current().worker_id
        if options.get("reload") and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true":
            # `make dev`: this process only restarts the real worker, its child, on changes.
            super().handle(*args, **options)
            return
        # Until the library's worker sets its own handlers, a stop request (systemd stopping a
        # worker that has just started) leaves the block like any exit, so that its row goes.
        signal.signal(signal.SIGTERM, _stop_now)
        # Its row and heartbeat tell /readyz that someone runs the queue.
        with presence.announced(options["worker_id"]), _steady_worker():
            super().handle(*args, **options)
