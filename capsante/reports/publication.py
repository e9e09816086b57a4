"""Roadmap documents kept up to date in the background (decision 0051).

A roadmap's PDF is laid out once per edition and read back while unchanged (decision 0050), but
the first download after a change — a month imported, an action updated, a target set, a new
day — paid the layout: one to three seconds of a web worker. Once an edition of a roadmap has
been asked for, the platform keeps it current: each change queues one job that lays out again
the kept editions whose content changed, and `capsante refresh_editions` does so each morning
(capsante-daily), every edition's date having changed. A roadmap nobody has downloaded is laid
out on its first download, as before: the background work follows what people read.

This module is read at start-up (the receivers are connected in `ReportsConfig.ready`): it
imports no more than Django, the jobs' and territories' models and the editions' module.
"""

from django.conf import settings

from capsante.jobs.models import Job, JobStatus
from capsante.territories.models import Level, Territory
from capsante.ui import editions

# The beginning of every roadmap document's edition name (`roadmap_document.edition_name`).
ROADMAP_EDITIONS = "feuille-de-route-"
SUBJECT = "editions:feuilles-de-route"
KIND = "editions"
LABEL = "Mise à jour des documents des feuilles de route"
TASK = "capsante.reports.tasks.refresh_roadmap_editions"


def kept_roadmap_editions() -> set[str]:
    """The edition names of the roadmap documents of which an edition is kept."""
    return editions.kept_names(ROADMAP_EDITIONS)


def home_region() -> Territory | None:
    """The job's territory: the platform's région, so that its admins (and the partners of its
    départements) follow the job on the jobs page, where a job of no territory is the
    operators' alone. The documents it lays out are public."""
    return Territory.objects.filter(level=Level.REGION, code=settings.HOME_REGION).first()


def queue_refresh(**signal) -> None:
    """Queue the job that lays out again the kept editions whose content changed — unless one
    is already waiting, which will read the change when it runs. A job already running may
    have read the roadmaps before the change: another one is queued behind it. The receiver
    of `figures_changed` and `roadmap_changed`."""
    if not kept_roadmap_editions():
        return
    # lazy: the jobs' services import django-tasks and its models, not needed at start-up.
    from capsante.jobs import services as jobs

    if Job.objects.filter(subject=SUBJECT, status=JobStatus.QUEUED).exists():
        return
    jobs.submit(
        TASK,
        kind=KIND,
        label=LABEL,
        subject=SUBJECT,
        territory=home_region(),
    )
