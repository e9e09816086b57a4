"""The pages of a ProConnect or Pro Santé Connect sign-in: the way out to the provider, the way
back, the page of an account that waits for an admin, and the sign-out at the provider."""

import logging
from urllib.parse import urlencode

import requests
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.views.generic import View
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from . import access, oidc
from .oidc_backend import library_settings

logger = logging.getLogger(__name__)
SESSION_PROVIDER = "capsante_oidc_provider"
UNREACHABLE = (requests.RequestException, ImproperlyConfigured, KeyError, ValueError)


def _provider(name: str) -> oidc.Provider:
    try:
        return oidc.provider(name)
    except KeyError:
        raise Http404("Ce mode de connexion n’est pas proposé.") from None


def _unavailable(request, provider: oidc.Provider):
    messages.error(
        request,
        f"La connexion avec {provider.label} n’a pas abouti. Réessayez dans quelques minutes, "
        "ou connectez-vous avec votre identifiant et votre mot de passe si vous en avez un.",
    )
    return redirect("accounts:login")


class ProviderStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider, with state, nonce and PKCE kept in the session."""

    provider_name = ""

    def __init__(self, **kwargs):
        # The library reads its settings here; ours are the provider's, read in get().
        View.__init__(self, **kwargs)

    def get_settings(self, attr, *default):
        return library_settings(self.provider, attr, *default)

    def get(self, request):
        self.provider = _provider(self.provider_name)
        try:
            self.OIDC_OP_AUTH_ENDPOINT = self.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except UNREACHABLE:
            logger.exception("%s: discovery failed", self.provider.name)
            return _unavailable(request, self.provider)
        self.OIDC_RP_CLIENT_ID = self.provider.client_id
        return super().get(request)


class ProviderCallbackView(OIDCAuthenticationCallbackView):
    """The provider's answer: a pending account goes to the waiting page, a partner home."""

    provider_name = ""

    def get_settings(self, attr, *default):
        return library_settings(self.provider, attr, *default)

    def get(self, request):
        self.provider = _provider(self.provider_name)
        try:
            return super().get(request)
        except UNREACHABLE:
            logger.exception("%s: sign-in failed", self.provider.name)
            return self.login_failure()

    @property
    def success_url(self):
        if not access.is_partner(self.user):
            return reverse("accounts:pending")
        return super().success_url

    def login_success(self):
        response = super().login_success()
        self.request.session[SESSION_PROVIDER] = self.provider.name
        return response

    def login_failure(self):
        return _unavailable(self.request, self.provider)


@login_required
def pending(request):
    """An account created by a provider, waiting for an admin to grant it a role."""
    if access.is_partner(request.user):
        return redirect("site:home")
    return render(
        request,
        "accounts/pending.html",
        {
            "title": "Accès en attente de validation",
            "identities": request.user.external_identities.all(),
        },
    )


class SignOutView(auth_views.LogoutView):
    """Signs out of the platform and, after a provider's sign-in, of the provider too (as
    ProConnect asks), which then sends the browser back to the home page."""

    def post(self, request, *args, **kwargs):
        name = request.session.get(SESSION_PROVIDER)
        id_token = request.session.get("oidc_id_token")
        response = super().post(request, *args, **kwargs)
        if not name or not id_token:
            return response
        try:
            provider = oidc.provider(name)
            end_session = provider.endpoints().get("end_session_endpoint")
        except UNREACHABLE:
            return response
        if not end_session:
            return response
        query = urlencode(
            {
                "id_token_hint": id_token,
                "state": get_random_string(32),
                "post_logout_redirect_uri": request.build_absolute_uri(reverse("site:home")),
            }
        )
        return HttpResponseRedirect(f"{end_session}?{query}")
