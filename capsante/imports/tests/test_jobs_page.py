"""The "Travaux en cours" page, the retry of an interrupted import, and what recovery does with
an import whose write had committed when its process died."""

import subprocess
import uuid

import pytest
from django.utils import timezone

from capsante.imports.models import ImportRecord, ImportStatus
from capsante.jobs import holder
from capsante.jobs.models import Job, JobStatus, StagingLock
from capsante.jobs.services import recover

from .test_import_service import CONNECTORS, SAMPLES


def _dead_pid() -> int:
    """The pid of a process that has ended (and been reaped): a holder that is gone."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def _interrupted_upload(
    personas, path, *, written=False, source="cyber-register"
) -> tuple[ImportRecord, Job]:
    record = ImportRecord.objects.create(
        source=source,
        file_name="registre.csv",
        user=personas["ars_admin"],
        status=ImportStatus.RUNNING,
        written_at=timezone.now() if written else None,
    )
    job = Job.objects.create(
        kind="import",
        label=f"Import n° {record.pk}",
        status=JobStatus.RUNNING,
        task="capsante.imports.tasks.import_uploaded_file",
        arguments={"record_id": record.pk, "path": str(path)},
        subject=f"import:{record.pk}",
        user=personas["ars_admin"],
        holder_host=holder.HOST,
        holder_pid=_dead_pid(),
    )
    return record, job


@pytest.mark.django_db(transaction=True)
def test_an_interrupted_upload_is_retried_from_its_page_and_lands(
    client, personas, settings, tmp_path, run_jobs
):
    settings.STAGING_DIR = tmp_path / "staging"
    settings.UPLOAD_TEMP_DIR = tmp_path / "uploads"
    settings.UPLOAD_TEMP_DIR.mkdir()
    upload = settings.UPLOAD_TEMP_DIR / "import-abc.csv"
    upload.write_bytes((CONNECTORS / SAMPLES["cyber-register"]).read_bytes())
    record, job = _interrupted_upload(personas, upload)
    report = recover()
    assert [j.pk for j in report.jobs] == [job.pk]
    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED and "Réessayer" in record.message
    client.force_login(personas["ars_admin"])
    page = client.get(f"/imports/{record.pk}/").content.decode()
    assert "Réessayer" in page and "Échec technique — interrompu" in page
    listing = client.get("/imports/travaux/?etat=echecs").content.decode()
    assert f"Import n° {record.pk}" in listing and "Réessayer" in listing

    response = client.post(f"/imports/travaux/{job.pk}/relancer/", {"retour": "import"})
    again = ImportRecord.objects.exclude(pk=record.pk).get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{again.pk}/"
    run_jobs()
    again.refresh_from_db()
    assert again.status == ImportStatus.IMPORTED, again.message
    assert not upload.exists()  # deleted once its import ended
    # One retry per failed job: the button is gone.
    assert "Réessayer" not in client.get(f"/imports/{record.pk}/").content.decode()


@pytest.mark.django_db
def test_an_interrupted_identity_file_is_deleted_at_once_and_must_be_sent_again(
    personas, settings, tmp_path
):
    """An identity file (NIR, names, birth dates) never waits on disk for a retry."""
    settings.UPLOAD_TEMP_DIR = tmp_path / "uploads"
    settings.UPLOAD_TEMP_DIR.mkdir()
    upload = settings.UPLOAD_TEMP_DIR / "import-abc.json"
    upload.write_bytes((CONNECTORS / SAMPLES["ins-fhir"]).read_bytes())
    record, _ = _interrupted_upload(personas, upload, source="ins-fhir")
    recover()
    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED and "déposez-le à nouveau" in record.message
    assert not upload.exists()


@pytest.mark.django_db
def test_retrying_an_interrupted_upload_whose_file_is_gone_asks_for_it_again(
    client, personas, tmp_path
):
    record, job = _interrupted_upload(personas, tmp_path / "effacé.csv")
    recover()
    record.refresh_from_db()
    assert "déposez-le à nouveau" in record.message
    client.force_login(personas["ars_admin"])
    response = client.post(f"/imports/travaux/{job.pk}/relancer/", follow=True)
    page = response.content.decode()
    assert "n&#x27;est plus sur le serveur" in page and "déposez-le à nouveau" in page
    assert ImportRecord.objects.count() == 1


@pytest.mark.django_db
def test_an_import_killed_after_its_write_committed_keeps_it_and_recomputes(
    personas, settings, tmp_path
):
    """Killed during the recompute: the write is whole, so recovery keeps the new files, drops
    the backup, and queues the recompute again."""
    settings.STAGING_DIR = tmp_path / "staging"
    table = settings.STAGING_DIR / "cyber_register"
    table.mkdir(parents=True)
    (table / "data.parquet").write_bytes(b"new")
    token = uuid.uuid4().hex
    backup = settings.STAGING_DIR / f".cyber_register.backup-{token}"
    backup.mkdir()
    (backup / "data.parquet").write_bytes(b"old")
    record, job = _interrupted_upload(personas, tmp_path / "gone.csv", written=True)
    StagingLock.objects.create(
        table="cyber_register",
        token=token,
        committed=True,
        holder_host=holder.HOST,
        holder_pid=job.holder_pid,
    )
    report = recover()
    assert report.tables == ["cyber_register"]
    assert (table / "data.parquet").read_bytes() == b"new" and not backup.exists()
    record.refresh_from_db()
    assert record.status == ImportStatus.IMPORTED and "relancé" in record.message
    assert Job.objects.filter(kind="recompute", status=JobStatus.QUEUED).count() == 1
    assert StagingLock.objects.get(table="cyber_register").token == ""


@pytest.mark.django_db
def test_only_admins_see_the_jobs_page_and_its_link(client, personas):
    client.force_login(personas["dt72_editor"])
    assert client.get("/imports/travaux/").status_code == 403
    assert "Travaux en cours" not in client.get("/imports/").content.decode()
    client.force_login(personas["ars_admin"])
    assert "Travaux en cours" in client.get("/imports/").content.decode()
    page = client.get("/imports/travaux/")
    assert page.status_code == 200 and "Aucun travail." in page.content.decode()
