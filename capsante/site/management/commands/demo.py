import os

from django.core.management import call_command
from django.core.management.base import BaseCommand

from capsante.accounts.personas import DEMO_PASSWORD, PERSONAS, ensure_personas
from capsante.events.counts import export_activity
from capsante.events.demo import load_demo_events
from capsante.newsletters.demo import load_demo_lists
from capsante.roadmaps.services import load_seed_roadmaps


class Command(BaseCommand):
    help = (
        "Prépare la démonstration : territoires, feuilles de route des seeds, comptes de démonstration, "
        "données générées aux formats réels et indicateurs calculés. Chaque étape est idempotente."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            default=os.environ.get("CAPSANTE_DEMO_SCALE", "region"),
            choices=["departement", "region", "national"],
        )
        parser.add_argument(
            "--no-data", action="store_true", help="Sans données générées ni indicateurs"
        )

    def handle(self, *args, **options):
        call_command("load_territories", verbosity=options["verbosity"])
        for roadmap, written in load_seed_roadmaps():
            state = "chargée" if written else "déjà présente"
            self.stdout.write(f"Feuille de route {state} : {roadmap}")
        ensure_personas()
        created = load_demo_events()
        self.stdout.write(f"Événements de démonstration créés : {len(created)}")
        # The events held, staged for their indicators (computed with the others by demo-data).
        export_activity(recompute=False)
        load_demo_lists()
        if not options["no_data"]:
            call_command("demo-data", scale=options["scale"], verbosity=options["verbosity"])
        self.stdout.write(f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
        for persona in PERSONAS:
            self.stdout.write(
                f"  {persona.username:<22} {persona.full_name} — {persona.organisation}"
            )
