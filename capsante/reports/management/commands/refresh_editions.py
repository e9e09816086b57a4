from django.core.management.base import BaseCommand

from capsante.jobs import services as jobs
from capsante.reports import publication, services


class Command(BaseCommand):
    help = (
        "Chaque jour (cron, le matin) : remet en page les documents des feuilles de route déjà "
        "demandés dont le contenu a changé — leur date d’édition change chaque jour —, pour que le "
        "premier téléchargement du jour soit immédiat. Après un import ou une modification, le "
        "travailleur le fait de lui-même."
    )

    # The system checks import every view: seconds before the command starts.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--toutes",
            dest="every",
            action="store_true",
            help="Toutes les feuilles de route, même celles dont le document n’a jamais été demandé",
        )

    def handle(self, *args, **options):
        refreshed = jobs.run_inline(
            lambda: services.refresh_roadmap_editions(every=options["every"]).summary,
            kind=publication.KIND,
            label=publication.LABEL,
            territory=publication.home_region(),
        )
        self.stdout.write(refreshed)
