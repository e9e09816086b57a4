"""Events in the background: the staged table of events held, and their indicators."""

from capsante.jobs import services as jobs

from . import counts


@jobs.job_task("events")
def refresh_event_indicators(periods: list[str]) -> str:
    written = counts.export_activity(periods)
    return f"Événements tenus exportés et indicateurs recalculés ({', '.join(written)})."


jobs.register_kind(jobs.Kind("events", "Événements : mise à jour des indicateurs"))
