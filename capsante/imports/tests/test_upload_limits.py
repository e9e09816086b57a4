"""Uploads are bounded in size while they arrive and limited in type; the form says why in
French, naming the file, and nothing is kept."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from capsante.imports.models import ImportRecord


@pytest.fixture
def admin(client, personas, settings, tmp_path):
    settings.UPLOAD_TEMP_DIR = tmp_path / "uploads"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "django-tmp")
    (tmp_path / "django-tmp").mkdir()
    client.force_login(personas["ars_admin"])
    return client


def errors_of(response) -> str:
    return " ".join(str(e) for errors in response.context["form"].errors.values() for e in errors)


@pytest.mark.django_db
def test_a_file_over_the_limit_is_stopped_while_it_arrives_and_named(admin, settings, tmp_path):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024 * 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # Django would write it to its temporary folder
    big = SimpleUploadedFile(
        "activations-mes.csv", b"code_commune;mois\n" + b"72181;2025-01\n" * 200_000
    )
    response = admin.post("/imports/deposer/", {"source": "am-mes", "file": big})
    assert response.status_code == 200
    assert (
        "« activations-mes.csv » est trop volumineux : un fichier déposé fait 1 Mo au plus."
        in errors_of(response)
    )
    assert not ImportRecord.objects.exists()
    assert not list((tmp_path / "django-tmp").iterdir())  # nothing of it left on disk
    assert not (tmp_path / "uploads").exists() or not list((tmp_path / "uploads").iterdir())


@pytest.mark.django_db
def test_the_form_names_the_limit(admin, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 2 * 1024**3
    page = admin.get("/imports/deposer/").content.decode()
    assert "CSV, TXT, JSON, NDJSON, HL7, XLSX, ZIP ou gzip. 2 Go au plus." in page


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["photo.exe", "rapport.pdf", "page.html", "sans-extension"])
def test_a_file_of_another_type_is_refused_and_named(admin, name):
    response = admin.post(
        "/imports/deposer/",
        {"source": "finess", "file": SimpleUploadedFile(name, b"a;b\n1;2\n")},
    )
    assert response.status_code == 200
    assert f"« {name} » n'est pas d'un type accepté" in errors_of(response)
    assert not ImportRecord.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["finess.CSV", "rpps.txt", "ins.ndjson", "adt.hl7", "mes.csv.gz", "x.zip"]
)
def test_the_types_the_connectors_read_are_accepted(admin, name):
    response = admin.post(
        "/imports/deposer/",
        {"source": "finess", "file": SimpleUploadedFile(name, b"a;b\n1;2\n"), "dry_run": "on"},
    )
    assert response.status_code == 302, errors_of(response)
