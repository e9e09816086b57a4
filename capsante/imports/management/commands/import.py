import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.text import capfirst

from capsante.imports.models import ImportStatus
from capsante.imports.services import known_sources, run_import
from capsante.ui.formats import plural
from capsante.ui.progress import Bar


class Command(BaseCommand):
    help = "Importe un fichier d'une source publique (FINESS, RPPS, MSSanté, INS, tables de l'Assurance Maladie, enquêtes)."

    def add_arguments(self, parser):
        parser.add_argument(
            "source", help="Source : " + ", ".join(name for name, _ in known_sources())
        )
        parser.add_argument("file", help="Fichier à importer")
        parser.add_argument(
            "--dry-run", action="store_true", help="Montre ce qui changerait, sans rien écrire"
        )
        parser.add_argument(
            "--full-extract",
            action="store_true",
            help="Le fichier remplace toutes les données de la source (sinon seuls les "
            "départements ou régions qu'il couvre)",
        )
        parser.add_argument(
            "--confirm-removals",
            action="store_true",
            help="Accepte un import qui retirerait plus de 10 %% des lignes d'une source",
        )
        parser.add_argument(
            "--finess-et", help="INS : établissement émetteur, si le fichier ne le dit pas"
        )
        parser.add_argument("--period", help="INS : mois AAAA-MM, si le fichier ne le dit pas")
        parser.add_argument(
            "--survey", help="Enquête : identifiant de l'enquête (ex. pharmacies-2024)"
        )
        parser.add_argument("--mapping", help="Enquête : fichier JSON {colonne du fichier: champ}")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        extra = {
            key: options[key]
            for key in ("finess_et", "period", "survey", "full_extract", "confirm_removals")
            if options.get(key)
        }
        if options.get("mapping"):
            extra["mapping"] = json.loads(Path(options["mapping"]).read_text(encoding="utf-8"))
        # Gone when the import ends: its summary, or its errors, follow.
        bar = Bar("Import", total=3, quiet=options["verbosity"] < 1, leave=False)

        # lazy: the parsers' module brings Arrow, which `capsante --help` need not import.
        from capsante.ingest.parsing import READING

        def progress(step: str, done: int, total: int) -> None:
            bar.move_to(capfirst(step[:40]), done, total, in_bytes=step == READING)

        record = run_import(
            options["source"], path, dry_run=options["dry_run"], progress=progress, options=extra
        )
        bar.close()
        if record.removals and record.removed:
            self.stdout.write(record.removals_title() + " :")
            for removal in record.removals:
                self.stdout.write(f"  - {removal}")
        if record.status in (ImportStatus.REFUSED, ImportStatus.FAILED):
            for error in record.errors:
                sys.stderr.write(_error_line(error) + "\n")
            if record.error_count > len(record.errors):
                sys.stderr.write(
                    f"… et {plural(record.error_count - len(record.errors), 'autre erreur', 'autres erreurs')}.\n"
                )
            raise CommandError(f"{record.message} ({record.summary()})")
        self.stdout.write(f"{record.get_status_display()} : {record.summary()}. {record.message}")


def _error_line(error: dict) -> str:
    where = [error["file"]]
    if error.get("line") is not None:
        where.append(f"ligne {error['line']}")
    if error.get("column"):
        where.append(f"colonne « {error['column']} »")
    return f"{', '.join(where)} : {error['reason']}"
