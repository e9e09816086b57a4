from django.conf import settings
from django.core.management.base import BaseCommand

from capsante.events import registrations
from capsante.jobs import services as jobs
from capsante.ui.formats import plural


class Command(BaseCommand):
    help = (
        "Rappelle par courriel (avec l'invitation iCalendar et le lien d'annulation) leur "
        "événement aux inscrits confirmés, CAPSANTE_EVENTS_REMINDER_DAYS jours avant, une seule "
        "fois. À lancer chaque jour (capsante-daily) : le travail est mis dans la file, ou fait "
        "tout de suite avec --maintenant."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--maintenant",
            action="store_true",
            help="Envoyer tout de suite dans cette commande, sans passer par la file de travaux.",
        )

    def handle(self, *args, **options):
        if options["maintenant"]:
            sent = jobs.run_inline(
                lambda: registrations.send_reminders(base_url=settings.PUBLIC_URL),
                kind="event_reminders",
                label="Rappels des événements",
            )
            self.stdout.write(f"{plural(sent, 'rappel mis', 'rappels mis')} en file d'envoi.")
            return
        job = registrations.enqueue_reminders()
        self.stdout.write(
            f"Rappels des événements : travail n° {job.pk} en file."
            if job
            else "Rappels des événements : un travail attend déjà dans la file."
        )
