"""A pharmacy questionnaire built in the platform by an editor, in a real browser, answered by
3 pharmacies through their pre-filled FINESS links (no account), moves the fax indicator
exactly as the same 3 answers imported as a survey file do."""

import re
import zoneinfo

import pytest
from playwright.sync_api import expect

from capsante.imports.models import ImportRecord, ImportStatus
from capsante.imports.services import run_import
from capsante.indicators.models import IndicatorValue
from capsante.questionnaires.models import Questionnaire, Response
from capsante.questionnaires.tests.pharmacies import (
    Answer,
    finess_numbers,
    write_finess,
    write_survey,
)
from capsante.questionnaires.tests.test_indicators import engine_values

from .conftest import serious_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
SURVEY = "officines-fax-trois"
FAX = "Votre officine dispose-t-elle d’un fax ?"
MSS = "Disposez-vous d’une MSSanté ?"
USES = "Utilisez-vous votre MSSanté chaque semaine ?"
# (fax, MSSanté, used weekly) for each of the 3 pharmacies.
TICKS = [("Oui", "Oui", "Non"), ("Non", "Oui", "Oui"), ("Oui", "Non", None)]


def _add_question(page, text: str, target: str, condition: str = "") -> None:
    page.locator("#id_text").fill(text)
    page.locator("#id_kind").select_option(label="Choix unique")
    page.locator("#id_choices_text").fill("Oui\nNon")
    page.locator("#id_target").select_option(label=target)
    if condition:
        page.locator("#id_shown_if").select_option(label=condition)
        page.locator("#id_shown_if_value").fill("Oui")
    page.get_by_role("button", name="Enregistrer la question").click()
    page.get_by_text(f"Question enregistrée : « {text} ».").wait_for()


def _tick(page, question: str, choice: str) -> None:
    group = page.get_by_role("group", name=re.compile(re.escape(question)))
    group.locator("label", has_text=re.compile(f"^\\s*{choice}\\s*$")).click()


def test_three_pharmacies_answer_by_prefilled_links_as_an_imported_survey_would(
    live_server, personas, geography, page, browser, settings, tmp_path, run_jobs
):
    settings.STAGING_DIR = tmp_path / "staging"
    settings.RECOMPUTE_AFTER_IMPORT = False
    numbers = finess_numbers(3)
    finess_file = write_finess(tmp_path / "finess.csv", numbers)
    assert run_import("finess", finess_file).status == ImportStatus.IMPORTED
    settings.RECOMPUTE_AFTER_IMPORT = True
    base = live_server.url

    # The editor builds the questionnaire.
    sign_in(page, base, "dt72.editeur")
    page.goto(f"{base}/questionnaires/nouveau/")
    page.get_by_label("Territoire", exact=True).select_option(label="Sarthe (72)")
    page.get_by_label("Titre", exact=True).fill("Fax et MSSanté des officines")
    page.get_by_label("Identifiant dans le lien").fill("officines-trois")
    page.locator("#id_purpose").fill("Accompagner la démarche zéro fax.")
    page.get_by_label("Diffusion", exact=True).select_option(value="structures")
    page.locator("label", has_text=re.compile(r"^\s*Officine\s*$")).click()
    page.locator("#id_survey").fill(SURVEY)
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Questionnaire créé : ajoutez ses questions.").wait_for()
    _add_question(page, FAX, "Possède un fax")
    _add_question(page, MSS, "Dispose d’une messagerie sécurisée de santé")
    _add_question(page, USES, "Utilise sa messagerie sécurisée de santé", condition=MSS)
    page.get_by_label("Statut", exact=True).select_option(value="open")
    page.get_by_role("button", name="Changer le statut").click()
    page.get_by_text("Questionnaire : ouvert aux réponses.").wait_for()
    page.get_by_role("link", name="Diffuser").click()
    links = page.get_by_role("link", name=re.compile("^Lien pré-rempli de"))
    expect(links).to_have_count(3)  # count() alone reads the page before it has arrived
    urls = [links.nth(i).get_attribute("href") for i in range(3)]
    assert serious_violations(page) == []

    # Each pharmacy answers by its link, without an account.
    pharmacy = browser.new_context(locale="fr-FR").new_page()
    for url, (fax, mss, uses) in zip(urls, TICKS, strict=True):
        pharmacy.goto(url)
        pharmacy.get_by_text("Vous répondez pour PHARMACIE NUMERO").wait_for()
        usage = pharmacy.get_by_role("group", name=re.compile(re.escape(USES)))
        assert usage.is_hidden()  # shown only once an MSSanté is declared
        _tick(pharmacy, FAX, fax)
        _tick(pharmacy, MSS, mss)
        if uses is not None:
            usage.wait_for()
            _tick(pharmacy, USES, uses)
        else:
            assert usage.is_hidden()
        pharmacy.get_by_role("button", name="Envoyer mes réponses").click()
        pharmacy.get_by_role("heading", name="Merci pour votre réponse").wait_for()
    assert serious_violations(pharmacy) == []
    pharmacy.context.close()

    questionnaire = Questionnaire.objects.get(slug="officines-trois")
    responses = list(Response.objects.filter(questionnaire=questionnaire).order_by("pk"))
    assert [r.structure for r in responses] == numbers
    jobs = run_jobs()
    assert [j.status for j in jobs] == ["succeeded"], [j.message for j in jobs]
    record = ImportRecord.objects.filter(source="survey").latest("pk")
    assert (record.status, record.rows_kept) == (ImportStatus.IMPORTED, 3), record.message
    value = IndicatorValue.objects.get(
        indicator__code="OFFICINES_FAX", territory=geography["sarthe"], is_current=True
    )
    assert (value.numerator, value.denominator) == (2, 3)
    from_questionnaire = engine_values("OFFICINES_FAX")

    # The same 3 answers as a survey tool's file, on a platform that only imported files.
    answers = [
        Answer(
            r.structure,
            has_fax=fax == "Oui",
            has_mss=mss == "Oui",
            uses_mss=None if uses is None else uses == "Oui",
            moment=r.submitted_at.astimezone(PARIS),
        )
        for r, (fax, mss, uses) in zip(responses, TICKS, strict=True)
    ]
    survey_file = write_survey(tmp_path / "enquete.csv", answers)
    settings.STAGING_DIR = tmp_path / "files-only"
    settings.RECOMPUTE_AFTER_IMPORT = False
    run_import("finess", finess_file)
    from capsante.ingest.generator.surveys import PHARMACY_MAPPING

    imported = run_import(
        "survey", survey_file, options={"survey": SURVEY, "mapping": PHARMACY_MAPPING}
    )
    assert imported.status == ImportStatus.IMPORTED, imported.message
    assert engine_values("OFFICINES_FAX") == from_questionnaire
    sarthe = [r for r in from_questionnaire if r["territory_code"] == "72"]
    assert [(r["numerator"], r["denominator"]) for r in sarthe] == [(2, 3)]
