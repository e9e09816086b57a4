from django.core.management import call_command
from django.core.management.base import BaseCommand

from capsante.accounts.personas import DEMO_PASSWORD, PERSONAS, ensure_personas
from capsante.roadmaps.services import load_seed_roadmaps


class Command(BaseCommand):
    help = "Prépare la démonstration : territoires, feuilles de route des seeds, comptes de démonstration."

    def handle(self, *args, **options):
        call_command("load_territories", verbosity=options["verbosity"])
        for roadmap, written in load_seed_roadmaps():
            state = "chargée" if written else "déjà présente"
            self.stdout.write(f"Feuille de route {state} : {roadmap}")
        ensure_personas()
        self.stdout.write(f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
        for persona in PERSONAS:
            self.stdout.write(
                f"  {persona.username:<22} {persona.full_name} — {persona.organisation}"
            )
