"""`capsante worker`: put right what a crash left, then run the queued jobs until stopped."""

import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from capsante.jobs import holder, presence
from capsante.jobs.services import recover


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
        # Its row and heartbeat tell /readyz that someone runs the queue.
        with presence.announced(options["worker_id"]):
            super().handle(*args, **options)
