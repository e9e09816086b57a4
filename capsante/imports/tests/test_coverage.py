"""An import replaces only what its file covers, and never removes much without saying so.

Seen on the region-scale demo: a 7-establishment FINESS file replaced every establishment of the
région and emptied the cyber, CaRE and campaign indicators, silently.
"""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from capsante import french
from capsante.establishments.models import Establishment
from capsante.imports.models import ImportStatus
from capsante.imports.services import run_import, staging_store

from .test_import_service import CONNECTORS, SAMPLES

FINESS = CONNECTORS / SAMPLES["finess"]
MES = CONNECTORS / SAMPLES["am-mes"]
KEPT_IN_PARTIAL = {"720009871", "720000025"}  # two Sarthe establishments


@pytest.fixture
def staging(settings, tmp_path):
    settings.STAGING_DIR = tmp_path / "staging"
    settings.RECOMPUTE_AFTER_IMPORT = False
    return settings.STAGING_DIR


def _only(tmp_path: Path, source: Path, keep) -> Path:
    """The source file with only the data lines `keep` accepts (header lines kept)."""
    lines = source.read_bytes().split(b"\n")
    kept = [line for number, line in enumerate(lines) if number == 0 or not line or keep(line)]
    path = tmp_path / f"partiel-{source.name}"
    path.write_bytes(b"\n".join(kept))
    return path


def _partial_finess(tmp_path: Path) -> Path:
    return _only(tmp_path, FINESS, lambda line: line.split(b";")[1].decode() in KEPT_IN_PARTIAL)


def _active() -> set[str]:
    return set(Establishment.objects.filter(active=True).values_list("finess_et", flat=True))


@pytest.mark.django_db
def test_a_partial_finess_file_is_refused_and_its_dry_run_lists_the_removals_first(
    staging, communes_for, tmp_path
):
    communes_for("finess", FINESS)
    run_import("finess", FINESS)
    everything = _active()
    staged_before = (staging / "structures" / "data.parquet").read_bytes()
    partial = _partial_finess(tmp_path)

    dry = run_import("finess", partial, dry_run=True)
    sarthe_others = {f for f in everything if f.startswith("72")} - KEPT_IN_PARTIAL
    assert dry.status == ImportStatus.DRY_RUN
    assert dry.removed == len(sarthe_others) == 3  # only Sarthe is covered by the file
    assert all("(FINESS 72" in line for line in dry.removals)
    assert "confirmant les retraits" in dry.message

    refused = run_import("finess", partial)
    assert refused.status == ImportStatus.REFUSED
    assert "retirerait 3 des 10 lignes" in refused.message
    assert _active() == everything
    assert (staging / "structures" / "data.parquet").read_bytes() == staged_before

    confirmed = run_import("finess", partial, options={"confirm_removals": True})
    assert confirmed.status == ImportStatus.IMPORTED, confirmed.message
    assert _active() == everything - sarthe_others
    staged = set(staging_store().read("structures").column("finess_et").to_pylist())
    assert staged == everything - sarthe_others  # Mayenne, Réunion, Corse untouched


@pytest.mark.django_db
def test_a_full_extract_replaces_everything_once_confirmed(staging, communes_for, tmp_path):
    communes_for("finess", FINESS)
    run_import("finess", FINESS)
    partial = _partial_finess(tmp_path)
    refused = run_import("finess", partial, options={"full_extract": True})
    assert refused.status == ImportStatus.REFUSED and "retirerait 8 des 10" in refused.message
    done = run_import("finess", partial, options={"full_extract": True, "confirm_removals": True})
    assert done.status == ImportStatus.IMPORTED
    assert _active() == KEPT_IN_PARTIAL


@pytest.mark.django_db
def test_a_monthly_file_of_one_departement_keeps_the_others_of_that_month(
    staging, communes_for, tmp_path
):
    communes_for("am-mes", MES)
    run_import("am-mes", MES)
    before = staging_store().read("am_mes_activations")
    mayenne_only = _only(tmp_path, MES, lambda line: line.startswith(b"53"))
    # Mayenne's March figures, corrected: Sarthe's March rows must stay.
    corrected = mayenne_only.read_bytes().replace(b"53130;2025-03;50912", b"53130;2025-03;50999")
    mayenne_only.write_bytes(corrected)
    record = run_import("am-mes", mayenne_only)
    assert record.status == ImportStatus.IMPORTED, (record.message, record.errors[:2])
    assert (record.changed, record.removed) == (1, 0)
    after = staging_store().read("am_mes_activations")
    assert after.num_rows == before.num_rows
    sarthe = [r for r in after.to_pylist() if r["commune_code"].startswith("72")]
    assert sarthe == [r for r in before.to_pylist() if r["commune_code"].startswith("72")]


@pytest.mark.django_db
def test_the_command_lists_removals_and_takes_the_confirmation(
    staging, communes_for, tmp_path, capsys
):
    communes_for("finess", FINESS)
    run_import("finess", FINESS)
    partial = _partial_finess(tmp_path)
    with pytest.raises(CommandError, match="retirerait 3 des 10"):
        call_command("import", "finess", str(partial), verbosity=0)
    out = capsys.readouterr().out
    # Every removal listed: no « les 3 premières » to suggest there are more.
    assert out.startswith("Ce que l’import retirerait : 3\xa0lignes :\n  - "), out
    assert out.count("\n  - ") == 3 and "premières" not in out
    call_command("import", "finess", str(partial), "--confirm-removals", verbosity=0)
    out = capsys.readouterr().out
    assert out.startswith("Ce que l’import a retiré : 3\xa0lignes :"), out
    assert "Importé" in out


@pytest.mark.django_db
def test_a_survey_answer_for_an_unknown_establishment_is_refused(staging, communes_for, tmp_path):
    communes_for("finess", FINESS)
    run_import("finess", FINESS)
    answers = tmp_path / "enquete.csv"
    answers.write_text(
        "Horodateur;N° FINESS;Avez-vous un fax ?\n"
        "2024-06-03;720009871;Oui\n"
        "2024-06-04;999999999;Non\n",
        encoding="utf-8",
    )
    options = {
        "survey": "officines-fax-2024",
        "mapping": {"N° FINESS": "finess_et", "Avez-vous un fax ?": "has_fax"},
    }
    record = run_import("survey", answers, options=options)
    assert record.status == ImportStatus.REFUSED
    (error,) = record.errors
    assert (error["file"], error["line"], error["column"]) == ("enquete.csv", 3, "N° FINESS")
    assert "inconnu du répertoire FINESS" in error["reason"] and "999999999" in error["reason"]
    assert "survey_answers" not in staging_store().tables()


@pytest.mark.django_db
def test_the_command_shows_the_file_read_in_kilobytes_not_as_a_count(staging, communes_for, capsys):
    """The reading step counts the file's bytes: the bar said « 6 347 sur 6 347 » for a file of
    239 lines, after « 0 sur 3 » (the import's steps, under the reading's name). It says sizes."""
    communes_for("am-mes", MES)
    call_command("import", "am-mes", str(MES), verbosity=1)
    states = capsys.readouterr().err.split("\r")
    reading = [s for s in states if s.startswith("Lecture et contrôle du fichier")]
    size = MES.stat().st_size
    assert reading, states
    # Every state of the step counts the file's bytes, from the first: « 0 octet sur 533 octets ».
    assert all(f" sur {french.size(size)} [" in s for s in reading), reading
    assert reading[-1].strip().endswith(f"{french.size(size)} sur {french.size(size)} [00:00]")
