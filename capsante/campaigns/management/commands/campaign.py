import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from capsante.campaigns import bulk
from capsante.campaigns.models import Campaign
from capsante.ui.formats import plural


class Command(BaseCommand):
    help = "Campagnes : mise à jour des étapes par fichier (finess;etape;justificatif;note)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        update = sub.add_parser("update", help="Met à jour les étapes depuis un fichier CSV")
        update.add_argument("campaign", help="Identifiant de la campagne (ex. zero-fax-72)")
        update.add_argument("file", help="Fichier CSV : finess;etape;justificatif;note")
        update.add_argument(
            "--user", required=True, help="Identifiant de la personne qui fait la mise à jour"
        )
        update.add_argument(
            "--dry-run", action="store_true", help="Montre ce qui changerait, sans rien écrire"
        )

        deadlines = sub.add_parser(
            "deadlines", help="Échéances par commune depuis un fichier code_commune;date"
        )
        deadlines.add_argument("campaign", help="Identifiant de la campagne (ex. zero-fax-72)")
        deadlines.add_argument("file", help="Fichier CSV : code_commune;date (AAAA-MM-JJ)")
        deadlines.add_argument(
            "--dry-run", action="store_true", help="Montre ce qui changerait, sans rien écrire"
        )

    def handle(self, *args, **options):
        try:
            campaign = Campaign.objects.get(slug=options["campaign"])
        except Campaign.DoesNotExist as exc:
            raise CommandError(f"Campagne inconnue : {options['campaign']}") from exc
        if options["action"] == "deadlines":
            count, errors = bulk.apply_deadlines(
                campaign, Path(options["file"]), dry_run=options["dry_run"]
            )
            if errors:
                for error in errors:
                    sys.stderr.write(f"{error}\n")
                raise CommandError(
                    f"Fichier refusé : {plural(len(errors), 'erreur')}, rien n'a été modifié."
                )
            prefix = "Simulation" if options["dry_run"] else "Échéances enregistrées"
            self.stdout.write(f"{prefix} : {plural(count, 'commune')}.")
            return
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"Utilisateur inconnu : {options['user']}")
        result = bulk.apply(
            campaign, Path(options["file"]), user, dry_run=options["dry_run"], background=False
        )
        summary = (
            f"{plural(result.rows_read, 'ligne lue', 'lignes lues')} ;"
            f" {plural(len(result.changes), 'changement d’étape', 'changements d’étape')},"
            f" {plural(result.unchanged, 'inchangée')}"
        )
        if not result.ok:
            for error in result.errors:
                sys.stderr.write(f"{error}\n")
            raise CommandError(
                f"Fichier refusé : {plural(len(result.errors), 'erreur')}, rien n'a été modifié ({summary})."
            )
        prefix = "Simulation" if options["dry_run"] else "Mise à jour"
        self.stdout.write(f"{prefix} : {summary}.")
