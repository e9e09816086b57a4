"""API tokens: issued and revoked within an administrator's scope, stored hashed, and turned
into the partner they act as (docs/decisions/0010-api-tokens.md).

A token acts as a partner with its role on its scope. `accounts.access` decides from a profile,
so the token hands it one: its technical account carrying an *unsaved* `Profile` built from
the token (role, scope, organisation). No rule is written twice and access.py knows no token.
"""

import datetime as dt
import hashlib
import hmac
import re
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from capsante.accounts import access
from capsante.accounts.models import Profile, Role

from .models import ApiToken

TOKEN_PATTERN = re.compile(r"^cs_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$")
# Compared against when the prefix is unknown, so that both paths take the same time.
_NO_DIGEST = "0" * 64
# The last use is written at most this often: every request would otherwise write.
LAST_USE_PRECISION = dt.timedelta(minutes=1)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def may_manage(user, token: ApiToken) -> bool:
    """Superusers, and regional admins for the tokens whose scope lies within theirs."""
    return access.is_superuser(user) or access.can_administer(user, token.scope)


def _validate(token: ApiToken) -> None:
    errors = {}
    if not (token.name or "").strip():
        errors["name"] = "Donnez un nom au jeton (le client qui l'utilisera)."
    if token.role not in Role.values:
        errors["role"] = "Rôle inconnu : " + ", ".join(Role.values) + "."
    if token.expires_at is not None and token.expires_at <= timezone.now():
        errors["expires_at"] = "La date d'expiration doit être dans le futur."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def issue(token: ApiToken, created_by) -> str:
    """Save a new token (name, organisation, role, scope, expiry set) and return its secret,
    which is shown once and never stored."""
    access.require(
        may_manage(created_by, token),
        "Vous ne pouvez créer de jeton que sur un territoire que vous administrez.",
    )
    _validate(token)
    prefix = secrets.token_hex(4)
    while ApiToken.objects.filter(prefix=prefix).exists():
        prefix = secrets.token_hex(4)
    secret = f"cs_{prefix}_{secrets.token_urlsafe(32)}"
    account = get_user_model()(
        username=f"jeton-api-{prefix}",
        first_name="Jeton d'API",
        last_name=f"« {token.name.strip()} » ({token.organisation})"[:150],
        is_active=True,
    )
    account.set_unusable_password()
    account.save()
    token.name = token.name.strip()
    token.prefix, token.digest = prefix, digest(secret)
    token.account, token.created_by = account, created_by
    token._history_user = created_by  # type: ignore[attr-defined]
    token.save()
    return secret


def create_token(created_by, **fields) -> tuple[ApiToken, str]:
    token = ApiToken(**fields)
    return token, issue(token, created_by)


@transaction.atomic
def revoke(token: ApiToken, user) -> ApiToken:
    access.require(
        may_manage(user, token),
        "Vous ne pouvez révoquer que les jetons d'un territoire que vous administrez.",
    )
    if token.revoked_at is not None:
        raise ValidationError("Ce jeton est déjà révoqué.")
    token.revoked_at, token.revoked_by = timezone.now(), user
    token._history_user = user  # type: ignore[attr-defined]
    token.save()
    # The technical account goes inactive too: access.py refuses inactive accounts anyway.
    type(token.account).objects.filter(pk=token.account_id).update(is_active=False)
    return token


def authenticate(secret: str) -> ApiToken | None:
    """The active token this secret belongs to, or None (unknown, revoked or expired)."""
    match = TOKEN_PATTERN.match(secret)
    if match is None:
        return None
    token = (
        ApiToken.objects.select_related("account", "organisation", "scope__parent")
        .filter(prefix=match[1])
        .first()
    )
    presented = digest(secret)
    if not hmac.compare_digest(token.digest if token else _NO_DIGEST, presented) or token is None:
        return None
    if not token.is_active or not token.account.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USE_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def acting_user(token: ApiToken):
    """The token's technical account, holding the token's role and scope as its profile.

    The profile is never saved: it exists for the length of the request so that
    `accounts.access` answers for the token exactly as it answers for a person with that role
    on that scope.
    """
    account = token.account
    account.profile = Profile(
        user=account, organisation=token.organisation, role=token.role, scope=token.scope
    )
    return account
