from django.core.management.base import BaseCommand

from capsante.questionnaires.answering import purge_contacts
from capsante.ui.formats import plural


class Command(BaseCommand):
    help = (
        "Efface les adresses électroniques (laissées par les répondants, invitées depuis une "
        "liste) des questionnaires clos depuis plus que leur durée de conservation annoncée ; "
        "les réponses, qui portent sur des structures, restent. À lancer chaque jour."
    )

    def handle(self, *args, **options):
        done = purge_contacts()
        self.stdout.write(
            f"Adresses effacées : {done['addresses']}, pour "
            f"{plural(done['questionnaires'], 'questionnaire')}."
        )
