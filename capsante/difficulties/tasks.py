"""Difficulties in the background: the staged table of open and resolved difficulties, and
their indicators."""

from capsante.jobs import services as jobs

from . import stats


@jobs.job_task("difficulties")
def refresh_difficulty_indicators() -> str:
    written = stats.export_activity()
    if not written:
        return "Aucune difficulté à exporter."
    return f"Difficultés exportées et indicateurs recalculés ({written[0]} à {written[-1]})."


jobs.register_kind(jobs.Kind("difficulties", "Remontées terrain : mise à jour des indicateurs"))
