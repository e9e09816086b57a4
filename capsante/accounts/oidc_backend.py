"""Sign-in through an OpenID Connect provider, by mozilla-django-oidc (docs/decisions/0015).

The library speaks to one provider through settings named OIDC_*; here each of its settings is
read from the provider whose return page the browser came back to, so that ProConnect and Pro
Santé Connect live side by side. The library does the protocol: the code exchanged for tokens,
the ID token's signature checked against the provider's published keys, the nonce, PKCE, the
userinfo answer (signed JWT for ProConnect). This module adds the checks of the ID token's
issuer and audience, and what the platform does with a person: one account per (provider,
subject), created without a role on the first sign-in.
"""

import hashlib
import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from . import oidc
from .models import ExternalIdentity, Organisation

logger = logging.getLogger(__name__)


def library_settings(provider: oidc.Provider, attr: str, *default):
    """The value mozilla-django-oidc reads as `attr`, for this provider."""
    per_provider = {
        "OIDC_RP_CLIENT_ID": lambda: provider.client_id,
        "OIDC_RP_CLIENT_SECRET": lambda: provider.client_secret,
        "OIDC_RP_SCOPES": lambda: provider.scopes,
        "OIDC_RP_SIGN_ALGO": lambda: provider.sign_algo,
        "OIDC_OP_AUTHORIZATION_ENDPOINT": lambda: provider.endpoints()["authorization_endpoint"],
        "OIDC_OP_TOKEN_ENDPOINT": lambda: provider.endpoints()["token_endpoint"],
        "OIDC_OP_USER_ENDPOINT": lambda: provider.endpoints()["userinfo_endpoint"],
        "OIDC_OP_JWKS_ENDPOINT": lambda: provider.endpoints()["jwks_uri"],
        "OIDC_AUTHENTICATION_CALLBACK_URL": lambda: provider.callback_url_name,
        "OIDC_USE_PKCE": lambda: True,
        "OIDC_AUTH_REQUEST_EXTRA_PARAMS": lambda: (
            {"acr_values": provider.acr_values} if provider.acr_values else {}
        ),
    }
    if attr in per_provider:
        return per_provider[attr]()
    return import_from_settings(attr, *default)


def provider_of(request) -> oidc.Provider | None:
    """The provider whose return page this request is, if configured."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.url_name.startswith("oidc_callback_"):
        return None
    try:
        return oidc.provider(match.url_name.removeprefix("oidc_callback_"))
    except KeyError:
        return None


def username_for(provider: oidc.Provider, subject: str) -> str:
    """Stable, unique and free of personal data (a subject may be a national identifier)."""
    return f"{provider.name}-{hashlib.sha256(subject.encode()).hexdigest()[:20]}"


def recognised_organisation(declared: dict[str, str]) -> Organisation | None:
    """The platform's organisation with the declared identifier (SIRET…), else with that name."""
    if declared["organisation_identifier"]:
        found = Organisation.objects.filter(identifier=declared["organisation_identifier"]).first()
        if found:
            return found
    if declared["organisation_name"]:
        return Organisation.objects.filter(name__iexact=declared["organisation_name"]).first()
    return None


class ProviderBackend(OIDCAuthenticationBackend):
    provider: oidc.Provider

    def __init__(self, *args, **kwargs):
        # The library reads its settings here; ours depend on the request (see authenticate).
        self.UserModel = get_user_model()

    def get_settings(self, attr, *default):
        return library_settings(self.provider, attr, *default)

    def authenticate(self, request, **kwargs):
        provider = provider_of(request) if request is not None else None
        if provider is None:
            return None  # a password sign-in, or a provider no longer configured
        self.provider = provider
        self.OIDC_OP_TOKEN_ENDPOINT = self.get_settings("OIDC_OP_TOKEN_ENDPOINT")
        self.OIDC_OP_USER_ENDPOINT = self.get_settings("OIDC_OP_USER_ENDPOINT")
        self.OIDC_OP_JWKS_ENDPOINT = self.get_settings("OIDC_OP_JWKS_ENDPOINT")
        self.OIDC_RP_CLIENT_ID = provider.client_id
        self.OIDC_RP_CLIENT_SECRET = provider.client_secret
        self.OIDC_RP_SIGN_ALGO = provider.sign_algo
        self.OIDC_RP_IDP_SIGN_KEY = None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        if "nonce" in kwargs:  # the ID token (the userinfo JWT carries no nonce)
            audience = payload.get("aud")
            audiences = audience if isinstance(audience, list) else [audience]
            if payload.get("iss", "").rstrip("/") != self.provider.issuer:
                raise SuspiciousOperation("ID token from another issuer")
            if self.provider.client_id not in audiences:
                raise SuspiciousOperation("ID token for another client")
        return payload

    def verify_claims(self, claims):
        return bool(claims.get("sub"))

    def filter_users_by_claims(self, claims):
        return self.UserModel.objects.filter(
            external_identities__provider=self.provider.name,
            external_identities__subject=claims["sub"],
        )

    @transaction.atomic
    def create_user(self, claims):
        """The first sign-in: an account without a role, waiting for an admin's approval."""
        declared = oidc.mapped(self.provider, claims)
        user = self.UserModel(
            username=username_for(self.provider, claims["sub"]),
            email=declared["email"],
            first_name=declared["first_name"][:150],
            last_name=declared["last_name"][:150],
        )
        user.set_unusable_password()
        user.save()
        ExternalIdentity.objects.create(
            user=user,
            provider=self.provider.name,
            subject=claims["sub"],
            **self._declared_organisation(declared),
        )
        logger.info("New %s account %s, waiting for approval", self.provider.name, user)
        return user

    @transaction.atomic
    def update_user(self, user, claims):
        """Each sign-in refreshes what the provider says (a move to another organisation)."""
        declared = oidc.mapped(self.provider, claims)
        changed = {
            "email": declared["email"],
            "first_name": declared["first_name"][:150],
            "last_name": declared["last_name"][:150],
        }
        changed = {k: v for k, v in changed.items() if v and getattr(user, k) != v}
        if changed:
            for key, value in changed.items():
                setattr(user, key, value)
            user.save(update_fields=list(changed))
        identity = user.external_identities.get(provider=self.provider.name, subject=claims["sub"])
        for key, value in self._declared_organisation(declared).items():
            if key != "organisation" or value is not None:  # keep the one an admin chose
                setattr(identity, key, value)
        identity.save()
        return user

    @staticmethod
    def _declared_organisation(declared: dict[str, str]) -> dict:
        return {
            "organisation_identifier": declared["organisation_identifier"][:64],
            "organisation_name": declared["organisation_name"][:200],
            "professional_identifier": declared["professional_identifier"][:64],
            "organisation": recognised_organisation(declared),
        }
