"""Sign-in through ProConnect, end to end: a real headless Chromium, the platform on Django's
live server, and a real OpenID Connect provider (panva's oidc-provider, OpenID Certified) on
the loopback, configured as ProConnect answers (signed userinfo JWT, SIRET, PKCE, acr eidas1).

Login page → provider → back → "waiting for approval"; a superuser approves in the admin;
sign out (at the provider too); sign in again → the partner's home page, with their role."""

import re
from urllib.parse import urlparse

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from capsante.accounts.models import ExternalIdentity, Organisation, Profile, Role
from tests.oidc.provider import running_provider

from .conftest import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIRET_CPAM72 = "18005000000017"
AGENT = {
    "email": "nadia.agent@assurance-maladie.invalid",
    "given_name": "Nadia",
    "usual_name": "Agent",
    "siret": SIRET_CPAM72,
    "organizational_unit": "Service numérique",
}


PHARMACIST = {
    "given_name": "Camille",
    "family_name": "Pharmacienne",
    "SubjectNameID": "810003461033",
    "SubjectOrganization": "Pharmacie du Mans",
}


@pytest.fixture
def proconnect(live_server, settings, tmp_path):
    """The provider, and the platform configured to use it as ProConnect and as Pro Santé
    Connect (one client each; ProConnect's userinfo signed, Pro Santé Connect's plain JSON)."""
    secret = tmp_path / "client-secret"
    secret.write_text("secret-des-tests-seulement\n")
    clients = [
        {
            "client_id": f"cap-esante-{name}",
            "client_secret": "secret-des-tests-seulement",
            "redirect_uris": [f"{live_server.url}/comptes/oidc/{name}/retour/"],
            "post_logout_redirect_uris": [f"{live_server.url}/"],
            "token_endpoint_auth_method": "client_secret_post",
            **signed,
        }
        for name, signed in [("proconnect", {"userinfo_signed_response_alg": "RS256"}), ("psc", {})]
    ]
    accounts = {"agent.cpam72": AGENT, "ps.pharmacienne": PHARMACIST}
    with running_provider(clients, accounts, tmp_path / "op.log") as issuer:
        settings.OIDC_PROVIDERS = {
            name: {
                "issuer": issuer,
                "client_id": f"cap-esante-{name}",
                "client_secret_file": str(secret),
            }
            for name in ("proconnect", "psc")
        }
        yield issuer


@pytest.fixture
def loopback_only(page):
    """Nothing leaves the machine: the provider's own pages ask for a web font."""
    page.context.route(
        re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), lambda route: route.abort()
    )
    return page


def sign_in_at_provider(page, issuer, login="agent.cpam72"):
    assert page.url.startswith(issuer), page.url
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "nimporte")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    if page.url.startswith(issuer):  # the consent page, when the grant is not remembered
        page.click("button[type=submit]")
    page.wait_for_load_state()


def test_a_proconnect_sign_in_waits_for_approval_then_lands_on_the_partner_home(
    live_server, personas, proconnect, loopback_only
):
    page = loopback_only
    cpam = Organisation.objects.get(name="CPAM de la Sarthe")
    cpam.identifier = SIRET_CPAM72
    cpam.save()

    # 1. The sign-in page offers ProConnect beside the password form.
    page.goto(live_server.url + "/comptes/connexion/")
    assert page.locator(".fr-connect", has_text="S’identifier avec").count() == 2
    assert page.locator("#id_username").is_visible()
    assert serious_violations(page) == []
    page.click("#connect-proconnect")
    sign_in_at_provider(page, proconnect)

    # 2. Back on the platform: an account without a role, waiting.
    assert urlparse(page.url).path == "/comptes/en-attente/"
    assert page.locator("h1").inner_text() == "Votre accès est en attente de validation"
    assert "CPAM" not in page.locator("#fr-navigation").inner_text()
    assert "Campagnes" not in page.locator("#fr-navigation").inner_text()
    assert serious_violations(page) == []
    identity = ExternalIdentity.objects.get(provider="proconnect", subject="agent.cpam72")
    agent = identity.user
    assert (agent.first_name, agent.last_name, agent.email) == (
        "Nadia",
        "Agent",
        AGENT["email"],
    )
    assert identity.organisation_identifier == SIRET_CPAM72
    assert identity.organisation == cpam  # recognised by its SIRET
    assert not Profile.objects.filter(user=agent).exists()
    assert not agent.has_usable_password()

    # 3. A superuser approves it in the admin: organisation, role, territory; audited.
    approver = get_user_model().objects.create_superuser("admin.national", password="x" * 16)
    admin = Client()
    admin.force_login(approver)
    change = f"/admin/accounts/externalidentity/{identity.pk}/change/"
    assert "Service numérique" in admin.get(change).content.decode()
    response = admin.post(
        change,
        {
            "organisation": cpam.pk,
            "new_organisation_kind": "",
            "role": Role.CONTRIBUTOR,
            "scope": personas["cpam72_contributor"].profile.scope_id,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    profile = Profile.objects.get(user=agent)
    assert (profile.organisation, profile.role, profile.scope.code) == (
        cpam,
        Role.CONTRIBUTOR,
        "72",
    )
    assert profile.history.get().history_user == approver
    identity.refresh_from_db()
    assert identity.approved_by == approver and identity.approved_at is not None
    assert identity.history.first().history_user == approver

    # 4. Signing out also ends the provider's session (ProConnect asks for it).
    page.reload()
    page.click("button:has-text('Se déconnecter')")
    page.wait_for_load_state()
    if page.url.startswith(proconnect):  # the provider asks to confirm
        page.click("button[value=yes]")
        page.wait_for_load_state()
    assert urlparse(page.url).path == "/"
    assert "Se connecter" in page.locator(".fr-header__tools").inner_text()

    # 5. The next sign-in lands on the partner home page, with the role granted.
    page.goto(live_server.url + "/comptes/connexion/")
    page.click("#connect-proconnect")
    sign_in_at_provider(page, proconnect)
    assert urlparse(page.url).path == "/"
    header = page.locator(".fr-header__tools").inner_text()
    assert "Nadia Agent" in header and "Contributeur" in header
    assert "Campagnes" in page.locator("#fr-navigation").inner_text()
    assert ExternalIdentity.objects.count() == 1  # the same account, not a second one


def test_a_pro_sante_connect_sign_in_keeps_the_rpps_and_the_declared_structure(
    live_server, proconnect, loopback_only
):
    page = loopback_only
    page.goto(live_server.url + "/comptes/connexion/")
    page.click("#connect-psc")
    sign_in_at_provider(page, proconnect, login="ps.pharmacienne")
    assert urlparse(page.url).path == "/comptes/en-attente/"
    text = page.locator("main").inner_text()
    assert "Pro Santé Connect" in text and "Pharmacie du Mans" in text and "810003461033" in text
    identity = ExternalIdentity.objects.get(provider="psc")
    assert identity.user.get_full_name() == "Camille Pharmacienne"
    assert identity.organisation is None  # no such organisation yet: the admin will create it
