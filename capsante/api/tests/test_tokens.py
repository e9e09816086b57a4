"""Tokens: stored hashed, shown once, revoked or expired means refused, issued and revoked
within an administrator's scope (admin and command), audited; a token adds no profile."""

import datetime as dt
import hashlib
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.utils import timezone

from capsante.accounts.models import Organisation, Profile
from capsante.api import tokens
from capsante.api.models import ApiToken

from .conftest import bearer

pytestmark = pytest.mark.django_db


def test_only_a_digest_is_stored_and_the_secret_authenticates(client, api_world, issue):
    secret = issue("lecteur", "72")
    token = ApiToken.objects.get()
    assert secret.startswith(f"cs_{token.prefix}_") and len(secret) == 3 + 8 + 1 + 43
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    stored = " ".join(str(v) for v in ApiToken.objects.values_list().get())
    assert secret not in stored and secret.split("_", 2)[2] not in stored
    assert client.get("/api/v1/manual-entries", **bearer(secret)).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    wrong = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    response = client.get("/api/v1/roadmaps", **bearer(wrong))
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert "révoqué" in response.json()["detail"]
    assert client.get("/api/v1/roadmaps", HTTP_AUTHORIZATION="Basic abc").status_code == 401


def test_revoked_and_expired_tokens_are_refused(client, api_world, issue):
    secret = issue("editeur", "72")
    token = ApiToken.objects.get()
    tokens.revoke(token, api_world["personas"]["ars_admin"])
    assert client.get("/api/v1/roadmaps", **bearer(secret)).status_code == 401
    later = issue("editeur", "72", expires_at=timezone.now() + dt.timedelta(days=1))
    ApiToken.objects.filter(revoked_at=None).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert client.get("/api/v1/roadmaps", **bearer(later)).status_code == 401
    assert [h.history_type for h in token.history.order_by("history_id")] == ["+", "~"]
    assert token.history.latest().history_user == api_world["personas"]["ars_admin"]


def test_a_token_acts_as_its_role_without_adding_a_profile(client, api_world, issue):
    profiles = Profile.objects.count()
    token, _ = tokens.create_token(
        api_world["personas"]["ars_admin"],
        name="Entrepôt CPAM",
        organisation=Organisation.objects.get(name="CPAM de la Sarthe"),
        role="contributeur",
        scope=api_world["sarthe"],
    )
    user = tokens.acting_user(token)
    assert (user.profile.role, user.profile.scope.code) == ("contributeur", "72")
    assert user.profile.pk is None and Profile.objects.count() == profiles
    assert not user.has_usable_password() and not user.is_staff


def test_regional_admins_issue_tokens_within_their_scope_only(api_world, breton_admin):
    with pytest.raises(PermissionDenied):
        tokens.create_token(
            breton_admin,
            name="Intrus",
            organisation=Organisation.objects.get(name="ARS Pays de la Loire"),
            role="admin",
            scope=api_world["sarthe"],
        )
    with pytest.raises(PermissionDenied):  # an editor administers nothing
        tokens.create_token(
            api_world["personas"]["dt72_editor"],
            name="Intrus",
            organisation=Organisation.objects.get(name="ARS Pays de la Loire"),
            role="lecteur",
            scope=api_world["sarthe"],
        )
    assert not ApiToken.objects.exists()


@pytest.fixture
def breton_admin(personas):
    from capsante.accounts.personas import Persona, ensure_persona
    from capsante.territories.models import Level, Territory

    Territory.objects.create(level=Level.REGION, code="53", name="Bretagne")
    return ensure_persona(
        Persona("ars.bretagne", "Brieuc Régional", "ARS Bretagne", "ars", "admin", "region", "53")
    )


def test_the_admin_shows_the_secret_once_and_revokes_within_scope(client, api_world):
    admin_user = api_world["personas"]["ars_admin"]
    client.force_login(admin_user)
    form = client.get("/admin/api/apitoken/add/").content.decode()
    assert "Sarthe" in form and "Mayenne" in form
    organisation = Organisation.objects.get(name="CPAM de la Sarthe")
    response = client.post(
        "/admin/api/apitoken/add/",
        {
            "name": "Entrepôt CPAM",
            "organisation": organisation.pk,
            "role": "contributeur",
            "scope": api_world["sarthe"].pk,
        },
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    page = response.content.decode()
    token = ApiToken.objects.get()
    secret = page.split('id="secret" type="text" readonly value="', 1)[1].split('"', 1)[0]
    assert secret.startswith(f"cs_{token.prefix}_") and "plus jamais affiché" in page
    assert token.digest == tokens.digest(secret) and token.created_by == admin_user
    assert secret not in client.get(f"/admin/api/apitoken/{token.pk}/change/").content.decode()
    client.post(
        "/admin/api/apitoken/",
        {"action": "revoke_selected", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == admin_user
    assert client.get("/api/v1/roadmaps", **bearer(secret)).status_code == 401


def test_the_command_creates_lists_and_revokes(api_world):
    out = io.StringIO()
    call_command(
        "api-token",
        "create",
        "--name=Tableaux du GRADeS",
        "--organisation=ARS Pays de la Loire",
        "--role=lecteur",
        "--territory=53",
        "--by=ars.admin",
        stdout=out,
    )
    secret = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get()
    assert tokens.authenticate(secret) == token and token.scope.code == "53"
    listing = io.StringIO()
    call_command("api-token", "list", stdout=listing)
    assert token.prefix in listing.getvalue() and secret not in listing.getvalue()
    with pytest.raises(CommandError, match="administrez"):
        call_command("api-token", "revoke", token.prefix, "--by=dt53.editeur")
    call_command("api-token", "revoke", token.prefix, "--by=ars.admin", stdout=io.StringIO())
    assert tokens.authenticate(secret) is None
    with pytest.raises(CommandError, match="Organisation inconnue"):
        call_command(
            "api-token",
            "create",
            "--name=x",
            "--organisation=Nulle part",
            "--role=lecteur",
            "--territory=72",
            "--by=ars.admin",
        )
