from django.conf import settings
from django.core.management.base import BaseCommand

from capsante.events.ambassadors import purge_ambassadors
from capsante.events.registrations import purge_registrations
from capsante.ui.formats import plural


class Command(BaseCommand):
    help = (
        "Efface les inscriptions aux événements terminés depuis plus de "
        "CAPSANTE_EVENTS_RETENTION_MONTHS mois (leurs décomptes par public et commune restent), "
        "et les demandes jamais confirmées dont le lien a expiré ; efface aussi les ambassadeurs "
        "partis du réseau depuis plus de CAPSANTE_AMBASSADORS_RETENTION_MONTHS mois (leurs "
        "activités restent, sans nom). À lancer chaque jour (cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--months",
            type=int,
            default=None,
            help="Durée de conservation en mois (par défaut : le réglage, "
            f"{settings.EVENTS_REGISTRATION_RETENTION_MONTHS}).",
        )

    def handle(self, *args, **options):
        done = purge_registrations(months=options["months"])
        erased = purge_ambassadors()
        self.stdout.write(
            f"{plural(done['registrations'], 'inscription effacée', 'inscriptions effacées')}"
            f" pour {plural(done['events'], 'événement')} ; "
            f"{plural(done['unconfirmed'], 'demande non confirmée effacée', 'demandes non confirmées effacées')} ; "
            f"{plural(erased, 'ambassadeur parti effacé', 'ambassadeurs partis effacés')}."
        )
