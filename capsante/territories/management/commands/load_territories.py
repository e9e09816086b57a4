from django.core.management.base import BaseCommand
from django.utils.text import capfirst

from capsante.territories.loader import load_territories
from capsante.territories.models import Level
from capsante.ui.formats import number, plural
from capsante.ui.progress import Bar

# How each level is counted in the summary (« 1 253 EPCI », « 101 départements »).
LEVEL_WORDS = {
    Level.REGION: ("région", "régions"),
    Level.DEPARTEMENT: ("département", "départements"),
    Level.EPCI: ("EPCI", "EPCI"),
    Level.COMMUNE: ("commune", "communes"),
}


class Command(BaseCommand):
    help = "Charge les régions, départements, EPCI et communes de France (idempotent)."

    def handle(self, *args, **options):
        bar: Bar | None = None

        def progress(step: str, done: int, total: int) -> None:
            nonlocal bar
            title = capfirst(step)
            # One bar at a time: a step's bar goes when the next step starts.
            if bar is None or bar.desc != title:
                if bar is not None:
                    bar.close()
                bar = Bar(title, total=total, leave=False)
            bar.move_to(title, done, total)

        report = load_territories(progress if options["verbosity"] >= 1 else None)
        if bar is not None:
            bar.close()
        counts = ", ".join(
            plural(n, *LEVEL_WORDS.get(level, (level, level)))
            for level, n in report.by_level.items()
        )
        if report.changed:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Territoires chargés en {number(report.duration, 1)} s : "
                    f"{plural(report.created, 'créé')}, {plural(report.updated, 'modifié')}, "
                    f"{plural(report.unchanged, 'inchangé')} ({counts})."
                )
            )
        else:
            self.stdout.write(
                f"Aucun changement : les {number(report.unchanged)} territoires sont à jour"
                f" ({counts})."
            )
