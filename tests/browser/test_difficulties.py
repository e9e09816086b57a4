"""Field difficulties in a real browser: a pharmacist reports a difficulty on the public form,
without an account and without JavaScript's help; an adviser signs in, qualifies it, escalates
it to the vendor and resolves it; the pharmacist gets the resolution mail (captured by the test
mail backend), and the statistics count it by service and vendor. The form and the adviser's
pages pass axe-core."""

import re

import pytest
from django.core import mail

from capsante.difficulties.demo import load_vendors
from capsante.difficulties.models import Difficulty
from capsante.directory.models import CommunePostcode
from capsante.directory.search import reset_index
from capsante.outbox.services import deliver_pending

from .conftest import serious_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def software(live_server, geography, personas, settings):
    settings.DIFFICULTIES_MIN_FILL_SECONDS = 2
    CommunePostcode.objects.create(code="72000", commune=geography["communes"]["72181"])
    reset_index()
    load_vendors()
    yield
    reset_index()


def _report(page, base: str) -> None:
    page.goto(f"{base}/remontees/")
    page.get_by_label("Vous êtes", exact=True).select_option(label="Pharmacien")
    page.get_by_label("Service concerné").select_option(label="MSSanté (messagerie sécurisée)")
    page.get_by_label("Logiciel utilisé").select_option(label="LGPI")
    page.get_by_label("Ce qui s’est passé").fill(
        "La messagerie sécurisée n’est pas reliée au logiciel : <script>alert(1)</script>"
    )
    page.get_by_label("Commune d’exercice").fill("72000")
    page.get_by_role("textbox", name=re.compile("^Adresse électronique")).fill(
        "officine@example.org"
    )
    page.locator("label[for=id_consent]").click()  # the DSFR label covers its box
    page.wait_for_timeout(2100)  # as long as a person takes, at least
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.get_by_role("heading", name="Merci, votre signalement est enregistré").wait_for()


def _follow(page, status: str, **fields) -> None:
    page.get_by_role("combobox", name="Statut", exact=True).select_option(label=status)
    if "blocker" in fields:
        page.get_by_label("Catégorie de blocage").select_option(label=fields["blocker"])
    if "escalated_to" in fields:
        page.get_by_label("Escaladée à").select_option(label=fields["escalated_to"])
    if "resolution" in fields:
        page.get_by_label("Réponse apportée").fill(fields["resolution"])
    page.get_by_role("button", name="Enregistrer le suivi").click()
    page.get_by_text("Le suivi de la difficulté est enregistré").wait_for()


def test_a_reported_difficulty_is_resolved_and_its_reporter_told(live_server, software, browser):
    base = live_server.url
    # The visitor's browser runs no script: the form must work without JavaScript.
    visitor = browser.new_context(locale="fr-FR", java_script_enabled=False)
    _report(visitor.new_page(), base)
    visitor.close()
    difficulty = Difficulty.objects.get()
    assert (difficulty.commune.name, difficulty.product.name) == ("Le Mans", "LGPI")

    adviser = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = adviser.new_page()
    sign_in(page, base, "cpam72.contributeur")
    page.goto(f"{base}/remontees/suivi/")
    page.get_by_role("link", name=f"n° {difficulty.pk}").click()
    page.get_by_text("<script>alert(1)</script>").wait_for()  # shown as text
    _follow(page, "Qualifiée", blocker="Équipement en MSSanté")
    _follow(page, "Escaladée", blocker="Équipement en MSSanté", escalated_to="Éditeur du logiciel")
    _follow(
        page,
        "Résolue",
        blocker="Équipement en MSSanté",
        escalated_to="Éditeur du logiciel",
        resolution="L’éditeur a activé le connecteur MSSanté de LGPI.",
    )
    history = page.get_by_role("region", name=re.compile("Historique de la difficulté"))
    assert "Résolue" in history.inner_text()

    deliver_pending()
    (message,) = [m for m in mail.outbox if m.to == ["officine@example.org"]]
    assert "L’éditeur a activé le connecteur MSSanté de LGPI." in message.body

    page.goto(f"{base}/remontees/statistiques/")
    service = page.get_by_role("table", name=re.compile("^Par service concerné"))
    assert "MSSanté (messagerie sécurisée)\n1" in service.inner_text().replace("\t", "\n")
    vendor = page.get_by_role("table", name=re.compile("^Par éditeur de logiciel"))
    assert "Pharmagest Interactive\n1" in vendor.inner_text().replace("\t", "\n")
    # On a phone the bar charts, 520 units shrunk to two thirds, wrote their labels at 8.6 px:
    # now 11 px or so (their box 14 px high at least), inside the drawing.
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    chart = page.locator("svg.cap-chart").first
    frame = chart.bounding_box()
    labels = chart.locator("text.cap-chart-label")
    assert labels.count() >= 1
    for i in range(labels.count()):
        box = labels.nth(i).bounding_box()
        assert box["height"] >= 14, box
        assert box["x"] + box["width"] <= frame["x"] + frame["width"] + 0.5, box
    page.set_viewport_size({"width": 1280, "height": 900})
    failures = {}
    for path in ("/remontees/statistiques/", f"/remontees/suivi/{difficulty.pk}/"):
        page.goto(base + path)
        if violations := serious_violations(page):
            failures[path] = violations
    adviser.close()
    assert failures == {}


def test_the_public_form_passes_axe_with_and_without_errors(live_server, software, page):
    base = live_server.url
    page.goto(f"{base}/remontees/")
    failures = {}
    if violations := serious_violations(page):
        failures["formulaire"] = violations
    page.wait_for_timeout(2100)
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.locator(".fr-error-text").first.wait_for()
    if violations := serious_violations(page):
        failures["formulaire (erreurs)"] = violations
    assert failures == {}
