"""Signing in: repeated failures block a username from one address for a while, with a French
page in the site's look; passwords follow the rules of a public-sector service."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from capsante.accounts.personas import DEMO_PASSWORD

LOGIN = "/comptes/connexion/"
ADMIN_LOGIN = "/admin/login/?next=/admin/"
BLOCKED = "la connexion à ce compte depuis votre poste est bloquée pendant 15 minutes"


def sign_in(client, url, username, password, ip="192.0.2.10"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
@pytest.mark.parametrize("url", [LOGIN, ADMIN_LOGIN])
def test_five_failures_block_the_right_password_with_a_french_message(client, personas, url):
    for _ in range(4):
        response = sign_in(client, url, "ars.admin", "mauvais-mot-de-passe")
        assert response.status_code == 200  # the form again, with its error
    response = sign_in(client, url, "ars.admin", "mauvais-mot-de-passe")
    assert response.status_code == 429
    response = sign_in(client, url, "ars.admin", DEMO_PASSWORD)
    page = response.content.decode()
    assert response.status_code == 429 and BLOCKED in page
    assert 'class="fr-alert fr-alert--error' in page and "Connexion bloquée" in page
    assert "_auth_user_id" not in client.session  # not signed in


@pytest.mark.django_db
def test_the_block_is_for_one_username_from_one_address(client, personas):
    for _ in range(5):
        sign_in(client, LOGIN, "dt72.editeur", "mauvais-mot-de-passe")
    # Another user from the same address signs in.
    response = sign_in(client, LOGIN, "dt53.editeur", DEMO_PASSWORD)
    assert response.status_code == 302 and client.session["_auth_user_id"]
    client.logout()
    # The same user from another address too.
    response = sign_in(client, LOGIN, "dt72.editeur", DEMO_PASSWORD, ip="198.51.100.7")
    assert response.status_code == 302 and client.session["_auth_user_id"]


@pytest.mark.django_db
def test_a_successful_sign_in_starts_the_count_again(client, personas):
    for _ in range(4):
        sign_in(client, LOGIN, "elu.lecteur", "mauvais-mot-de-passe")
    assert sign_in(client, LOGIN, "elu.lecteur", DEMO_PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        sign_in(client, LOGIN, "elu.lecteur", "mauvais-mot-de-passe")
    assert sign_in(client, LOGIN, "elu.lecteur", DEMO_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_sign_in_only_sends_back_to_a_page_of_the_platform(client, personas):
    response = client.post(
        LOGIN + "?next=https://faux-site.example/",
        {
            "username": "elu.lecteur",
            "password": DEMO_PASSWORD,
            "next": "https://faux-site.example/",
        },
    )
    assert (response.status_code, response["Location"]) == (302, "/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("court-mdp", "au minimum 12 caractères"),
        ("ars.admin-2026", "trop semblable"),
        ("123456789012345", "entièrement numérique"),
        ("password12345", "trop courant"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(personas, password, reason):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user=personas["ars_admin"])
    assert any(reason in message for message in refused.value.messages)


@pytest.mark.django_db
def test_the_demo_password_is_still_accepted(personas):
    validate_password(DEMO_PASSWORD, user=personas["ars_admin"])
