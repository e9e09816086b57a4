import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from capsante.roadmaps.models import Roadmap
from capsante.roadmaps.services import export_roadmap, import_roadmap_file
from capsante.roadmaps.yaml_schema import RoadmapFileError
from capsante.territories.command_line import HELP as TERRITORY_HELP
from capsante.territories.command_line import territory_from
from capsante.ui.formats import plural


class Command(BaseCommand):
    help = "Exporte ou importe une feuille de route au format YAML."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="Écrit une feuille de route en YAML")
        export.add_argument("--territory", required=True, help=TERRITORY_HELP)
        export.add_argument(
            "--period", help="Période, ex. 2025-2026 (par défaut : la plus récente)"
        )
        export.add_argument("--output", help="Fichier de sortie (par défaut : sortie standard)")
        imp = sub.add_parser("import", help="Charge une feuille de route depuis un fichier YAML")
        imp.add_argument("file", help="Fichier YAML, au format qu'écrit roadmap export")
        imp.add_argument(
            "--replace", action="store_true", help="Remplace la feuille de route existante"
        )

    def handle(self, *args, **options):
        if options["action"] == "export":
            return self.export(options)
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"Fichier introuvable : {path}")
        try:
            roadmap, written = import_roadmap_file(path, replace=options["replace"])
        except RoadmapFileError as exc:
            for error in exc.errors:
                sys.stderr.write(f"{error}\n")
            raise CommandError(
                f"{path} refusé : {plural(len(exc.errors), 'erreur')}, rien n'a été importé."
            ) from exc
        if written:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Importée : {roadmap} ({roadmap.objectives.count()} objectifs)."
                )
            )
        else:
            self.stdout.write(
                f"Aucun changement : « {roadmap} » existe déjà (--replace pour la remplacer)."
            )

    def export(self, options):
        territory = territory_from(options["territory"], self.stderr)
        roadmaps = Roadmap.objects.filter(territory=territory).order_by("-period_start")
        if options["period"]:
            start, _, end = options["period"].partition("-")
            roadmaps = roadmaps.filter(period_start=start, period_end=end or start)
        roadmap = roadmaps.first()
        if roadmap is None:
            raise CommandError(f"Aucune feuille de route pour {territory}.")
        text = export_roadmap(roadmap)
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stdout.write(f"Écrite : {options['output']}")
        else:
            self.stdout.write(text, ending="")
