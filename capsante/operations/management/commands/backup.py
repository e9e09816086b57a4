"""`capsante backup ARCHIVE`: the database, the staged tables and the configuration, in one
consistent archive (capsante/operations/backups.py)."""

from django.core.management.base import BaseCommand, CommandError

from capsante.operations import backups


class Command(BaseCommand):
    help = (
        "Sauvegarde la base de données, les tables préparées et la configuration dans une "
        "archive (tar, compressée si son nom finit par .gz), avec un manifeste des empreintes "
        "SHA-256. Les imports attendent la fin de la sauvegarde."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "archive", help="Fichier à créer, par exemple capsante-2026-01-31.tar.gz"
        )
        parser.add_argument(
            "--with-secrets",
            action="store_true",
            help="Sauvegarde aussi les secrets : clé secrète (data/secret_key) et valeurs "
            "des variables secrètes. L'archive est alors à garder comme un secret.",
        )

    def handle(self, *args, **options):
        try:
            manifest = backups.create(options["archive"], with_secrets=options["with_secrets"])
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"] >= 1:
            staged = len(manifest.staged_files)
            self.stdout.write(
                f"Sauvegarde écrite : {options['archive']} (base {manifest.engine}, "
                f"{staged} fichier{'s' if staged > 1 else ''} de tables préparées"
                f"{', secrets compris' if options['with_secrets'] else ', sans les secrets'})."
            )
