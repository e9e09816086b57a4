"""The Django side of every import: record, dry run, all-or-nothing, idempotence, CLI and web."""

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from capsante.establishments.models import Establishment
from capsante.imports.models import ImportRecord, ImportStatus
from capsante.imports.services import run_import, staging_store
from capsante.ingest import registry

CONNECTORS = Path(__file__).resolve().parents[2] / "ingest" / "connectors"
SAMPLES = {
    "finess": "finess/tests/samples/etalab-cs1100507-stock-20260512-0336.csv",
    "rpps": "rpps/tests/samples/PS_LibreAcces_Personne_activite_202601150815.txt",
    "mssante": "mssante/tests/samples/Extraction_Correspondance_MSSante_202601150600.txt",
    "ins-fhir": "ins_fhir/tests/samples/bundle-identites.json",
    "ins-hl7": "ins_hl7/tests/samples/adt_pam_fr.hl7",
    "am-mes": "am_tables/tests/samples/am_mes_activations_2025T1.csv",
    "am-dmp-documents": "am_tables/tests/samples/am_dmp_documents_2025-03.csv",
    "am-dmp-consultations": "am_tables/tests/samples/am_dmp_consultations_2025-03.csv",
    "am-telehealth": "am_tables/tests/samples/am_telehealth_2025-03.csv",
    "am-telehealth-offer": "am_tables/tests/samples/am_telehealth_offer_2025-03.csv",
    "cyber-register": "cyber_register/tests/samples/registre_cyber_ars_pdl_2025.csv",
}

# What an admin types in the upload form when a file does not say it.
OPTIONS = {
    "ins-fhir": {"period": "2026-01", "finess_et": "720000025"},
    "ins-hl7": {"finess_et": "720000025"},
}


@pytest.fixture
def staging(settings, tmp_path):
    settings.STAGING_DIR = tmp_path / "staging"
    return settings.STAGING_DIR


@pytest.mark.django_db
@pytest.mark.parametrize("source", sorted(SAMPLES))
def test_each_connector_imports_its_sample_once_then_reports_no_change(
    source, staging, communes_for
):
    path = CONNECTORS / SAMPLES[source]
    communes_for(source, path)
    first = run_import(source, path, options=OPTIONS.get(source))
    assert first.status == ImportStatus.IMPORTED, (first.message, first.errors[:3])
    assert first.rows_kept > 0 and first.added > 0
    assert len(first.file_hash) == 64
    for table in registry.get(source).tables:
        assert staging_store().read(table).num_rows > 0
    second = run_import(source, path, options=OPTIONS.get(source))
    assert second.status == ImportStatus.UNCHANGED
    assert (second.added, second.changed, second.removed) == (0, 0, 0)


@pytest.mark.django_db
def test_dry_run_counts_changes_but_writes_nothing(staging, communes_for):
    path = CONNECTORS / SAMPLES["finess"]
    communes_for("finess", path)
    record = run_import("finess", path, dry_run=True)
    assert record.status == ImportStatus.DRY_RUN
    assert record.added == record.rows_kept > 0
    assert Establishment.objects.count() == 0
    assert not (staging / "structures").exists()


@pytest.mark.django_db
def test_finess_import_fills_the_structure_registry_with_communes(staging, communes_for):
    path = CONNECTORS / SAMPLES["finess"]
    communes_for("finess", path)
    record = run_import("finess", path)
    staged = pq.read_table(staging / "structures" / "data.parquet")
    assert Establishment.objects.count() == staged.num_rows
    officine = Establishment.objects.filter(category_group="officine").first()
    assert officine is not None and officine.commune is not None
    assert officine.last_import == record
    assert officine.history.count() == 1


def _corrupt(tmp_path: Path, source: str, transform) -> Path:
    original = CONNECTORS / SAMPLES[source]
    path = tmp_path / original.name
    path.write_bytes(transform(original.read_bytes()))
    return path


@pytest.mark.django_db
def test_a_corrupted_file_is_refused_and_changes_nothing(staging, communes_for, tmp_path):
    good = CONNECTORS / SAMPLES["finess"]
    communes_for("finess", good)
    run_import("finess", good)
    before_rows = Establishment.objects.count()
    before_bytes = (staging / "structures" / "data.parquet").read_bytes()

    def cut_third_line(data: bytes) -> bytes:
        lines = data.split(b"\n")
        lines[2] = lines[2][: len(lines[2]) // 2]
        return b"\n".join(lines)

    record = run_import("finess", _corrupt(tmp_path, "finess", cut_third_line))
    assert record.status == ImportStatus.REFUSED
    assert record.errors[0]["line"] == 3
    assert "ligne tronquée" in record.errors[0]["reason"] or record.errors[0]["column"]
    assert Establishment.objects.count() == before_rows
    assert (staging / "structures" / "data.parquet").read_bytes() == before_bytes


@pytest.mark.django_db
def test_a_failure_while_writing_restores_staging_and_database(staging, communes_for, monkeypatch):
    path = CONNECTORS / SAMPLES["finess"]
    communes_for("finess", path)
    from capsante.ingest import staging as staging_module

    def explode(*args, **kwargs):
        raise OSError("disque plein")

    monkeypatch.setattr(staging_module.StagingStore, "write", explode)
    record = run_import("finess", path)
    assert record.status == ImportStatus.FAILED
    assert "disque plein" in record.message
    assert Establishment.objects.count() == 0
    assert (
        not list((staging / "structures").glob("*.parquet"))
        if (staging / "structures").exists()
        else True
    )


@pytest.mark.django_db
def test_cli_prints_a_summary_and_exits_non_zero_on_refusal(
    staging, communes_for, tmp_path, capsys
):
    path = CONNECTORS / SAMPLES["am-mes"]
    communes_for("am-mes", path)
    call_command("import", "am-mes", str(path), verbosity=0)
    out = capsys.readouterr().out
    assert out.startswith("Importé :") and "ajoutées" in out
    bad = _corrupt(tmp_path, "am-mes", lambda data: data.replace(b";", b",", 40))
    with pytest.raises(CommandError, match="Rien n'a été importé"):
        call_command("import", "am-mes", str(bad), verbosity=0)
    err = capsys.readouterr().err
    assert bad.name in err and "ligne" in err
    assert ImportRecord.objects.filter(status=ImportStatus.REFUSED).count() == 1


@pytest.mark.django_db
def test_unknown_source_is_refused_with_the_known_list(staging, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a;b\n1;2\n")
    record = run_import("dmp-inconnu", path)
    assert record.status == ImportStatus.REFUSED
    assert "Source inconnue" in record.message


def test_the_summary_agrees_each_count_with_its_noun():
    """What the import pages and the command say: French singular below 2, grouped thousands."""
    record = ImportRecord(
        rows_read=1_235,
        rows_kept=1_234,
        rows_rejected=1,
        added=1,
        changed=0,
        removed=2,
        tables={"structures": {"unchanged": 1_233}},
    )
    assert record.summary() == (
        "1\u202f235\xa0lignes lues = 1\u202f234\xa0retenues + 1\xa0rejetée ;"
        " 1\u202f234\xa0lignes préparées = 1\xa0ajoutée + 0\xa0modifiée + 1\u202f233\xa0inchangées ;"
        " 2\xa0retirées"
    )
    grouped = ImportRecord(rows_read=1, rows_kept=1, rows_rejected=0)
    assert grouped.summary() == "1\xa0ligne lue = 1\xa0retenue + 0\xa0rejetée"

    refused = ImportRecord(status=ImportStatus.REFUSED, rows_read=2, rows_rejected=1, error_count=2)
    assert refused.summary() == "2\xa0lignes lues"  # the message and the errors tell the rest
