"""Events in the background: the staged table of events held, and their indicators."""

from capsante.jobs import services as jobs
from capsante.ui.formats import plural

from . import counts, registrations


@jobs.job_task("events")
def refresh_event_indicators(periods: list[str]) -> str:
    written = counts.export_activity(periods)
    return f"Événements tenus exportés et indicateurs recalculés ({', '.join(written)})."


@jobs.job_task("event_reminders")
def send_event_reminders(base_url: str) -> str:
    sent = registrations.send_reminders(base_url=base_url)
    return (
        f"Rappels des événements : {plural(sent, 'courriel mis', 'courriels mis')} en file d’envoi."
    )


jobs.register_kind(jobs.Kind("events", "Événements : mise à jour des indicateurs"))
jobs.register_kind(jobs.Kind("event_reminders", "Événements : rappels aux inscrits"))
