from django.core.management.base import BaseCommand

from capsante.officials.lists import refresh_all, refresh_platform_lists
from capsante.ui.formats import plural


class Command(BaseCommand):
    help = (
        "Actualise les listes de diffusion tenues par la plateforme : élus (d’après le dernier "
        "chargement), coordinateurs des contrats locaux de santé et ambassadeurs de Mon espace "
        "santé de chaque département ; une adresse désabonnée n’y revient jamais."
    )

    def handle(self, *args, **options):
        officials_lists = refresh_all()
        changes = refresh_platform_lists()
        added = sum(a for a, _ in changes.values())
        removed = sum(r for _, r in changes.values())
        self.stdout.write(
            f"Listes d’élus actualisées : {officials_lists} ; listes des coordinateurs de CLS et "
            f"des ambassadeurs : {len(changes)}, "
            f"{plural(added, 'adresse ajoutée', 'adresses ajoutées')}, "
            f"{plural(removed, 'retirée', 'retirées')}."
        )
