from pathlib import Path

from django.core.management.base import BaseCommand

from capsante.reports import opendata
from capsante.ui.formats import plural


class Command(BaseCommand):
    help = (
        "Exporte des données : « opendata » écrit tout le stock d'indicateurs en données ouvertes."
    )

    # The system checks import every view (the engine, the maps, WeasyPrint…): seconds before
    # the command starts. `capsante check` and `migrate` run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument(
            "what", choices=["opendata"], help="opendata : les jeux de données publiés en open data"
        )
        parser.add_argument("--output", required=True, help="Dossier de sortie")

    def handle(self, *args, **options):
        directory = Path(options["output"])
        counts = opendata.export(directory)
        for name, rows in counts.items():
            self.stdout.write(f"{name} : {plural(rows, 'ligne')}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Jeu de données écrit dans {directory} (datapackage.json, CSV, Parquet, schémas)."
            )
        )
