from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from capsante.campaigns.starting import seed_demo_campaigns
from capsante.imports.demo import demo_dir, generate_files, import_files, step_name
from capsante.indicators.services import compute_and_store, keep_window_gaps
from capsante.ui.formats import number, plural
from capsante.ui.progress import Bar


class Command(BaseCommand):
    help = (
        "Génère des fichiers de démonstration aux formats réels (FINESS, RPPS, MSSanté, INS, tables de "
        "l'Assurance Maladie, enquêtes) pour les communes réelles, puis les importe et calcule les indicateurs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=["departement", "region", "national"],
            default="departement",
            help="departement : Mayenne et Sarthe ; region : Pays de la Loire ; national : France",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=1,
            help="Graine du hasard : la même graine redonne les mêmes fichiers (défaut : 1)",
        )
        parser.add_argument(
            "--out", help="Dossier de sortie (défaut : data/demo/<échelle>-<graine>)"
        )
        parser.add_argument(
            "--no-import", action="store_true", help="Générer les fichiers seulement"
        )

    def handle(self, *args, **options):
        out = (
            Path(options["out"]) if options["out"] else demo_dir(options["scale"], options["seed"])
        )
        quiet = options["verbosity"] < 1
        bar = Bar("Génération des fichiers", quiet=quiet)

        def progress(step: str, done: int, total: int) -> None:
            bar.move_to(step_name(step), done, total)

        try:
            manifest = generate_files(out, options["scale"], options["seed"], progress)
        except (RuntimeError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        bar.close()
        self.stdout.write(
            f"Fichiers de démonstration : {out} ({plural(len(manifest['files']), 'fichier')}, "
            f"{plural(manifest['communes'], 'commune')}, {plural(manifest['population'], 'habitant')})."
        )
        if options["no_import"]:
            return
        bar = Bar("Imports", quiet=quiet)
        try:
            records = import_files(out, manifest, progress)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        bar.close()
        self.stdout.write(f"{plural(len(records), 'fichier importé', 'fichiers importés')}.")

        campaigns = seed_demo_campaigns()
        self.stdout.write(f"Campagnes prêtes : {', '.join(c.name for c in campaigns)}.")
        # Nothing new (a second `make run`): the values computed last time still stand.
        if records or any(getattr(c, "just_created", False) for c in campaigns):
            run = compute_and_store()
            keep_window_gaps()  # before the first page asks (decision 0046)
            self.stdout.write(
                f"Indicateurs : {run.counts}, en {number(run.duration_seconds, 1)} s."
            )
