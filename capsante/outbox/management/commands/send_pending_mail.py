from django.core.management.base import BaseCommand

from capsante.outbox.services import deliver_pending
from capsante.ui.formats import plural


class Command(BaseCommand):
    help = "Renvoie les courriels restés en attente après un échec du serveur de messagerie."

    def handle(self, *args, **options):
        sent, failed = deliver_pending()
        self.stdout.write(
            f"{plural(sent, 'courriel envoyé', 'courriels envoyés')}, {failed} toujours en échec."
        )
