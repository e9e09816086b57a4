from django.conf import settings
from django.core.management.base import BaseCommand

from capsante.directory.services import send_reminders
from capsante.ui.formats import plural


class Command(BaseCommand):
    help = (
        "Annuaire : relance par courriel les responsables des fiches non vérifiées depuis six "
        "mois (une fois par mois au plus) et efface les adresses des signalements anciens. "
        "À lancer chaque jour (cron, ou la file de travaux)."
    )

    def handle(self, *args, **options):
        run = send_reminders(settings.PUBLIC_URL)
        self.stdout.write(
            f"{plural(run.mails, 'courriel de relance', 'courriels de relance')}"
            f" pour {plural(run.resources, 'fiche')} ; "
            f"{plural(run.emails_erased, 'adresse de signalement effacée', 'adresses de signalement effacées')}."
        )
