from django.conf import settings
from django.core.management.base import BaseCommand

from capsante.difficulties.services import purge_contacts
from capsante.ui.formats import plural


class Command(BaseCommand):
    help = (
        "Efface les adresses des déclarants de difficultés closes depuis plus de "
        "CAPSANTE_DIFFICULTIES_CONTACT_RETENTION_DAYS jours (le signalement reste, sans elles). "
        "À lancer chaque jour (cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Durée de conservation en jours (par défaut : le réglage, "
            f"{settings.DIFFICULTIES_CONTACT_RETENTION_DAYS}).",
        )

    def handle(self, *args, **options):
        erased = purge_contacts(days=options["days"])
        self.stdout.write(
            f"{plural(erased, 'adresse de déclarant effacée', 'adresses de déclarant effacées')}."
        )
