"""Attendance by uploading a sign-in sheet (CSV or XLSX): a dry run records nothing, an error
names the file, the line and the field and nothing is recorded, a correct sheet marks its
registrants present and the others absent; the file is never kept."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from capsante.events import registrations

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(workshop):
    base = "http://testserver/"
    result = []
    for name, email in [
        ("Jeanne Martin", "jeanne@example.org"),
        ("Paul Durand", "paul@example.org"),
        ("Élise Lefèvre", "elise@example.org"),
    ]:
        r = registrations.register(
            workshop, name=name, email=email, audience="citoyens", commune=None, base_url=base
        )
        result.append(registrations.confirm(r, base))
    return result


def leftovers() -> list[Path]:
    return sorted(Path(settings.UPLOAD_TEMP_DIR).glob("emargement-*"))


def upload(client, event, name: str, content: bytes, dry_run: bool):
    data = {"sheet": SimpleUploadedFile(name, content)}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(f"/evenements/{event.pk}/suivi/emargement/", data)


def attended(event) -> dict[str, tuple]:
    return {r.email: (r.attended, r.satisfaction) for r in event.registrations.order_by("pk")}


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_dry_run_says_who_would_be_present_and_records_nothing(
    client, personas, workshop, people
):
    client.force_login(personas["dt72_editor"])
    sheet = "Nom et prénom;Courriel;Satisfaction\n;JEANNE@example.org;5\nÉlise Lefèvre;;4\n"
    response = upload(client, workshop, "emargement.csv", sheet.encode("utf-8"), dry_run=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert "rien n’a encore été enregistré" in page
    assert "Jeanne Martin" in page and "Élise Lefèvre" in page and "Paul Durand" not in page
    assert set(attended(workshop).values()) == {(None, None)}
    assert leftovers() == []


def test_one_wrong_line_and_nothing_is_recorded(client, personas, workshop, people):
    client.force_login(personas["dt72_editor"])
    sheet = (
        "Adresse électronique,Satisfaction\n"
        "jeanne@example.org,5\n"
        "inconnu@example.org,4\n"
        "paul@example.org,9\n"
    )
    response = upload(client, workshop, "feuille.csv", sheet.encode("cp1252"), dry_run=False)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Rien n’a été enregistré" in page
    assert (
        "feuille.csv, ligne 3, champ « adresse électronique » : aucune inscription avec "
        "« inconnu@example.org »" in page.replace("&#x27;", "'").replace("&laquo;", "«")
    )
    assert "feuille.csv, ligne 4, champ « satisfaction »" in page
    assert set(attended(workshop).values()) == {(None, None)}  # not even Jeanne
    assert leftovers() == []

    # A file without a known column, or of another type: said, nothing recorded.
    response = upload(client, workshop, "f.csv", b"a;b\n1;2\n", dry_run=False)
    assert "colonnes introuvables" in response.content.decode()
    response = upload(client, workshop, "f.pdf", b"%PDF-1.4", dry_run=False)
    assert "un fichier CSV ou XLSX est attendu" in response.content.decode()
    assert leftovers() == []


def test_a_spreadsheet_by_names_records_the_attendance(client, personas, workshop, people):
    client.force_login(personas["dt72_editor"])
    content = xlsx(
        [["Nom", "Prénom", "Satisfaction"], ["Martin", "Jeanne", 4], ["LEFEVRE", "élise", None]]
    )
    response = upload(client, workshop, "émargement.xlsx", content, dry_run=False)
    assert response.status_code == 302
    assert attended(workshop) == {
        "jeanne@example.org": (True, 4),
        "paul@example.org": (False, None),
        "elise@example.org": (True, None),
    }
    page = client.get(response["Location"]).content.decode()
    assert "enregistrée : 2 présents" in page
    assert leftovers() == []


def test_only_the_events_editors_upload(client, personas, workshop, people):
    client.force_login(personas["dt53_editor"])
    response = upload(client, workshop, "f.csv", b"Courriel\njeanne@example.org\n", False)
    assert response.status_code == 403
    assert set(attended(workshop).values()) == {(None, None)}
