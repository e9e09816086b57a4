"""After identity imports — accepted or refused — no table, no Parquet file, no import record
holds a patient's NIR, name or birth date: only counts."""

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.apps import apps
from django.db import models

from capsante.imports.models import ImportStatus
from capsante.imports.services import run_import

from .test_import_service import CONNECTORS

FHIR = CONNECTORS / "ins_fhir/tests/samples/bundle-identites.json"
NDJSON = CONNECTORS / "ins_fhir/tests/samples/Patient.ndjson"
# FR Core's published example Patients (status in fr-core-cs-v2-0445 and identity-status).
FR_CORE = CONNECTORS / "ins_fhir/tests/samples/fr-core-exemples.json"
HL7 = CONNECTORS / "ins_hl7/tests/samples/adt_pam_fr.hl7"


def _patients_from_fhir(text: str) -> list[dict]:
    text = text.strip()
    if text.startswith("{") and '"Bundle"' in text[:200]:
        return [
            e["resource"]
            for e in json.loads(text)["entry"]
            if e["resource"]["resourceType"] == "Patient"
        ]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _secrets() -> set[str]:
    """Identifiers, names and birth dates found in the samples, read independently of the parsers."""
    found: set[str] = set()
    for path in (FHIR, NDJSON, FR_CORE):
        for patient in _patients_from_fhir(path.read_text(encoding="utf-8")):
            found |= {
                i["value"] for i in patient.get("identifier", []) if len(i.get("value", "")) >= 9
            }
            for name in patient.get("name", []):
                found |= {name.get("family", "")} | set(name.get("given", []))
            found.add(patient.get("birthDate", ""))
    for segment in HL7.read_text(encoding="latin-1").replace("\n", "\r").split("\r"):
        if segment.startswith("PID|") and segment.count("|") >= 7:
            fields = segment.split("|")
            found |= {rep.split("^")[0] for rep in fields[3].split("~") if rep}
            found |= {part for part in fields[5].split("^") if part}
            found.add(fields[7])
    file_names = " ".join(
        p.name for p in (FHIR, NDJSON, FR_CORE, HL7)
    )  # recorded on purpose, not patient data
    return {s for s in found if len(s) >= 4 and s not in file_names}


def _database_text() -> str:
    chunks = []
    for model in apps.get_models():
        text_fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        if text_fields:
            chunks += [
                json.dumps(row, ensure_ascii=False, default=str)
                for row in model.objects.values(*text_fields)
            ]
    return "\n".join(chunks)


def _staging_text(root: Path) -> str:
    return "\n".join(
        json.dumps(pq.read_table(p).to_pylist(), default=str, ensure_ascii=False)
        for p in root.rglob("*.parquet")
    )


@pytest.mark.django_db
def test_identity_imports_leave_only_counts(settings, tmp_path, geography):
    settings.STAGING_DIR = tmp_path / "staging"
    secrets = _secrets()
    assert len(secrets) >= 10  # the samples do carry identities: the scan below is meaningful
    accepted = [
        run_import("ins-fhir", FHIR, options={"period": "2025-04"}),
        run_import("ins-hl7", HL7, options={"finess_et": "720000025"}),
        run_import("ins-fhir", FR_CORE, options={"finess_et": "720000025", "period": "2025-05"}),
    ]
    refused = run_import("ins-fhir", NDJSON)  # no establishment given: refused with errors
    assert [r.status for r in accepted] == [ImportStatus.IMPORTED] * 3, [
        (r.message, r.errors[:2]) for r in accepted
    ]
    assert refused.status == ImportStatus.REFUSED and refused.errors
    staged = _staging_text(settings.STAGING_DIR)
    assert '"identities"' in staged
    stored = _database_text() + staged
    leaked = sorted(s for s in secrets if s in stored)
    assert leaked == []


def _files_text(root: Path) -> str:
    """Everything under a directory as text: Parquet decoded, every other file read raw."""
    chunks = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".parquet":
            chunks.append(_staging_text(path.parent))
        else:
            chunks.append(path.read_bytes().decode("latin-1"))
    return "\n".join(chunks)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("sample", "fields", "outcome"),
    [
        (FHIR, {"source": "ins-fhir", "period": "2025-04"}, ImportStatus.IMPORTED),
        (HL7, {"source": "ins-hl7", "finess_et": "720000025"}, ImportStatus.IMPORTED),
        (NDJSON, {"source": "ins-fhir"}, ImportStatus.REFUSED),  # no establishment: refused
        # A dry run's checked file may be kept for a confirmation, but never an identity file.
        (FHIR, {"source": "ins-fhir", "period": "2025-04", "dry_run": "on"}, ImportStatus.DRY_RUN),
    ],
    ids=["fhir-accepted", "hl7-accepted", "ndjson-refused", "fhir-dry-run"],
)
def test_an_identity_file_uploaded_through_the_web_leaves_no_identity_on_disk(
    client, personas, settings, tmp_path, caplog, sample, fields, outcome
):
    import logging

    from django.core.files.uploadedfile import SimpleUploadedFile

    from capsante.imports.models import ImportRecord
    from capsante.jobs.tests.worker import run_queued_jobs

    data = tmp_path / "data"
    settings.DATA_DIR = data
    settings.STAGING_DIR = data / "staging"
    settings.UPLOAD_TEMP_DIR = data / "tmp"
    settings.FILE_UPLOAD_TEMP_DIR = str(data / "tmp")
    (data / "tmp").mkdir(parents=True)
    # Django itself writes the upload to a temporary file above this size: make it always do so.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    settings.RECOMPUTE_AFTER_IMPORT = False
    caplog.set_level(logging.DEBUG)
    client.force_login(personas["ars_admin"])
    # A demo persona may share a first name with a patient of the samples: only what the
    # upload adds counts.
    secrets = {s for s in _secrets() if s not in _database_text()}
    assert len(secrets) >= 10
    response = client.post(
        "/imports/deposer/",
        {**fields, "file": SimpleUploadedFile(sample.name, sample.read_bytes())},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    record_id = int(response["Location"].rstrip("/").split("/")[-1])
    # Queued: the upload waits in the private folder (0600) until the worker has run its job.
    waiting = list((data / "tmp").iterdir())
    assert len(waiting) == 1 and waiting[0].stat().st_mode & 0o077 == 0
    assert ImportRecord.objects.get(pk=record_id).status == ImportStatus.QUEUED
    run_queued_jobs()  # the real queue: django-tasks' database worker
    record = ImportRecord.objects.get(pk=record_id)
    assert record.status == outcome, (record.message, record.errors[:2])
    # Provenance stays: the file's name, size and hash.
    assert record.file_name == sample.name
    assert record.file_size == sample.stat().st_size and len(record.file_hash) == 64
    assert list((data / "tmp").iterdir()) == []
    stored = _files_text(data) + _database_text() + caplog.text
    leaked = sorted(s for s in secrets if s in stored)
    assert leaked == []
