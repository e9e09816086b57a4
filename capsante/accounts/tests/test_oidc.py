"""OpenID Connect sign-in, without a provider: off by default, configured per provider from the
environment, claims read as configured, an unreachable provider answered in French. The whole
journey against a real provider is in tests/browser/test_oidc_sign_in.py."""

import pytest

from capsante import settings as project_settings
from capsante.accounts import oidc
from tests.oidc.provider import free_port

PSC_CLAIMS = {
    "sub": "f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:ANS20200001",
    "given_name": "Camille",
    "family_name": "Pharmacienne",
    "SubjectNameID": "810003461033",
    "SubjectOrganization": "Pharmacie du Mans",
    "SubjectRefPro": {"exercices": [{"activities": [{"siretSite": "12345678900011"}]}]},
}


def configure(settings, tmp_path, **providers):
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    settings.OIDC_PROVIDERS = {
        name: {"client_id": "cap", "client_secret_file": str(secret), **raw}
        for name, raw in providers.items()
    }


@pytest.mark.django_db
def test_off_by_default_the_sign_in_page_has_no_provider_button(client):
    page = client.get("/comptes/connexion/").content.decode()
    assert "S’identifier avec" not in page and 'name="password"' in page
    assert client.get("/comptes/oidc/proconnect/connexion/").status_code == 404


@pytest.mark.django_db
def test_configured_providers_show_their_buttons_beside_the_form(client, settings, tmp_path):
    configure(
        settings,
        tmp_path,
        proconnect={"issuer": "http://127.0.0.1:9/"},
        psc={"issuer": "http://127.0.0.1:9/psc"},
    )
    page = client.get("/comptes/connexion/?next=/campagnes/").content.decode()
    assert page.count('class="fr-connect cap-connect"') == 2
    assert "ProConnect</span>" in page and "Pro Santé Connect</span>" in page
    assert "/comptes/oidc/proconnect/connexion/?next=/campagnes/" in page
    assert 'name="password"' in page  # local accounts keep their form


@pytest.mark.django_db
def test_an_unreachable_provider_sends_back_to_the_form_with_a_french_message(
    client, settings, tmp_path
):
    configure(settings, tmp_path, proconnect={"issuer": f"http://127.0.0.1:{free_port()}"})
    response = client.get("/comptes/oidc/proconnect/connexion/", follow=True)
    assert response.redirect_chain[-1][0] == "/comptes/connexion/"
    assert "La connexion avec ProConnect n’a pas abouti" in response.content.decode()


def test_each_provider_has_its_defaults_and_the_settings_override_them(settings, tmp_path):
    configure(
        settings,
        tmp_path,
        proconnect={"issuer": "https://idp.example/api/v2/"},
        psc={
            "issuer": "https://psc.example/realm",
            "claims": {
                "organisation_identifier": "SubjectRefPro.exercices.0.activities.0.siretSite"
            },
        },
    )
    proconnect, psc = oidc.configured()
    assert proconnect.issuer == "https://idp.example/api/v2"
    assert "siret" in proconnect.scopes.split() and proconnect.acr_values == ""
    assert psc.acr_values == "eidas1" and psc.client_secret == "s3cret"
    assert oidc.mapped(psc, PSC_CLAIMS) == {
        "email": "",
        "first_name": "Camille",
        "last_name": "Pharmacienne",
        "organisation_identifier": "12345678900011",
        "organisation_name": "Pharmacie du Mans",
        "professional_identifier": "810003461033",
    }


def test_a_claim_path_that_leads_nowhere_reads_as_empty():
    assert oidc.claim(PSC_CLAIMS, "SubjectRefPro.exercices.3.activities") == ""
    assert oidc.claim(PSC_CLAIMS, "SubjectRefPro") == ""  # an object is not a value
    assert oidc.claim(PSC_CLAIMS, "") == ""


def test_the_environment_configures_each_provider_or_says_what_is_missing(monkeypatch):
    monkeypatch.setenv("CAPSANTE_OIDC_PROCONNECT_ISSUER", "https://idp.example")
    monkeypatch.setenv("CAPSANTE_OIDC_PROCONNECT_CLIENT_ID", "cap")
    monkeypatch.setenv("CAPSANTE_OIDC_PROCONNECT_CLIENT_SECRET_FILE", "/etc/capsante/pc")
    monkeypatch.setenv("CAPSANTE_OIDC_PROCONNECT_CLAIMS", "organisation_name=belonging_population")
    providers = project_settings.env_oidc_providers(["proconnect"])
    assert providers["proconnect"]["claims"] == {"organisation_name": "belonging_population"}
    with pytest.raises(ValueError, match="CAPSANTE_OIDC_PSC_ISSUER"):
        project_settings.env_oidc_providers(["psc"])
    with pytest.raises(ValueError, match="unknown provider 'franceconnect'"):
        project_settings.env_oidc_providers(["franceconnect"])


@pytest.fixture
def pending_pharmacist(db):
    from django.contrib.auth import get_user_model

    from capsante.accounts.models import ExternalIdentity

    user = get_user_model().objects.create_user("psc-0123", first_name="Camille")
    return ExternalIdentity.objects.create(
        user=user,
        provider="psc",
        subject=PSC_CLAIMS["sub"],
        organisation_name="Pharmacie du Mans",
        professional_identifier="810003461033",
    )


@pytest.mark.django_db
def test_approving_can_create_the_declared_organisation(client, personas, pending_pharmacist):
    from django.contrib.auth import get_user_model

    from capsante.accounts.models import Organisation, Profile

    url = f"/admin/accounts/externalidentity/{pending_pharmacist.pk}/change/"
    sarthe = personas["dt72_editor"].profile.scope
    client.force_login(personas["ars_admin"])  # a regional admin does not manage accounts
    assert client.get(url).status_code == 403
    client.force_login(get_user_model().objects.create_superuser("root", password="x" * 16))
    listing = client.get("/admin/accounts/externalidentity/?approved_at__isempty=1")
    assert "Pharmacie du Mans" in listing.content.decode()
    refused = client.post(url, {"role": "lecteur", "scope": sarthe.pk})
    assert "Choisissez l’organisation" in refused.content.decode()
    assert not Profile.objects.filter(user=pending_pharmacist.user).exists()
    done = client.post(
        url, {"new_organisation_kind": "autre", "role": "lecteur", "scope": sarthe.pk}
    )
    assert done.status_code == 302
    profile = Profile.objects.get(user=pending_pharmacist.user)
    assert profile.organisation == Organisation.objects.get(name="Pharmacie du Mans")
    assert (profile.role, profile.scope) == ("lecteur", sarthe)
    pending_pharmacist.refresh_from_db()
    assert pending_pharmacist.organisation == profile.organisation
    assert not pending_pharmacist.user.is_staff  # a reader gets no admin access
