"""The 2024 pharmacy fax survey reproduced as a questionnaire: its answers reach the indicators
through the path of an imported survey, and give what the imported file gives."""

import pyarrow as pa
import pytest
from django.conf import settings

from capsante import engine
from capsante.establishments.models import Establishment
from capsante.imports.models import ImportRecord, ImportStatus
from capsante.imports.services import run_import, staging_store
from capsante.indicators import services as indicators
from capsante.indicators.models import IndicatorValue
from capsante.questionnaires import answering
from capsante.questionnaires import staging as feeding

from .pharmacies import SURVEY_OPTIONS, finess_numbers, june_2024, write_finess, write_survey


def answer_all(questionnaire, answers) -> None:
    from capsante.establishments.models import Establishment

    by_target = {q.target: q for q in questionnaire.questions.exclude(target="")}
    structure = questionnaire.questions.get(kind="structure")
    for a in answers:
        given = {
            str(structure.pk): a.finess,
            str(by_target["has_fax"].pk): "Oui" if a.has_fax else "Non",
            str(by_target["has_mss"].pk): "Oui" if a.has_mss else "Non",
        }
        if a.uses_mss is not None:
            given[str(by_target["uses_mss"].pk)] = "Oui" if a.uses_mss else "Non"
        who = answering.Respondent(establishment=Establishment.objects.get(finess_et=a.finess))
        answering.submit(questionnaire, given, who=who, now=a.moment)


def engine_values(code: str) -> list[dict]:
    """What the engine computes from the staged tables as they are, every territory, sorted."""
    membership, population = indicators.membership_tables()
    table: pa.Table = engine.compute(
        [indicators.definitions()[code]],
        settings.STAGING_DIR,
        membership=membership,
        population=population,
    )
    rows = table.to_pylist()
    return sorted(rows, key=lambda r: (r["territory_level"], r["territory_code"], r["period"]))


@pytest.mark.django_db(transaction=True)
def test_the_2024_survey_as_a_questionnaire_gives_156_officines_and_91_percent_with_a_fax(
    geography, staging, pharmacy, run_jobs, tmp_path, settings, client, personas
):
    settings.RECOMPUTE_AFTER_IMPORT = False
    numbers = finess_numbers(156)
    assert run_import("finess", write_finess(tmp_path / "finess.csv", numbers)).status == (
        ImportStatus.IMPORTED
    )
    settings.RECOMPUTE_AFTER_IMPORT = True
    answers = june_2024(numbers, with_fax=142, with_mss=123)
    answer_all(pharmacy, answers)
    assert pharmacy.responses.count() == 156

    jobs = run_jobs()  # the feed queued by the answers: one for all of them
    assert [j.status for j in jobs] == ["succeeded"], [j.message for j in jobs]
    record = ImportRecord.objects.filter(source="survey").latest("pk")
    assert record.status == ImportStatus.IMPORTED, (record.message, record.errors[:3])
    assert (record.rows_kept, record.added) == (156, 156)
    assert record.options["survey"] == "officines-fax-2024".replace("fax", "fax-mssante")

    value = IndicatorValue.objects.get(
        indicator__code="OFFICINES_FAX", territory=geography["sarthe"], is_current=True
    )
    assert (value.period, value.numerator, value.denominator) == ("2024-06", 142, 156)
    assert round(value.value) == 91
    from_questionnaire = engine_values("OFFICINES_FAX")
    staged = staging_store().read("survey_answers")
    assert sum(staged.column("has_mss").to_pylist()) == 123

    # The same answers as the survey tool's file, imported: nothing to change.
    file = write_survey(tmp_path / "enquete_officines_fax_mssante_72_2024-06.csv", answers)
    again = run_import("survey", file, options=SURVEY_OPTIONS)
    assert again.status == ImportStatus.UNCHANGED, again.message
    assert "déjà importé" in again.message
    # The questionnaire's editors are told that a file shares its survey: each replaces the other.
    assert [r.file_name for r in feeding.imported_files(pharmacy)] == [file.name]
    client.force_login(personas["dt72_editor"])
    results = client.get(f"/questionnaires/{pharmacy.pk}/resultats/").content.decode()
    assert file.name in results and "remplacée en entier" in results

    # And from a platform where only the file was ever imported: the same values everywhere.
    settings.STAGING_DIR = tmp_path / "other-staging"
    settings.RECOMPUTE_AFTER_IMPORT = False
    run_import("finess", tmp_path / "finess.csv")
    imported = run_import("survey", file, options=SURVEY_OPTIONS)
    assert imported.status == ImportStatus.IMPORTED, imported.message
    assert engine_values("OFFICINES_FAX") == from_questionnaire
    assert any(r["territory_code"] == "72" for r in from_questionnaire)


@pytest.mark.django_db
def test_answers_for_structures_outside_the_registry_or_the_territory_are_left_out(
    geography, staging, pharmacy, tmp_path, settings
):
    settings.RECOMPUTE_AFTER_IMPORT = False
    numbers = finess_numbers(3)
    run_import("finess", write_finess(tmp_path / "finess.csv", numbers))
    answer_all(pharmacy, june_2024(numbers, with_fax=2, with_mss=1))
    structure = pharmacy.questions.get(kind="structure")
    stranger = finess_numbers(1, start=5000)[0]
    answering.submit(pharmacy, {str(structure.pk): stranger}, structure=stranger)
    mayenne = Establishment.objects.create(
        finess_et=finess_numbers(1, start=6000)[0].replace("72", "53", 1),
        name="PHARMACIE DE LAVAL", category_group="officine",
        commune=geography["communes"]["53130"], departement_code="53",
    )  # fmt: skip
    answering.submit(pharmacy, {}, who=answering.Respondent(establishment=mayenne))
    survey = feeding.survey_file(pharmacy)
    assert len(survey.rows) == 3 and survey.left_out == [stranger, mayenne.finess_et]
    record = feeding.feed(pharmacy)
    assert record.status == ImportStatus.IMPORTED, (record.message, record.errors[:2])
    # A second answer from the same pharmacy replaces the first: its row changes, none is added.
    answer_all(pharmacy, june_2024(numbers[:1], with_fax=0, with_mss=0))
    record = feeding.feed(pharmacy)
    assert (record.status, record.added, record.changed, record.removed) == (
        ImportStatus.IMPORTED, 0, 1, 0,
    )  # fmt: skip
