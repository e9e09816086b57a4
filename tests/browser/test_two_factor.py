"""The regional admin turns on the second factor in a real browser (QR code, a code computed as
her authenticator app would), then signs in with password and code; the pages pass axe."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from capsante.accounts.personas import DEMO_PASSWORD
from capsante.accounts.tests.test_two_factor import code_of

from .conftest import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def password_step(page, base):
    page.goto(base + "/comptes/connexion/")
    page.get_by_label("Identifiant").fill("ars.admin")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def test_an_admin_turns_on_the_code_then_signs_in_with_it(live_server, personas, page):
    base = live_server.url
    password_step(page, base)
    page.locator(".fr-header__tools").get_by_role("link", name="Alice Régionale").click()
    expect(page.locator("h1")).to_have_text("Mon compte")
    assert serious_violations(page) == []
    page.get_by_role("link", name="Activer la double authentification").click()
    expect(page.locator(".cap-qr svg")).to_be_visible()
    assert serious_violations(page) == []
    device = TOTPDevice.objects.get(user=personas["ars_admin"], confirmed=False)
    assert page.locator("#totp-secret").inner_text().replace(" ", "") in device.config_url
    page.get_by_label("Code à six chiffres").fill(code_of(device))
    page.get_by_role("button", name="Activer").click()
    expect(page.locator("body")).to_contain_text("Double authentification activée")
    assert page.locator("main .fr-badge").text_content().strip() == "Activée"

    page.get_by_role("button", name="Se déconnecter").click()
    password_step(page, base)
    expect(page.locator("h1")).to_have_text("Code de vérification")
    assert serious_violations(page) == []
    page.get_by_label("Code à six chiffres").fill(code_of(device, offset_steps=1))
    page.get_by_role("button", name="Valider").click()
    expect(page.locator(".fr-header__tools")).to_contain_text("Alice Régionale")
