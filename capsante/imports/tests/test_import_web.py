import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from capsante.imports.models import ImportRecord, ImportStatus
from capsante.jobs.tests.worker import run_queued_jobs
from capsante.ui.testing import table_rows

from .test_import_service import CONNECTORS, SAMPLES


def _wait_finished(record_id: int) -> ImportRecord:
    """The upload waits in the queue until the worker runs it."""
    assert ImportRecord.objects.get(pk=record_id).status == ImportStatus.QUEUED
    run_queued_jobs()
    record = ImportRecord.objects.get(pk=record_id)
    assert record.finished, record.status
    return record


@pytest.mark.django_db(transaction=True)
def test_admin_uploads_a_file_that_runs_in_background_and_shows_its_errors(
    client, personas, settings, tmp_path
):
    settings.STAGING_DIR = tmp_path / "staging"
    client.force_login(personas["ars_admin"])
    good = (CONNECTORS / SAMPLES["cyber-register"]).read_bytes()
    response = client.post(
        "/imports/deposer/",
        {
            "source": "cyber-register",
            "file": SimpleUploadedFile("registre.csv", good),
        },
    )
    assert response.status_code == 302
    record = _wait_finished(int(response["Location"].rstrip("/").split("/")[-1]))
    assert record.status == ImportStatus.IMPORTED and record.user == personas["ars_admin"]
    state = client.get(f"/imports/{record.pk}/etat.json").json()
    assert state["finished"] and state["percent"] == 100
    # The jobs page names the source as the form does, not by its code (« cyber-register »).
    jobs = [
        row[2] for row in table_rows(client.get("/imports/travaux/").content.decode(), "Travaux")
    ]
    assert f"Import n° {record.pk} — {record.source_label} — registre.csv" in jobs, jobs
    assert not any("cyber-register" in job for job in jobs)

    broken = good.replace(b"\n", b"\n;;", 3)
    response = client.post(
        "/imports/deposer/",
        {
            "source": "cyber-register",
            "file": SimpleUploadedFile("registre-casse.csv", broken),
        },
    )
    record = _wait_finished(int(response["Location"].rstrip("/").split("/")[-1]))
    assert record.status == ImportStatus.REFUSED
    page = client.get(f"/imports/{record.pk}/").content.decode()
    assert "registre-casse.csv" in page and "Rien n&#x27;a été importé" in page
    first = record.errors[0]
    assert [first["file"], str(first["line"])] in [
        row[:2] for row in table_rows(page, "Toutes les erreurs du fichier")
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "list_status", "upload_status"),
    [
        (None, 302, 302),
        ("elected_reader", 200, 403),
        ("cpam72_contributor", 200, 403),
        ("ars_admin", 200, 200),
    ],
)
def test_import_pages_access(client, personas, who, list_status, upload_status):
    if who:
        client.force_login(personas[who])
    assert client.get("/imports/").status_code == list_status
    assert client.get("/imports/deposer/").status_code == upload_status


@pytest.mark.django_db(transaction=True)
def test_survey_upload_maps_columns_given_in_the_form(client, personas, settings, tmp_path):
    settings.STAGING_DIR = tmp_path / "staging"
    settings.RECOMPUTE_AFTER_IMPORT = False
    client.force_login(personas["ars_admin"])
    answers = "Horodateur;N° FINESS;Avez-vous un fax ?\n2024-06-03;720000025;Oui\n2024-06-04;720000033;Non\n"
    missing = client.post(
        "/imports/deposer/",
        {"source": "survey", "file": SimpleUploadedFile("enquete.csv", answers.encode())},
    )
    page = missing.content.decode()
    assert missing.status_code == 200
    # The error names what is missing in the users' words, beside the field that asks for it.
    assert "Indiquez la colonne qui porte le n° FINESS" in page
    assert "Un fichier d’enquête demande l’identifiant de l’enquête." in page
    assert "Colonne « date de la réponse »" in page  # the expected columns, in their words
    # An identifier given but not valid is told as such, not as missing (review of 7 December).
    refused = client.post(
        "/imports/deposer/",
        {
            "source": "survey",
            "survey": "enquête fax!",
            "file": SimpleUploadedFile("enquete.csv", answers.encode()),
        },
    ).content.decode()
    assert "Un fichier d’enquête demande l’identifiant de l’enquête." not in refused
    assert "ne doit contenir que des lettres, des nombres" in refused
    response = client.post(
        "/imports/deposer/",
        {
            "source": "survey",
            "survey": "officines-fax-2024",
            "column_answered_on": "Horodateur",
            "column_finess_et": "N° FINESS",
            "column_has_fax": "Avez-vous un fax ?",
            "file": SimpleUploadedFile("enquete.csv", answers.encode()),
        },
    )
    record = _wait_finished(int(response["Location"].rstrip("/").split("/")[-1]))
    assert record.status == ImportStatus.IMPORTED, (record.message, record.errors[:2])
    assert record.rows_kept == 2


@pytest.mark.django_db(transaction=True)
def test_a_dry_run_without_errors_is_confirmed_without_sending_the_file_again(
    client, personas, settings, tmp_path
):
    settings.STAGING_DIR = tmp_path / "staging"
    settings.UPLOAD_TEMP_DIR = tmp_path / "uploads"
    settings.RECOMPUTE_AFTER_IMPORT = False
    sample = (CONNECTORS / SAMPLES["cyber-register"]).read_bytes()
    client.force_login(personas["ars_admin"])
    response = client.post(
        "/imports/deposer/",
        {
            "source": "cyber-register",
            "dry_run": "on",
            "file": SimpleUploadedFile("registre.csv", sample),
        },
    )
    checked = _wait_finished(int(response["Location"].rstrip("/").split("/")[-1]))
    assert checked.status == ImportStatus.DRY_RUN
    assert not (settings.STAGING_DIR / "cyber_register").exists()
    page = client.get(f"/imports/{checked.pk}/").content.decode()
    assert "Confirmer l’import de ce fichier" in page
    # Only the person who ran the dry run confirms it; the file waits in the private folder.
    assert len(list(settings.UPLOAD_TEMP_DIR.iterdir())) == 1

    response = client.post(f"/imports/{checked.pk}/confirmer/")
    confirmed = _wait_finished(int(response["Location"].rstrip("/").split("/")[-1]))
    assert confirmed.pk != checked.pk and confirmed.status == ImportStatus.IMPORTED
    assert confirmed.file_name == "registre.csv" and confirmed.file_hash == checked.file_hash
    assert list(settings.UPLOAD_TEMP_DIR.iterdir()) == []
    # The dry run cannot be confirmed twice: its file is gone.
    again = client.post(f"/imports/{checked.pk}/confirmer/", follow=True).content.decode()
    assert "Le fichier vérifié n’est plus disponible" in again
    assert ImportRecord.objects.filter(dry_run=False).count() == 1
