"""Reports in the background: the roadmap documents laid out again after a change
(decision 0051)."""

from capsante.jobs import services as jobs

from . import publication, services


@jobs.job_task(publication.KIND)
def refresh_roadmap_editions() -> str:
    def progress(done: int, total: int) -> None:
        jobs.progress("mise en page des feuilles de route", done, total)

    return services.refresh_roadmap_editions(progress=progress).summary


jobs.register_kind(jobs.Kind(publication.KIND, "Documents des feuilles de route : mise à jour"))
