import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from capsante.reports import services
from capsante.reports.models import ReportKind, ReportSnapshot
from capsante.territories.command_line import HELP as TERRITORY_HELP
from capsante.territories.command_line import territory_from


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"Date invalide : « {text} » (attendu : AAAA-MM-JJ).") from exc


class Command(BaseCommand):
    help = (
        "Produit un rapport : le document de la feuille de route (PDF ou HTML) ou le rapport de "
        "comité (PDF, DOCX ou HTML). Le format suit l'extension du fichier de sortie."
    )

    # The system checks import every view (the engine, the maps, WeasyPrint…): seconds before
    # the command starts. `capsante check` and `migrate` run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument(
            "kind",
            choices=["roadmap", "committee", "digest"],
            help="roadmap : document de la feuille de route ; committee : rapport de comité ;"
            " digest : synthèse périodique",
        )
        parser.add_argument("--territory", required=True, help=TERRITORY_HELP)
        parser.add_argument(
            "--output", required=True, help="Fichier de sortie (.pdf, .docx, .html)"
        )
        parser.add_argument("--period", help="Feuille de route : période, ex. 2025-2026")
        parser.add_argument(
            "--from", dest="start", help="Début (AAAA-MM-JJ ; défaut : dernière réunion)"
        )
        parser.add_argument("--to", dest="end", help="Fin (AAAA-MM-JJ ; défaut : aujourd'hui)")
        parser.add_argument(
            "--refresh",
            action="store_true",
            help="Rapport de comité : nouvel instantané avec les données du jour, au lieu de "
            "régénérer le précédent pour les mêmes dates ; feuille de route en PDF : mise en page "
            "à nouveau, même quand rien n’a changé depuis la précédente",
        )
        parser.add_argument("--snapshot", type=int, help="Régénère l'instantané n° N")

    def handle(self, *args, **options):
        output = Path(options["output"])
        territory = territory_from(options["territory"], self.stderr)
        try:
            fmt = services.format_of(output.name)
            if options["kind"] == "roadmap":
                content = self.roadmap(territory, fmt, options)
            else:
                content = self.committee(territory, fmt, options)
        except services.ReportError as exc:
            raise CommandError(str(exc)) from exc
        output.write_bytes(content)
        self.stdout.write(self.style.SUCCESS(f"Écrit : {output} ({len(content) // 1024} Kio)"))

    def roadmap(self, territory, fmt, options) -> bytes:
        roadmap = services.roadmap_of(territory, options["period"])
        return services.roadmap_report(roadmap, fmt, refresh=options["refresh"])

    def committee(self, territory, fmt, options) -> bytes:
        if options["snapshot"]:
            snapshot = ReportSnapshot.objects.filter(pk=options["snapshot"]).first()
            if snapshot is None:
                raise CommandError(f"Instantané n° {options['snapshot']} introuvable.")
            created = False
        else:
            start, end = services.default_range(territory)
            start = _date(options["start"]) if options["start"] else start
            end = _date(options["end"]) if options["end"] else end
            kind = ReportKind.DIGEST if options["kind"] == "digest" else ReportKind.COMMITTEE
            if kind == ReportKind.COMMITTEE and not services.has_roadmap(territory):
                self.stderr.write(
                    f"Note : {territory} n’a pas de feuille de route : le rapport ne montrera "
                    "ni ses cibles ni ses actions."
                )
            snapshot, created = services.snapshot_for(
                territory, start, end, kind, refresh=options["refresh"]
            )
        self.stdout.write(
            f"{'Nouvel instantané' if created else 'Régénéré depuis l’instantané'} n° {snapshot.pk} "
            f"(du {snapshot.start:%d/%m/%Y} au {snapshot.end:%d/%m/%Y}, généré le "
            f"{timezone.localtime(snapshot.generated_at):%d/%m/%Y %H:%M})."
        )
        return services.render_snapshot(snapshot, fmt)
