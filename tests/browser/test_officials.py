"""Officials and CLS in a real browser: the DT 72 editor goes from the EPCI's territory page to
its partners' page (officials, CLS, events, indicators), records a CLS with an e-health axis
through the form, and finds it on the contract's page; every page passes axe-core."""

import re

import pytest

from capsante.officials.models import Contract, Official

from .conftest import serious_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_editor_reads_the_epci_page_and_records_a_cls(live_server, page, personas, geography):
    Official.objects.create(
        commune=geography["communes"]["72181"],
        civility="Mme",
        last_name="DUPONT",
        first_name="Claire",
        function="maire",
        epci=geography["epci"]["le_mans"],
        epci_function="president",
        email="mairie@lemans.example.org",
    )
    base = live_server.url
    sign_in(page, base, personas["dt72_editor"].username)
    page.goto(f"{base}/territoires/epci/247200132/")
    page.get_by_role("link", name=re.compile("^Élus, contrats locaux de santé")).click()
    page.get_by_role("heading", name=re.compile("^Le Mans Métropole")).wait_for()
    assert page.get_by_role("cell", name="Mme Claire DUPONT").is_visible()
    assert serious_violations(page) == []

    page.goto(f"{base}/elus/cls/nouveau/")
    assert serious_violations(page) == []
    page.get_by_label("Intitulé").fill("Contrat local de santé de Le Mans Métropole")
    page.get_by_label("Territoire du contrat").select_option(label="Le Mans Métropole (247200132)")
    page.get_by_label("Statut").select_option("signe")
    page.get_by_label("Signé le").fill("2024-01-10")
    page.locator("#id_axes-0-title").fill("Mon espace santé dans les quartiers")
    page.locator("#id_axes-0-progress").fill("40")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_role("heading", name="Contrat local de santé de Le Mans Métropole").wait_for()
    assert page.get_by_text("Intègre la e-santé").is_visible()
    assert serious_violations(page) == []
    contract = Contract.objects.get()
    assert contract.axes.get().progress == 40
