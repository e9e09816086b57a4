"""`capsante restore ARCHIVE`: put a backup back into an empty database and staging folder."""

from django.core.management.base import BaseCommand, CommandError

from capsante.operations import backups


class Command(BaseCommand):
    help = (
        "Restaure une sauvegarde de « capsante backup » dans une base de données vide et un "
        "dossier de tables préparées vide. L'archive est d'abord vérifiée en entier (empreintes "
        "SHA-256 de son manifeste) : une archive altérée est refusée et rien n'est modifié. "
        "Arrêtez le serveur web et les travailleurs avant."
    )
    # Nothing may read the database before it is restored.
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("archive", help="Archive écrite par « capsante backup »")
        parser.add_argument(
            "--check-only",
            action="store_true",
            help="Vérifie seulement l'archive (manifeste et empreintes), sans rien restaurer",
        )

    def handle(self, *args, **options):
        try:
            if options["check_only"]:
                manifest = backups.read_manifest(options["archive"])
                self.stdout.write(
                    f"Archive intacte : {len(manifest.members)} fichiers conformes à leur "
                    f"empreinte, sauvegarde du {manifest.data['created_at']} "
                    f"(version {manifest.data['capsante_version']}, base {manifest.engine})."
                )
                return
            report = backups.restore(options["archive"])
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        data = report.manifest.data
        self.stdout.write(
            f"Restauré : sauvegarde du {data['created_at']} (version {data['capsante_version']}), "
            f"base {report.manifest.engine}, {report.staged_files} fichiers de tables préparées."
        )
        if report.secret_key_restored:
            self.stdout.write(
                "La clé secrète de l'archive a été remise dans le dossier de données."
            )
        if report.migrations_to_apply:
            self.stdout.write(
                f"{report.migrations_to_apply} migrations sont à appliquer : lancez "
                "« capsante migrate » avant de redémarrer."
            )
        if report.environment_differences:
            self.stdout.write("Variables d'environnement différentes de celles de la sauvegarde :")
            for line in report.environment_differences:
                self.stdout.write(f"  {line}")
