import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from capsante.reports import services
from capsante.ui.formats import plural


class Command(BaseCommand):
    help = (
        "Envoie les rapports programmés dont la période vient de se terminer (à lancer par cron, "
        "par exemple chaque jour) ; un rapport déjà envoyé pour sa période ne l'est pas deux fois."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", help="Date du jour à considérer (AAAA-MM-JJ ; défaut : aujourd'hui)"
        )

    def handle(self, *args, **options):
        try:
            today = dt.date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError as exc:
            raise CommandError("Date invalide (attendu : AAAA-MM-JJ).") from exc
        results = services.send_due_reports(today)
        sent = failed = 0
        for schedule, outcome in results:
            if isinstance(outcome, Exception):
                failed += 1
                self.stderr.write(
                    f"{schedule} : échec, il sera retenté au prochain passage ({outcome!r})"
                )
                continue
            sent += outcome
            state = f"envoyé ({schedule.last_period})" if outcome else "rien à envoyer"
            self.stdout.write(f"{schedule} : {state}")
        self.stdout.write(
            self.style.SUCCESS(f"{plural(sent, 'rapport envoyé', 'rapports envoyés')}.")
        )
        if failed:
            # A non-zero exit status, so that cron tells the administrator.
            raise CommandError(
                f"{plural(failed, 'rapport programmé non envoyé', 'rapports programmés non envoyés')} : voir le journal ci-dessus."
            )
