"""A roadmap document once asked for is kept current in the background (decision 0051): a new
month computed, an action updated or a new day lays its edition out again in a job (or in
`capsante refresh_editions`, each day), so that the next download reads it back at once."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from capsante.indicators import services as indicator_services
from capsante.jobs.models import Job, JobStatus
from capsante.reports import roadmap_document
from capsante.roadmaps.models import Action
from capsante.roadmaps.services import update_action

from .conftest import normalise, stage_mes
from .test_roadmap_document import MONTHS
from .test_roadmap_editions import _text, documents, layouts  # noqa: F401 - fixtures

JULY = {"72181": (500, 900, 1000), "72003": (50, 90, 100), "72154": (50, 90, 100)}


def _editions_jobs():
    return list(Job.objects.filter(kind="editions").order_by("pk"))


@pytest.mark.django_db
def test_a_month_computed_lays_out_again_the_document_people_downloaded_before_they_ask(
    seeded_roadmaps,
    staging,
    documents,  # noqa: F811
    layouts,  # noqa: F811
    client,
    run_jobs,
    django_capture_on_commit_callbacks,
    personas,
    tmp_path,
):
    stage_mes(staging, MONTHS)
    indicator_services.compute_and_store(codes=["DMP_ALIMENTATION"])
    assert _editions_jobs() == [], "no document asked for yet: nothing to keep current"
    address = reverse("reports:roadmap_document", args=[seeded_roadmaps["72"].pk])
    assert client.get(address).status_code == 200
    assert len(layouts) == 1

    stage_mes(staging, {**MONTHS, "2025-07": JULY})
    with django_capture_on_commit_callbacks(execute=True):
        indicator_services.compute_and_store(codes=["DMP_ALIMENTATION"])
    [queued] = _editions_jobs()
    assert queued.status == JobStatus.QUEUED
    assert queued.label == "Mise à jour des documents des feuilles de route"

    [ran] = run_jobs()
    assert ran.status == JobStatus.SUCCEEDED, ran.message
    assert (
        normalise(ran.message) == "Feuilles de route : 1 document remis en page (Sarthe 2025-2026)."
    )
    assert len(layouts) == 2, "the Sarthe's alone: the Mayenne's was never asked for"

    after = client.get(address)
    assert len(layouts) == 2, "the download read back what the job laid out"
    text = _text(after.content, tmp_path)
    assert "Dernière valeur calculée : 90,0 % en juillet 2025 (1 080 sur 1 200)" in text
    assert len(list(documents.iterdir())) == 1

    # The région's admin follows it on the jobs page (a job of no territory is the operators').
    client.force_login(personas["ars_admin"])
    jobs_page = normalise(client.get(reverse("imports:jobs")).content.decode())
    assert "Mise à jour des documents des feuilles de route" in jobs_page
    assert "1 document remis en page (Sarthe 2025-2026)" in jobs_page


@pytest.mark.django_db
def test_changes_while_a_job_waits_are_left_to_it_and_an_unchanged_document_is_not_laid_out(
    seeded_roadmaps,
    documents,  # noqa: F811
    layouts,  # noqa: F811
    run_jobs,
    django_capture_on_commit_callbacks,
):
    sarthe = seeded_roadmaps["72"]
    roadmap_document.edition(sarthe)
    action = Action.objects.filter(objective__roadmap=sarthe).order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        update_action(action, {"status": "late" if action.status != "late" else "done"})
        update_action(action, {"progress": 40})
    assert len(_editions_jobs()) == 1, "the second change is read by the job already waiting"
    [ran] = run_jobs()
    assert (
        normalise(ran.message) == "Feuilles de route : 1 document remis en page (Sarthe 2025-2026)."
    )
    assert len(layouts) == 2

    # The partners' internal note is not in the document: read, compared, not laid out.
    with django_capture_on_commit_callbacks(execute=True):
        update_action(action, {"note": "Le prestataire n’a pas encore répondu."})
    [ran] = run_jobs()
    assert normalise(ran.message) == "Feuilles de route : 1 document inchangé."
    assert len(layouts) == 2


@pytest.mark.django_db
def test_the_daily_command_lays_out_the_new_day_s_editions_of_the_documents_asked_for(
    seeded_roadmaps,
    documents,  # noqa: F811
    layouts,  # noqa: F811
):
    yesterday = timezone.localtime() - dt.timedelta(days=1)
    roadmap_document.edition(seeded_roadmaps["72"], now=yesterday)

    def refresh(*options) -> str:
        out = io.StringIO()
        call_command("refresh_editions", *options, stdout=out)
        return normalise(out.getvalue())

    assert refresh() == "Feuilles de route : 1 document remis en page (Sarthe 2025-2026)."
    assert refresh() == "Feuilles de route : 1 document inchangé."
    assert len(layouts) == 2
    assert refresh("--toutes") == (
        "Feuilles de route : 1 document remis en page (Mayenne 2025-2026), 1 document inchangé."
    )
    names = sorted(path.name.split("--")[0] for path in Path(documents).iterdir())
    assert names == ["feuille-de-route-53-2025-2026", "feuille-de-route-72-2025-2026"]
    [job] = Job.objects.filter(kind="editions").order_by("-pk")[:1]
    assert job.status == JobStatus.SUCCEEDED, "the command's work is recorded as a job"
