from django.core.management.base import BaseCommand
from tqdm import tqdm

from capsante.territories.loader import load_territories


class Command(BaseCommand):
    help = "Charge les régions, départements, EPCI et communes de France (idempotent)."

    def handle(self, *args, **options):
        bars: dict[str, tqdm] = {}

        def progress(step: str, done: int, total: int) -> None:
            bar = bars.get(step)
            if bar is None:
                bar = bars[step] = tqdm(total=total, desc=step, unit=" terr.", leave=False)
            bar.update(done - bar.n)

        report = load_territories(progress if options["verbosity"] >= 1 else None)
        for bar in bars.values():
            bar.close()
        counts = ", ".join(f"{n} {level}" for level, n in report.by_level.items())
        if report.changed:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Territoires chargés en {report.duration:.1f} s : {report.created} créés, "
                    f"{report.updated} modifiés, {report.unchanged} inchangés ({counts})."
                )
            )
        else:
            self.stdout.write(
                f"Aucun changement : les {report.unchanged} territoires sont à jour ({counts})."
            )
