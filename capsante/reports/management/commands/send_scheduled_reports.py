import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from capsante.reports import services


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
        sent = 0
        for schedule, was_sent in results:
            sent += was_sent
            state = f"envoyé ({schedule.last_period})" if was_sent else "rien à envoyer"
            self.stdout.write(f"{schedule} : {state}")
        self.stdout.write(self.style.SUCCESS(f"{sent} rapport(s) envoyé(s)."))
